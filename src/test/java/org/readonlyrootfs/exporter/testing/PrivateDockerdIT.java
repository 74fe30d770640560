package org.readonlyrootfs.exporter.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Proves the {@link PrivateDockerd} harness itself. */
class PrivateDockerdIT {

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void sharedDaemonAnswersDockerVersion() {
        PrivateDockerd d = PrivateDockerd.shared();
        assertTrue(d.host().startsWith("unix:///tmp/rre-dockerd-"), d.host());
        assertTrue(d.socketPath().toString().length() < 108, d.socketPath().toString());
        assertTrue(Files.exists(d.socketPath()));
        assertFalse(d.docker("version", "--format", "{{.Server.Version}}").isEmpty());
        assertEquals(PrivateDockerd.shared(), d, "one shared instance per JVM");
        assertEquals(d.image(), d.docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}", d.image()));
    }

    @Test
    void stigCheckReportsReadOnlyAndWritableContainers() {
        PrivateDockerd d = PrivateDockerd.shared();
        String ro = unique("it-ro");
        String rw = unique("it-rw");
        d.docker("create", "--network", "none", "--read-only", "--name", ro, d.image(), "/bin/sleep", "100000");
        d.createSleeper(rw, false);

        List<String> lines = d.stigCheck();
        assertTrue(lines.contains("/" + ro + ": ReadonlyRootfs=true"), lines.toString());
        assertTrue(lines.contains("/" + rw + ": ReadonlyRootfs=false"), lines.toString());

        Map<String, Boolean> byName = d.stigCheckByName();
        assertEquals(Boolean.TRUE, byName.get(ro), byName.toString());
        assertEquals(Boolean.FALSE, byName.get(rw), byName.toString());
    }

    @Test
    void containerStartsAndRunsWithARealReadOnlyRootfs() {
        PrivateDockerd d = PrivateDockerd.shared();
        String ro = unique("it-run-ro");
        String rw = unique("it-run-rw");
        d.createSleeper(ro, true);
        d.createSleeper(rw, false);
        d.docker("start", ro, rw);
        assertEquals("running", d.docker("inspect", "--format", "{{.State.Status}}", ro));
        assertEquals("running", d.docker("inspect", "--format", "{{.State.Status}}", rw));

        PrivateDockerd.Result write = d.tryDocker("exec", ro, "touch", "/probe");
        assertNotEquals(0, write.exitCode());
        assertTrue(write.stderr().contains("Read-only file system"), write.toString());
        d.docker("exec", rw, "touch", "/probe");

        d.docker("stop", ro, rw); // fast: the daemon runs with --init
        assertEquals("exited", d.docker("inspect", "--format", "{{.State.Status}}", ro));
    }

    @Test
    void independentDaemonCanBeStoppedAndStartedAgainKeepingItsContainers() {
        try (PrivateDockerd d = PrivateDockerd.start()) {
            assertNotEquals(PrivateDockerd.shared().host(), d.host());
            assertEquals(List.of(), d.stigCheck(), "no container yet");

            d.createSleeper("kept-ro", true);
            d.createSleeper("kept-rw", false, "--network", "host");
            d.docker("start", "kept-ro");

            d.stop();
            assertFalse(d.isRunning());
            PrivateDockerd.Result down = d.tryDocker("version");
            assertNotEquals(0, down.exitCode(), down.toString());
            assertThrows(AssertionError.class, () -> d.docker("ps"));

            d.startAgain();
            assertTrue(d.isRunning());
            assertEquals(Map.of("kept-ro", true, "kept-rw", false), d.stigCheckByName());
            d.docker("start", "kept-ro");
            assertEquals("running", d.docker("inspect", "--format", "{{.State.Status}}", "kept-ro"));

            d.restart();
            assertEquals(Map.of("kept-ro", true, "kept-rw", false), d.stigCheckByName());
        }
    }

