package org.readonlyrootfs.exporter.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A memory cgroup of the benchmark's own, on cgroup v1 ({@code /sys/fs/cgroup/memory}) or v2 (the unified
 * hierarchy with the memory controller), whichever the machine has: a process put in it runs under the
 * limit as a container's would, page cache it reads included.
 */
public final class MemoryCgroup implements AutoCloseable {
    private static final Path V1 = Path.of("/sys/fs/cgroup/memory");
    private static final Path V2 = Path.of("/sys/fs/cgroup");

    private final Path dir;
    private final boolean v2;

    private MemoryCgroup(Path dir, boolean v2) {
        this.dir = dir;
        this.v2 = v2;
    }

    /** Creates {@code name} with {@code limitBytes} as its hard limit (and no swap beyond it). */
    public static MemoryCgroup create(String name, long limitBytes) throws IOException {
        if (Files.isRegularFile(V1.resolve("memory.limit_in_bytes"))) {
            Path dir = V1.resolve(name);
            Files.createDirectories(dir);
            write(dir.resolve("memory.limit_in_bytes"), Long.toString(limitBytes));
            if (Files.exists(dir.resolve("memory.memsw.limit_in_bytes"))) {
                write(dir.resolve("memory.memsw.limit_in_bytes"), Long.toString(limitBytes));
            }
            return new MemoryCgroup(dir, false);
        }
        Path controllers = V2.resolve("cgroup.controllers");
        if (Files.isRegularFile(controllers) && Files.readString(controllers).contains("memory")) {
            String subtree = Files.readString(V2.resolve("cgroup.subtree_control"));
            if (!subtree.contains("memory")) {
                write(V2.resolve("cgroup.subtree_control"), "+memory");
            }
            Path dir = V2.resolve(name);
            Files.createDirectories(dir);
            write(dir.resolve("memory.max"), Long.toString(limitBytes));
            write(dir.resolve("memory.swap.max"), "0");
            return new MemoryCgroup(dir, true);
        }
        throw new IllegalStateException("no memory cgroup controller: neither " + V1 + " (v1) nor a v2 hierarchy"
                + " with the memory controller at " + V2);
    }

    String version() {
        return v2 ? "v2" : "v1";
    }

    /** The file whose writing moves a process in: {@code echo $$ > procs && exec ...}. */
    public Path procs() {
        return dir.resolve("cgroup.procs");
    }

    /** Charged memory now: anonymous and page cache. */
    long usage() {
        return number(v2 ? "memory.current" : "memory.usage_in_bytes");
    }

    /** The kernel's own high-water mark of {@link #usage()}; -1 where the kernel keeps none (v2 before 5.19). */
    long peak() {
        Path f = dir.resolve(v2 ? "memory.peak" : "memory.max_usage_in_bytes");
        return Files.exists(f) ? number(f.getFileName().toString()) : -1;
    }

    /** Anonymous memory (the heap, stacks, malloc: what cannot be dropped, only swapped). */
    long anonymous() {
        return stat().getOrDefault(v2 ? "anon" : "total_rss", 0L);
    }

    /** Page cache the kernel may drop first: usage minus this is the working set, as cAdvisor counts it. */
    long inactiveFile() {
        return stat().getOrDefault(v2 ? "inactive_file" : "total_inactive_file", 0L);
    }

    /** Times the limit was hit (v1 failcnt, v2 the {@code max} event). */
    long limitHits() {
        return v2 ? events().getOrDefault("max", 0L) : number("memory.failcnt");
    }

    /** Processes the kernel's OOM killer ended in this cgroup. */
    long oomKills() {
        return v2
                ? events().getOrDefault("oom_kill", 0L)
                : keyed(dir.resolve("memory.oom_control")).getOrDefault("oom_kill", 0L);
    }

    private Map<String, Long> stat() {
        return keyed(dir.resolve("memory.stat"));
    }

    private Map<String, Long> events() {
        return keyed(dir.resolve("memory.events"));
    }

    private long number(String file) {
        try {
            return Long.parseLong(Files.readString(dir.resolve(file)).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Long> keyed(Path file) {
        Map<String, Long> values = new HashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String[] kv = line.trim().split("\\s+");
                if (kv.length == 2 && kv[1].matches("\\d+")) {
                    values.put(kv[0], Long.parseLong(kv[1]));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return values;
    }

    private static void write(Path file, String value) throws IOException {
        Files.writeString(file, value);
    }

    /** Removes the cgroup (its processes must be gone). */
    @Override
    public void close() throws IOException {
        Files.deleteIfExists(dir);
    }
}
