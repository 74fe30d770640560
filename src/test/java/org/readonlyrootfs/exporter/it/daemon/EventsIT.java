package org.readonlyrootfs.exporter.it.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.TestConfig;
import org.readonlyrootfs.exporter.testing.Tools;

/**
 * Event-driven detection: the full-scan interval is an hour, so anything seen after start-up was seen
 * through the events stream (or the resync that follows a reconnect).
 */
class EventsIT {
    private static final Duration FAST = Duration.ofSeconds(3);
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static double successfulScans(int port) {
        return Scrape.metrics(port).value("readonly_rootfs_scans_total", Map.of("result", "success"));
    }

    @Test
    void createRenameAndRemoveAreSeenWithoutAFullScan() throws Exception {
        try (PrivateDockerd dockerd = PrivateDockerd.start();
                Exporter exporter = Exporter.start(TestConfig.config(dockerd.host(), "--scan.interval=1h"))) {
            int port = exporter.port();
            await().atMost(WAIT)
                    .until(() -> Scrape.metrics(port).value("readonly_rootfs_events_stream_up", Map.of()) == 1
                            && successfulScans(port) >= 1);
            dockerd.image();
            // one scan at start: the stream's first connection replays the events since that scan's list call
            // instead of scanning again
            double scans = successfulScans(port);
            assertEquals(1, scans, "one full scan at start");
            assertEquals(
                    1,
                    Scrape.metrics(port).value("readonly_rootfs_docker_requests_total", Map.of("operation", "list")));

            dockerd.createSleeper("ev-writable", false);
            Scrape seen = await().atMost(FAST)
                    .until(
                            () -> Scrape.metrics(port),
                            s -> s.container("ev-writable").isPresent());
            assertEquals("finding", seen.container("ev-writable").orElseThrow().label("status"));
            assertEquals("created", seen.container("ev-writable").orElseThrow().label("state"));

            dockerd.docker("start", "ev-writable");
            await().atMost(FAST)
                    .until(() -> Scrape.metrics(port)
                            .container("ev-writable")
                            .orElseThrow()
                            .label("state")
                            .equals("running"));
            dockerd.docker("rename", "ev-writable", "ev-renamed");
            await().atMost(FAST).untilAsserted(() -> {
                Scrape s = Scrape.metrics(port);
                assertTrue(s.container("ev-renamed").isPresent());
                assertFalse(s.container("ev-writable").isPresent());
            });
            dockerd.docker("rm", "-f", "ev-renamed");
            await().atMost(FAST)
                    .until(() -> Scrape.metrics(port).container("ev-renamed").isEmpty());

            Scrape after = Scrape.metrics(port);
            assertEquals(scans, successfulScans(port), "no full scan was involved");
            assertTrue(after.value("readonly_rootfs_events_total", Map.of()) >= 4);
            assertEquals(1, after.value("readonly_rootfs_docker_requests_total", Map.of("operation", "events")));
        }
    }

    @Test
    void aBurstOfContainersIsSeenInFullThroughEvents() throws Exception {
        try (PrivateDockerd dockerd = PrivateDockerd.start();
                Exporter exporter = Exporter.start(
                        TestConfig.config(dockerd.host(), "--scan.interval=1h", "--scan.inspect-concurrency=2"))) {
            int port = exporter.port();
            String image = dockerd.image();
            await().atMost(WAIT)
                    .until(() -> Scrape.metrics(port).value("readonly_rootfs_events_stream_up", Map.of()) == 1
                            && successfulScans(port) >= 1);
            double scans = successfulScans(port);
            int n = 120;
            String docker = Tools.require("docker").toString();
            Tools.Run r = Tools.run(
                    List.of(
                            "sh",
                            "-c",
                            "seq 1 " + n + " | xargs -P 6 -I{} " + docker + " -H " + dockerd.host()
                                    + " create --network none --name burst-{} " + image + " /bin/true >/dev/null"),
                    null,
                    300);
            assertEquals(0, r.exitCode(), r.stderr());
            Scrape s = await().atMost(WAIT)
                    .until(
                            () -> Scrape.metrics(port),
                            x -> x.samples(
                                                    "readonly_rootfs_container",
                                                    c -> c.label("container_name")
                                                            .startsWith("burst-"))
                                            .size()
                                    == n);
            assertEquals(n, s.value("readonly_rootfs_containers", Map.of("status", "finding")));
            assertEquals(scans, successfulScans(port), "no full scan was involved");
            assertEquals(n, s.value("readonly_rootfs_docker_requests_total", Map.of("operation", "inspect")));
        }
    }

    @Test
    void theStreamReconnectsAfterADaemonRestartAndResyncs() throws Exception {
        try (PrivateDockerd dockerd = PrivateDockerd.start();
                Exporter exporter = Exporter.start(TestConfig.config(dockerd.host(), "--scan.interval=1h"))) {
            int port = exporter.port();
            dockerd.createSleeper("before-restart", true);
            await().atMost(WAIT)
                    .until(() ->
                            Scrape.metrics(port).container("before-restart").isPresent());

            dockerd.stop();
            await().atMost(WAIT)
                    .until(() -> Scrape.metrics(port).value("readonly_rootfs_events_stream_up", Map.of()) == 0);
            assertTrue(Scrape.metrics(port).container("before-restart").isPresent(), "kept while the daemon is away");

            dockerd.startAgain();
            // created right after the daemon is back, possibly before the stream reconnects
            dockerd.createSleeper("while-reconnecting", false);
            dockerd.docker("rm", "before-restart");
            Scrape s = await().atMost(WAIT)
                    .until(
                            () -> Scrape.metrics(port),
                            x -> x.value("readonly_rootfs_events_stream_up", Map.of()) == 1
                                    && x.value("readonly_rootfs_docker_up", Map.of()) == 1
                                    && x.container("while-reconnecting").isPresent()
                                    && x.container("before-restart").isEmpty());
            assertEquals(
                    "finding", s.container("while-reconnecting").orElseThrow().label("status"));
            assertTrue(s.value("readonly_rootfs_docker_requests_total", Map.of("operation", "events")) >= 2);
            Optional<Scrape.Sample> up = s.find("readonly_rootfs_docker_up", Map.of());
            assertEquals(1, up.orElseThrow().value());
        }
    }
}
