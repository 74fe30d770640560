package org.readonlyrootfs.exporter.it.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.TestConfig;

/** A socket that accepts connections but never answers must not hang a scan or a scrape. */
class HungDaemonIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Accepts every connection and holds it open without reading or writing a byte. */
    static final class SilentSocket implements AutoCloseable {
        final Path dir;
        final Path path;
        final ServerSocketChannel server;
        final List<SocketChannel> held = new CopyOnWriteArrayList<>();
        final Thread acceptor;

        SilentSocket() throws IOException {
            dir = Files.createTempDirectory(Path.of("/tmp"), "rre-hung");
            path = dir.resolve("docker.sock");
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            acceptor = new Thread(
                    () -> {
                        try {
                            while (true) {
                                held.add(server.accept());
                            }
                        } catch (IOException e) {
                            // closed
                        }
                    },
                    "silent-acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        String host() {
            return "unix://" + path;
        }

        /** Connections the exporter has not closed (a closed one reads end-of-stream here). */
        int openFromClientSide() throws IOException {
            int open = 0;
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(64 * 1024);
            for (SocketChannel c : held) {
                c.configureBlocking(false);
                buf.clear();
                int n;
                do {
                    n = c.read(buf); // drains the request the exporter sent, then sees EOF if it closed
                    buf.clear();
                } while (n > 0);
                if (n == 0) {
                    open++;
                }
            }
            return open;
        }

        void dropConnections() throws IOException {
            for (SocketChannel c : held) {
                c.close();
            }
            held.clear();
        }

        @Override
        public void close() throws IOException {
            server.close();
            dropConnections();
            Files.deleteIfExists(path);
            Files.deleteIfExists(dir);
        }
    }

    /** A TCP port that accepts connections and never answers. */
    static final class SilentTcp implements AutoCloseable {
        final java.net.ServerSocket server =
                new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        final List<java.net.Socket> held = new CopyOnWriteArrayList<>();

        SilentTcp() throws IOException {
            Thread t = new Thread(
                    () -> {
                        try {
                            while (true) {
                                held.add(server.accept());
                            }
                        } catch (IOException e) {
                            // closed
                        }
                    },
                    "silent-tcp");
            t.setDaemon(true);
            t.start();
        }

        String host() {
            return "tcp://127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (java.net.Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void aSilentTcpDaemonFailsScansAtTheirDeadlineToo() throws Exception {
        try (SilentTcp silent = new SilentTcp();
                Exporter exporter = Exporter.start(
                        TestConfig.config(silent.host(), "--docker.timeout=300ms", "--scan.interval=1s"))) {
            Scrape s = await().atMost(WAIT)
                    .until(
                            () -> Scrape.metrics(exporter.port()),
                            x -> x.value("readonly_rootfs_scans_total", Map.of("result", "failure")) >= 2);
            assertEquals(0, s.value("readonly_rootfs_docker_up", Map.of()));
            assertTrue(
                    exporter.scanner().current().lastError().contains("did not answer GET /info within 300 ms"),
                    exporter.scanner().current().lastError());
        }
    }

    @Test
    void scansFailAtTheirDeadlineScrapesStayFastAndThreadsStayBounded() throws Exception {
        try (SilentSocket silent = new SilentSocket();
                Exporter exporter = Exporter.start(
                        TestConfig.config(silent.host(), "--docker.timeout=300ms", "--scan.interval=1s"))) {
            int port = exporter.port();
            Scrape failing = await().atMost(WAIT)
                    .until(
                            () -> Scrape.metrics(port),
                            s -> s.value("readonly_rootfs_scans_total", Map.of("result", "failure")) >= 2);
            assertEquals(0, failing.value("readonly_rootfs_docker_up", Map.of()));
            assertTrue(silent.held.size() >= 1, "the exporter did connect");

            // a scrape renders the snapshot and never waits on the hung daemon
            for (int i = 0; i < 20; i++) {
                long start = System.nanoTime();
                assertEquals(200, Scrape.get(port, "/metrics").statusCode());
                long ms = (System.nanoTime() - start) / 1_000_000;
                assertTrue(ms < 1000, "scrape took " + ms + " ms");
            }
            var ready = Scrape.get(port, "/-/ready");
            assertEquals(503, ready.statusCode());
            assertTrue(
                    ready.body().contains("did not answer") || ready.body().contains("still unanswered"), ready.body());

            // each call past its deadline is abandoned: its thread is freed and its connection closed, so
            // neither threads nor sockets pile up however long the daemon stays silent
            int threadsBefore = Thread.activeCount();
            long failedBefore = exporter.scanner().current().scansFailed();
            await().atMost(WAIT).until(() -> exporter.scanner().current().scansFailed() >= failedBefore + 6);
            assertTrue(
                    Thread.activeCount() <= threadsBefore + 1,
                    "threads " + threadsBefore + " -> " + Thread.activeCount());
            assertTrue(
                    exporter.scanner().current().lastError().contains("did not answer GET /info within 300 ms"),
                    exporter.scanner().current().lastError());
            int open = silent.openFromClientSide();
            assertTrue(
                    open <= 2, open + " of " + silent.held.size() + " connections still open on the exporter's side");
        }
    }

    /** The start-up wait for the first scan is one deadline from the start, not one per scrape. */
    @Test
    void noScrapeWaitsPastTheStartUpDeadline() throws Exception {
        try (SilentSocket silent = new SilentSocket();
                Exporter exporter = Exporter.start(
                        TestConfig.config(silent.host(), "--docker.timeout=10s", "--scan.interval=1h"))) {
            long start = System.nanoTime();
            int port = exporter.port();
            // the first scan hangs for 10 s: the first scrape waits for it, at most 5 s from the start
            for (int i = 0; i < 4; i++) {
                long t0 = System.nanoTime();
                assertEquals(200, Scrape.get(port, "/metrics").statusCode());
                double took = (System.nanoTime() - t0) / 1e9;
                double sinceStart = (System.nanoTime() - start) / 1e9;
                assertTrue(
                        sinceStart < 6.0 || took < 1.0,
                        "scrape " + i + " took " + took + " s, ending " + sinceStart + " s after the start");
                assertTrue(i == 0 || took < 1.0, "scrape " + i + " waited again: " + took + " s");
            }
            assertTrue((System.nanoTime() - start) / 1e9 < 7.0, "four scrapes within the 10 s hung scan");
        }
    }
}
