package org.readonlyrootfs.exporter.metrics;

import static org.readonlyrootfs.exporter.metrics.ExporterCollector.PREFIX;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The exporter's memory against its container's limit, read from its own memory cgroup (v1 or v2) when
 * scraped: {@code readonly_rootfs_memory_limit_bytes} (absent when there is no limit) and {@code
 * readonly_rootfs_memory_working_set_bytes} (usage minus inactive page cache, what {@code docker stats}
 * and the kubelet count, and what the kernel's OOM killer weighs against the limit).
 *
 * <p>The cgroup is found once, from {@code /proc/self/cgroup}; its directory under the mount, or the mount
 * itself where a container's cgroup namespace shows only its own. The limit is the lowest on the way up
 * (v1: {@code hierarchical_memory_limit}; v2: the lowest {@code memory.max} of the cgroup and its parents);
 * "max", or anything from 2^60 on (v1's "unlimited" is a page-aligned {@code Long.MAX_VALUE}), is none.
 */
public final class CgroupMemory {
    static final String LIMIT = PREFIX + "memory_limit_bytes";
    static final String WORKING_SET = PREFIX + "memory_working_set_bytes";
    private static final long UNLIMITED = 1L << 60;

    private final Path dir; // null: no memory cgroup found
    private final Path mount;
    private final boolean v2;

    CgroupMemory(Path procSelfCgroup, Path cgroupRoot) {
        Path found = null;
        Path top = null;
        boolean unified = false;
        try {
            List<String> lines = Files.readAllLines(procSelfCgroup);
            Path v1 = cgroupRoot.resolve("memory");
            if (Files.isRegularFile(v1.resolve("memory.limit_in_bytes"))) {
                top = v1;
                for (String line : lines) {
                    String[] f = line.split(":", 3);
                    if (f.length == 3 && List.of(f[1].split(",")).contains("memory")) {
                        found = under(v1, f[2]);
                    }
                }
                found = found != null ? found : v1;
            } else if (Files.isRegularFile(cgroupRoot.resolve("cgroup.controllers"))) {
                top = cgroupRoot;
                unified = true;
                for (String line : lines) {
                    if (line.startsWith("0::")) {
                        found = under(cgroupRoot, line.substring(3));
                    }
                }
                found = found != null ? found : cgroupRoot;
            }
        } catch (IOException | RuntimeException e) {
            found = null; // not Linux, or no cgroup: no series
        }
        this.dir = found;
        this.mount = top;
        this.v2 = unified;
    }

    /** The exporter's own cgroup, as the kernel shows it to this process. */
    public static CgroupMemory ofThisProcess() {
        return new CgroupMemory(Path.of("/proc/self/cgroup"), Path.of("/sys/fs/cgroup"));
    }

    /** The cgroup's directory; the mount when it is not visible there (a container's own namespace). */
    private static Path under(Path mount, String path) {
        Path d = mount.resolve(path.replaceFirst("^/+", "")).normalize();
        return d.startsWith(mount) && Files.isDirectory(d) ? d : mount;
    }

    /** The memory limit in bytes; empty when there is none (or no memory cgroup). */
    OptionalLong limit() {
        if (dir == null) {
            return OptionalLong.empty();
        }
        long lowest = Long.MAX_VALUE;
        if (v2) {
            for (Path d = dir; d != null && d.startsWith(mount); d = d.getParent()) {
                lowest = Math.min(lowest, number(d.resolve("memory.max")).orElse(Long.MAX_VALUE));
            }
        } else {
            lowest = stat("hierarchical_memory_limit")
                    .orElse(number(dir.resolve("memory.limit_in_bytes")).orElse(Long.MAX_VALUE));
        }
        return lowest >= UNLIMITED ? OptionalLong.empty() : OptionalLong.of(lowest);
    }

    /** Usage minus inactive page cache; empty where the cgroup shows no usage (v2's root). */
    OptionalLong workingSet() {
        if (dir == null) {
            return OptionalLong.empty();
        }
        OptionalLong usage = number(dir.resolve(v2 ? "memory.current" : "memory.usage_in_bytes"));
        if (usage.isEmpty()) {
            return usage;
        }
        long inactive = stat(v2 ? "inactive_file" : "total_inactive_file").orElse(0);
        return OptionalLong.of(Math.max(0, usage.getAsLong() - inactive));
    }

    private OptionalLong stat(String key) {
        try {
            for (String line : Files.readAllLines(dir.resolve("memory.stat"))) {
                if (line.startsWith(key + " ")) {
                    return OptionalLong.of(
                            Long.parseLong(line.substring(key.length() + 1).trim()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no such statistic here
        }
        return OptionalLong.empty();
    }

    private static OptionalLong number(Path file) {
        try {
            String text = Files.readString(file).trim();
            return text.equals("max") ? OptionalLong.of(Long.MAX_VALUE) : OptionalLong.of(Long.parseLong(text));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** Registers both gauges into {@code registry}, labelled with the daemon's current name. */
    public void register(PrometheusRegistry registry, Supplier<String> host) {
        GaugeWithCallback.builder()
                .name(LIMIT)
                .help("Memory limit of the exporter's own cgroup (its container's limit), in bytes; absent when"
                        + " unlimited")
                .unit(Unit.BYTES)
                .labelNames("host")
                .callback(cb -> limit().ifPresent(v -> cb.call(v, host.get())))
                .register(registry);
        GaugeWithCallback.builder()
                .name(WORKING_SET)
                .help("Working set of the exporter's own cgroup: usage minus inactive page cache, in bytes, as"
                        + " docker stats and the kubelet count it against the limit")
                .unit(Unit.BYTES)
                .labelNames("host")
                .callback(cb -> workingSet().ifPresent(v -> cb.call(v, host.get())))
                .register(registry);
    }
}