    @Test
    void closeLeavesNoDirectoryMountBridgeOrProcessBehind() throws IOException {
        Path dir;
        String nodeId;
        try (PrivateDockerd d = PrivateDockerd.start()) {
            dir = d.dir();
            d.createSleeper("busy-ro", true);
            d.docker("start", "busy-ro"); // overlay + netns mounts
            nodeId = d.swarmInit(); // docker_gwbridge device, swarm netns mounts
            assertFalse(nodeId.isEmpty());
            assertEquals(nodeId, d.swarmInit(), "swarmInit is idempotent");
            assertFalse(d.mountsUnderDir().isEmpty());
            assertTrue(Files.exists(Path.of(
                    "/sys/class/net/rregw-" + dir.getFileName().toString().substring("rre-dockerd-".length()))));
        }
        assertFalse(Files.exists(dir), dir + " still exists");
        String base = dir.toString();
        List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.contains(base))
                .toList();
        assertEquals(List.of(), mounts);
        assertFalse(
                Files.exists(Path.of(
                        "/sys/class/net/rregw-" + dir.getFileName().toString().substring("rre-dockerd-".length()))),
                "gwbridge device left behind");
        List<Long> processes = ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().map(c -> c.contains(base)).orElse(false))
                .map(ProcessHandle::pid)
                .toList();
        assertEquals(List.of(), processes);
    }

    @Test
    void staleDirectoryOfADeadJvmIsReapedWithItsMounts() throws Exception {
        Path stale =
                Path.of("/tmp/rre-dockerd-zz" + UUID.randomUUID().toString().substring(0, 4));
        Path mountPoint = stale.resolve("exec/netns/default");
        Files.createDirectories(mountPoint);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "tmpfs", mountPoint.toString())
                .inheritIO()
                .start();
        assertEquals(0, mount.waitFor());
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(Duration.ofHours(1))));

        PrivateDockerd.start().close();

        assertFalse(Files.exists(stale), stale + " not reaped");
        assertEquals(
                List.of(),
                Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                        .filter(l -> l.contains(stale.toString()))
                        .toList());
    }

    /** Started in a separate JVM that dies without shutdown hooks, leaving its daemon running. */
    static final class OrphanMaker {
        public static void main(String[] args) {
            PrivateDockerd d = PrivateDockerd.start();
            d.createSleeper("orphan-ro", true);
            d.docker("start", "orphan-ro");
            System.out.println(d.dir());
            System.out.flush();
            Runtime.getRuntime().halt(0);
        }
    }

    @Test
    void daemonOfAKilledJvmIsReaped() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(
                        java, "-cp", System.getProperty("java.class.path"), OrphanMaker.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(child.getInputStream().readAllBytes()).trim();
        assertEquals(0, child.waitFor(), out);
        Path orphan = Path.of(out.lines().reduce((a, b) -> b).orElseThrow());
        String marker = orphan + "/";
        assertTrue(
                ProcessHandle.allProcesses()
                        .anyMatch(h -> h.info()
                                .commandLine()
                                .map(c -> c.contains(marker))
                                .orElse(false)),
                "the orphaned daemon should still run");

        PrivateDockerd.start().close();

        assertFalse(Files.exists(orphan), orphan + " not reaped");
        assertEquals(
                List.of(),
                ProcessHandle.allProcesses()
                        .filter(h -> h.info()
                                .commandLine()
                                .map(c -> c.contains(marker))
                                .orElse(false))
                        .map(ProcessHandle::pid)
                        .toList());
        assertEquals(
                List.of(),
                Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                        .filter(l -> l.contains(orphan.toString()))
                        .toList());
    }

    @Test
    void stigLinesAreParsedByName() {
        assertEquals(
                Map.of("a-b", true, "c.d_e", false),
                PrivateDockerd.parseStigLines(List.of("/a-b: ReadonlyRootfs=true", "/c.d_e: ReadonlyRootfs=false")));
        assertThrows(AssertionError.class, () -> PrivateDockerd.parseStigLines(List.of("Error: No such object: x")));
    }
}
