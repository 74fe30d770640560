package org.readonlyrootfs.exporter.it.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.benchmark.MemoryCgroup;
import org.readonlyrootfs.exporter.benchmark.ScanBenchmark;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.Tools;

/**
 * The exporter's own metrics from a real scrape: the jar run as the image runs it (its JVM flags, {@code
 * -XX:-UsePerfData}, and no usable temporary directory) in a memory cgroup of its own, against a real
 * private dockerd. After a container event: the event-delay and request-duration histograms, the process
 * and JVM metrics, the cgroup's limit and working set; {@code promtool check metrics} accepts the scrape.
 */
class OwnMetricsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final long LIMIT = 256L * 1024 * 1024;
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

    /** The exporter jar in a process; {@code cgroup} null: started directly. */
    private static Process start(Path log, MemoryCgroup cgroup, String... flags) throws IOException {
        Path jar = Path.of(System.getProperty("exporter.jar", "target/readonly-rootfs-exporter-0.1.0.jar"));
        assertTrue(Files.isRegularFile(jar), "build the jar first (mvn package): " + jar);
        List<String> cmd = new ArrayList<>();
        if (cgroup != null) {
            cmd.addAll(List.of(
                    "sh",
                    "-c",
                    "echo $$ > \"$0\" && exec \"$@\"",
                    cgroup.procs().toString()));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ScanBenchmark.imageJvmFlags(Path.of("Dockerfile")));
        cmd.add("-Djava.io.tmpdir=/nonexistent"); // nothing may need a writable /tmp
        cmd.addAll(List.of(
                "-jar",
                jar.toString(),
                "--docker.host=" + PrivateDockerd.shared().host(),
                "--web.listen-address=127.0.0.1:0"));
        cmd.addAll(List.of(flags));
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    /** The port the exporter says it listens on, once ready. */
    private static int port(Process p, Path log) {
        int port = await().atMost(WAIT)
                .until(
                        () -> {
                            assertTrue(p.isAlive(), () -> "exporter exited: " + read(log));
                            Matcher m = LISTENING.matcher(read(log));
                            return m.find() ? Integer.parseInt(m.group(1)) : 0;
                        },
                        x -> x > 0);
        await().atMost(WAIT).until(() -> Scrape.get(port, "/-/ready").statusCode() == 200);
        return port;
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void histogramsProcessJvmAndCgroupMetricsComeFromARealScrapeThatPromtoolAccepts(@TempDir Path dir)
            throws Exception {
        PrivateDockerd dockerd = PrivateDockerd.shared();
        String name = "own-metrics-" + UUID.randomUUID().toString().substring(0, 8);
        Path log = dir.resolve("exporter.log");
        long started = System.currentTimeMillis() / 1000;
        try (MemoryCgroup cgroup = MemoryCgroup.create("rre-it-" + name, LIMIT)) {
            Process p = start(log, cgroup);
            try {
                int port = port(p, log);
                String host = dockerd.docker("info", "--format", "{{.Name}}");
                Map<String, String> onHost = Map.of("host", host);
                // the first scan has run: the requests are timed; no event yet
                Scrape before = Scrape.metrics(port);
                double delays = before.value("readonly_rootfs_event_delay_seconds_count", onHost);

                dockerd.createSleeper(name, false); // a create event: inspected at once
                Scrape s = await().atMost(WAIT)
                        .until(
                                () -> Scrape.metrics(port),
                                x -> x.container(name).isPresent()
                                        && x.value("readonly_rootfs_event_delay_seconds_count", onHost) > delays);

                double count = s.value("readonly_rootfs_event_delay_seconds_count", onHost);
                double sum = s.value("readonly_rootfs_event_delay_seconds_sum", onHost);
                assertTrue(sum > 0 && sum / count < 5, "a live detection delay, not a replay: " + sum + " / " + count);
                assertEquals(
                        count,
                        s.value("readonly_rootfs_event_delay_seconds_bucket", Map.of("host", host, "le", "+Inf")));
                for (String op : List.of("info", "list", "inspect")) { // the events stream is still open
                    Map<String, String> labels = Map.of("host", host, "operation", op);
                    double n = s.value("readonly_rootfs_docker_request_duration_seconds_count", labels);
                    assertTrue(n >= 1, op + " timed: " + n);
                    assertTrue(s.value("readonly_rootfs_docker_request_duration_seconds_sum", labels) > 0, op);
                }
                assertEquals(
                        s.value("readonly_rootfs_docker_requests_total", Map.of("host", host, "operation", "inspect")),
                        s.value(
                                "readonly_rootfs_docker_request_duration_seconds_count",
                                Map.of("host", host, "operation", "inspect")),
                        "every inspect sent is timed once it is done");

                assertTrue(s.value("process_resident_memory_bytes", Map.of()) > 16 * 1024 * 1024, s.text());
                assertTrue(s.value("process_open_fds", Map.of()) > 5);
                assertTrue(s.value("process_cpu_seconds_total", Map.of()) > 0);
                double start = s.value("process_start_time_seconds", Map.of());
                assertTrue(start >= started - 5 && start <= System.currentTimeMillis() / 1000.0, "start " + start);
                assertTrue(s.value("jvm_memory_used_bytes", Map.of("area", "heap")) > 0);
                assertTrue(s.value("jvm_threads_current", Map.of()) > 10);
                assertFalse(s.samples("jvm_gc_collection_seconds_count").isEmpty(), "jvm_gc_*");

                assertEquals(LIMIT, s.value("readonly_rootfs_memory_limit_bytes", onHost));
                double workingSet = s.value("readonly_rootfs_memory_working_set_bytes", onHost);
                assertTrue(workingSet > 16 * 1024 * 1024 && workingSet < LIMIT, "working set " + workingSet);

                assertEquals("", Tools.promtoolCheckMetrics(s.text()), "promtool check metrics");
                assertFalse(read(log).contains("Exception"), read(log));
            } finally {
                stop(p);
            }
        } finally {
            dockerd.docker("rm", "-f", name);
        }
    }

    @Test
    void theSwitchLeavesOutEveryProcessAndJvmMetric(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("exporter.log");
        Process p = start(log, null, "--metrics.process-and-jvm=false", "--scan.events=false");
        try {
            Scrape s = Scrape.metrics(port(p, log));
            assertTrue(s.samples("readonly_rootfs_docker_up").size() == 1, s.text());
            List<String> standard = s.samples().stream()
                    .map(Scrape.Sample::name)
                    .filter(n -> n.startsWith("process_") || n.startsWith("jvm_"))
                    .distinct()
                    .toList();
            assertEquals(List.of(), standard);
            assertEquals("", Tools.promtoolCheckMetrics(s.text()), "promtool check metrics");
        } finally {
            stop(p);
        }
    }
}
