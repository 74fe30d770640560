package org.readonlyrootfs.exporter.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exporter's own memory cgroup, read from fixture trees of cgroup v1 and v2 as the kernel lays them out. */
class CgroupMemoryTest {
    private static final long MIB = 1024 * 1024;
    /** What cgroup v1 says for "no limit": Long.MAX_VALUE rounded down to a page. */
    private static final String V1_UNLIMITED = "9223372036854771712";

    @TempDir
    Path root;

    private Path file(String path, String content) throws IOException {
        Path f = root.resolve(path);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
        return f;
    }

    private Path v1(String cgroup, String limit, String hierarchical) throws IOException {
        Path dir = "/".equals(cgroup) ? Path.of("sys/memory") : Path.of("sys/memory" + cgroup);
        file("sys/memory/memory.limit_in_bytes", V1_UNLIMITED);
        file(dir.resolve("memory.limit_in_bytes").toString(), limit + "\n");
        file(dir.resolve("memory.usage_in_bytes").toString(), (80 * MIB) + "\n");
        file(
                dir.resolve("memory.stat").toString(),
                "cache 1000\nrss 2000\nhierarchical_memory_limit " + hierarchical + "\ntotal_inactive_file "
                        + (20 * MIB) + "\n");
        return file("proc/self/cgroup", "12:cpu,cpuacct:/x\n4:memory:" + cgroup + "\n0::/\n");
    }

    @Test
    void v1LimitIsTheHierarchicalOneAndTheWorkingSetLeavesOutInactiveCache() throws IOException {
        Path proc = v1("/docker/abc", V1_UNLIMITED, Long.toString(128 * MIB)); // the limit is set on a parent
        CgroupMemory m = new CgroupMemory(proc, root.resolve("sys"));
        assertEquals(OptionalLong.of(128 * MIB), m.limit());
        assertEquals(OptionalLong.of(60 * MIB), m.workingSet());
    }

    @Test
    void v1UnlimitedHasNoLimit() throws IOException {
        CgroupMemory m = new CgroupMemory(v1("/", V1_UNLIMITED, V1_UNLIMITED), root.resolve("sys"));
        assertEquals(OptionalLong.empty(), m.limit());
        assertEquals(OptionalLong.of(60 * MIB), m.workingSet(), "the working set is there all the same");
    }

    @Test
    void v1InsideAContainerNamespaceTheMountIsTheCgroup() throws IOException {
        // /proc/self/cgroup names the host's path, which the container's mount does not show: the mount is ours
        v1("/", Long.toString(64 * MIB), Long.toString(64 * MIB));
        Path proc = file("proc/self/cgroup", "4:memory:/docker/0123456789ab\n");
        assertEquals(OptionalLong.of(64 * MIB), new CgroupMemory(proc, root.resolve("sys")).limit());
    }

    @Test
    void v2LimitIsTheLowestOnTheWayUpAndMaxIsNone() throws IOException {
        file("sys/cgroup.controllers", "cpu memory pids\n");
        file("sys/system.slice/memory.max", (256 * MIB) + "\n");
        file("sys/system.slice/exporter.scope/memory.max", "max\n");
        file("sys/system.slice/exporter.scope/memory.current", (50 * MIB) + "\n");
        file("sys/system.slice/exporter.scope/memory.stat", "anon 100\ninactive_file " + (5 * MIB) + "\n");
        Path proc = file("proc/self/cgroup", "0::/system.slice/exporter.scope\n");
        CgroupMemory m = new CgroupMemory(proc, root.resolve("sys"));
        assertEquals(OptionalLong.of(256 * MIB), m.limit());
        assertEquals(OptionalLong.of(45 * MIB), m.workingSet());

        Files.writeString(root.resolve("sys/system.slice/memory.max"), "max\n");
        assertEquals(OptionalLong.empty(), m.limit(), "max all the way up: no limit (read at every scrape)");
    }

    @Test
    void noCgroupNoSeriesAndNoError() throws IOException {
        CgroupMemory m = new CgroupMemory(root.resolve("proc/self/cgroup"), root.resolve("sys"));
        assertEquals(OptionalLong.empty(), m.limit());
        assertEquals(OptionalLong.empty(), m.workingSet());
        PrometheusRegistry registry = new PrometheusRegistry();
        m.register(registry, () -> "h");
        String text = ExporterCollectorTest.render(registry, PrometheusTextFormatWriter.create());
        assertFalse(text.contains("readonly_rootfs_memory_limit_bytes{"), text);
        assertFalse(text.contains("readonly_rootfs_memory_working_set_bytes{"), text);
    }

    @Test
    void bothGaugesCarryTheHostInBytes() throws IOException {
        Path proc = v1("/docker/abc", Long.toString(128 * MIB), Long.toString(128 * MIB));
        PrometheusRegistry registry = new PrometheusRegistry();
        new CgroupMemory(proc, root.resolve("sys")).register(registry, () -> "node-1");
        String text = ExporterCollectorTest.render(registry, PrometheusTextFormatWriter.create());
        assertTrue(text.contains("readonly_rootfs_memory_limit_bytes{host=\"node-1\"} 1.34217728E8"), text);
        assertTrue(text.contains("readonly_rootfs_memory_working_set_bytes{host=\"node-1\"} 6.291456E7"), text);
    }
}
