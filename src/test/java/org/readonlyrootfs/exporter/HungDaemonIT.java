package org.readonlyrootfs.exporter;

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
import org.readonlyrootfs.exporter.testing.Scrape;

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
            acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(server.accept());
                    }
                } catch (IOException e) {
                    // closed
                }
            }, "silent-acceptor");
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

    private static long dockerCallThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("docker-call-") && t.isAlive())
                .count();
    }

    @Test
    void scansFailAtTheirDeadlineScrapesStayFastAndThreadsStayBounded() throws Exception {
        try (SilentSocket silent = new SilentSocket();
             Exporter exporter = Exporter.start(ExporterIT.config(silent.host(), "--docker.timeout=300ms",
                     "--scan.interval=1s"))) {
            int port = exporter.port();
            Scrape failing = await().atMost(WAIT).until(() -> Scrape.metrics(port),
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
            assertTrue(ready.body().contains("did not answer") || ready.body().contains("still unanswered"),
                    ready.body());

            // each call past its deadline is abandoned: its thread is freed and its connection closed, so
            // neither threads nor sockets pile up however long the daemon stays silent
            await().atMost(WAIT).until(() -> exporter.scanner().current().scansFailed() >= 8);
            assertTrue(dockerCallThreads() <= 2, "docker-call threads: " + dockerCallThreads());
            int open = silent.openFromClientSide();
            assertTrue(open <= 2, open + " of " + silent.held.size() + " connections still open on the exporter's side");
        }
    }
}
