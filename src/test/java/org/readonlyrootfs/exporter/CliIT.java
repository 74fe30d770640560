package org.readonlyrootfs.exporter;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.config.ConfigLoader;
import org.readonlyrootfs.exporter.config.Setting;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.Tools;

/** The packaged jar, run as a user runs it. */
class CliIT {
    private static final Path JAR = Path.of(System.getProperty("exporter.jar",
            "target/readonly-rootfs-exporter-0.1.0.jar"));

    private static List<String> java(String... args) {
        assertTrue(Files.isRegularFile(JAR), "run mvn package first: " + JAR);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static Tools.Run run(String... args) {
        return Tools.run(java(args), null, 60);
    }

    private static void assertNoStackTrace(String stderr) {
        assertFalse(stderr.contains("\tat ") || stderr.contains("Exception in thread"), stderr);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void helpListsEveryKeyWithItsEnvironmentVariable() {
        Tools.Run r = run("--help");
        assertEquals(0, r.exitCode(), r.stderr());
        for (Setting s : new ConfigLoader(Map.of()).settings()) {
            if (s.fileOnly()) {
                assertTrue(r.stdout().contains("  " + s.key() + " = " + s.defaultValue() + " (config file only)"), s.key());
                continue;
            }
            assertTrue(r.stdout().contains("--" + s.key() + "=" + s.defaultValue()), s.key());
            assertTrue(r.stdout().contains(s.envVar()), s.envVar());
        }
        assertTrue(r.stdout().contains("check [--output.json=FILE] [--output.cklb=FILE] [--output.ckl=FILE]"));
        assertTrue(r.stdout().contains("--config.file") && r.stdout().contains("DOCKER_HOST"));
    }

    @Test
    void versionPrintsTheVersion() {
        Tools.Run r = run("--version");
        assertEquals(0, r.exitCode());
        assertTrue(r.stdout().startsWith("readonly-rootfs-exporter 0.1.0 (java "), r.stdout());
    }

    @Test
    void badFlagsGiveOneLineEachAllAtOnceAndExitTwo() {
        Tools.Run r = run("--scan.interval=15", "--web.listen-address=nope", "--bogus=1");
        assertEquals(2, r.exitCode());
        List<String> lines = r.stderr().lines().toList();
        assertEquals(3, lines.size(), r.stderr());
        assertTrue(lines.stream().allMatch(l -> l.startsWith("readonly-rootfs-exporter: error: ")), r.stderr());
        assertTrue(r.stderr().contains("scan.interval must be a duration with a unit such as 15s or 500ms, got [15]"));
        assertTrue(r.stderr().contains("got [nope]"));
        assertTrue(r.stderr().contains("unknown flag [--bogus]"));
        assertNoStackTrace(r.stderr());
        assertEquals("", r.stdout());
    }

    @Test
    void anUnknownCommandIsAnError() {
        Tools.Run r = run("frobnicate");
        assertEquals(2, r.exitCode());
        assertEquals("readonly-rootfs-exporter: error: unknown command [frobnicate]: the commands are serve"
                + " (the default) and check, see --help", r.stderr().trim());
    }

    @Test
    void aPortInUseIsOneLineAndExitOne() throws IOException {
        try (ServerSocket taken = new ServerSocket(0)) {
            Tools.Run r = run("--web.listen-address=:" + taken.getLocalPort(), "--docker.host=unix:///nonexistent.sock");
            assertEquals(1, r.exitCode(), r.stderr());
            assertTrue(r.stderr().trim().startsWith("readonly-rootfs-exporter: error: cannot listen on :"
                    + taken.getLocalPort()), r.stderr());
            assertEquals(1, r.stderr().trim().lines().count(), r.stderr());
        }
    }

    @Test
    void servesTheDaemonAndStopsCleanlyOnSigterm() throws Exception {
        PrivateDockerd dockerd = PrivateDockerd.shared();
        dockerd.createSleeper("cli-rw", false);
        int port = freePort();
        Path log = Files.createTempFile("rre-cli", ".log");
        Process p = new ProcessBuilder(java("--web.listen-address=127.0.0.1:" + port, "--scan.interval=1s"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            p.getOutputStream().close();
            Scrape s = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> Scrape.metrics(port), x -> x.value("readonly_rootfs_scans_total",
                            Map.of("result", "failure")) >= 1);
            assertEquals(0, s.value("readonly_rootfs_docker_up", Map.of()), "the default socket is not ours");
        } finally {
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "exits on SIGTERM");
        }
        String output = Files.readString(log);
        assertNoStackTrace(output);
        assertTrue(output.lines().anyMatch(l -> l.contains("scan failed: cannot reach the Docker daemon at "
                + "unix:///var/run/docker.sock")), output);

        ProcessBuilder pb = new ProcessBuilder(java("--web.listen-address=127.0.0.1:" + port, "--scan.interval=1s"))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("DOCKER_HOST", dockerd.host());
        Process q = pb.start();
        try {
            q.getOutputStream().close();
            Scrape s = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> Scrape.metrics(port), x -> x.container("cli-rw").isPresent());
            assertEquals("finding", s.container("cli-rw").orElseThrow().label("status"));
            assertEquals(1, s.value("readonly_rootfs_docker_up", Map.of()));
        } finally {
            q.destroy();
            assertTrue(q.waitFor(20, TimeUnit.SECONDS), "exits on SIGTERM");
            Files.deleteIfExists(log);
        }
    }
}
