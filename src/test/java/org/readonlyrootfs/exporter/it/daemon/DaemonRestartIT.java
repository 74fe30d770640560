package org.readonlyrootfs.exporter.it.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.TestConfig;

/** A daemon absent at start, then stopped and restarted under a running exporter. */
class DaemonRestartIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void startsWithoutTheDaemonAndRecoversEveryTimeItComesBack() throws Exception {
        try (PrivateDockerd dockerd = PrivateDockerd.start()) {
            dockerd.createSleeper("keep-ro", true);
            dockerd.createSleeper("keep-rw", false);
            dockerd.stop();
            try (Exporter exporter =
                    Exporter.start(TestConfig.config(dockerd.host(), "--scan.interval=2s", "--docker.timeout=1s"))) {
                int port = exporter.port();
                // daemon absent: the exporter serves, says so, and is not ready
                Scrape down = await().atMost(WAIT)
                        .until(
                                () -> Scrape.metrics(port),
                                s -> s.value("readonly_rootfs_scans_total", Map.of("result", "failure")) >= 2);
                assertEquals(0, down.value("readonly_rootfs_docker_up", Map.of()));
                assertTrue(down.samples("readonly_rootfs_container").isEmpty());
                assertEquals(0, down.value("readonly_rootfs_containers", Map.of("status", "finding")));
                var notReady = Scrape.get(port, "/-/ready");
                assertEquals(503, notReady.statusCode());
                assertTrue(notReady.body().contains("cannot reach the Docker daemon"), notReady.body());
                assertEquals(200, Scrape.get(port, "/-/healthy").statusCode());

                // daemon comes up: recovered within one interval of it answering
                dockerd.startAgain();
                long up = System.nanoTime();
                await().atMost(WAIT)
                        .until(() -> Scrape.metrics(port).value("readonly_rootfs_docker_up", Map.of()) == 1);
                double recoverySeconds = (System.nanoTime() - up) / 1e9;
                assertTrue(recoverySeconds <= 2.5, "recovered after " + recoverySeconds + " s");
                Scrape healthy = Scrape.metrics(port);
                assertEquals(1, healthy.container("keep-ro").orElseThrow().value());
                assertEquals(
                        "finding", healthy.container("keep-rw").orElseThrow().label("status"));
                assertEquals(200, Scrape.get(port, "/-/ready").statusCode());
                double lastSuccess = healthy.value("readonly_rootfs_last_scan_success_timestamp_seconds", Map.of());

                // daemon stops: docker_up 0, but the last good inventory stays so alerts do not flap
                dockerd.stop();
                Scrape kept = await().atMost(WAIT)
                        .until(() -> Scrape.metrics(port), s -> s.value("readonly_rootfs_docker_up", Map.of()) == 0);
                assertEquals("finding", kept.container("keep-rw").orElseThrow().label("status"));
                assertEquals(1, kept.container("keep-ro").orElseThrow().value());
                assertTrue(kept.value("readonly_rootfs_last_scan_success_timestamp_seconds", Map.of()) >= lastSuccess);
                assertEquals(200, Scrape.get(port, "/-/ready").statusCode(), "ready stays once a scan has succeeded");

                // restarted: recovers, and what changed meanwhile is picked up
                dockerd.startAgain();
                dockerd.docker("rm", "-f", "keep-rw");
                dockerd.createSleeper("new-after-restart", false);
                await().atMost(WAIT).untilAsserted(() -> {
                    Scrape s = Scrape.metrics(port);
                    assertEquals(1, s.value("readonly_rootfs_docker_up", Map.of()));
                    assertTrue(s.container("new-after-restart").isPresent());
                    assertTrue(s.container("keep-rw").isEmpty());
                });
            }
        }
    }

    /** Only a scan sets docker_up: with an hour between scans, the events stream's end must start one. */
    @Test
    void aLostDaemonShowsWithinThreeSecondsWhateverTheScanInterval() throws Exception {
        try (PrivateDockerd dockerd = PrivateDockerd.start();
                Exporter exporter = Exporter.start(TestConfig.config(dockerd.host(), "--scan.interval=1h"))) {
            int port = exporter.port();
            await().atMost(WAIT).until(() -> {
                Scrape s = Scrape.metrics(port);
                return s.value("readonly_rootfs_docker_up", Map.of()) == 1
                        && s.value("readonly_rootfs_events_stream_up", Map.of()) == 1;
            });
            dockerd.stop();
            long lost = System.nanoTime();
            await().atMost(Duration.ofSeconds(3))
                    .until(() -> Scrape.metrics(port).value("readonly_rootfs_docker_up", Map.of()) == 0);
            System.err.printf(
                    "[DaemonRestartIT] docker_up 0 %.3f s after the daemon stopped%n",
                    (System.nanoTime() - lost) / 1e9);
            dockerd.startAgain();
            long back = System.nanoTime();
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> Scrape.metrics(port).value("readonly_rootfs_docker_up", Map.of()) == 1);
            System.err.printf(
                    "[DaemonRestartIT] docker_up 1 %.3f s after the daemon came back%n",
                    (System.nanoTime() - back) / 1e9);
        }
    }
}
