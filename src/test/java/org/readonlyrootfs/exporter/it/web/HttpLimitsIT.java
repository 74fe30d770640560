package org.readonlyrootfs.exporter.it.web;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.testing.Certs;
import org.readonlyrootfs.exporter.testing.Certs.Issued;
import org.readonlyrootfs.exporter.testing.Certs.Kind;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.TestConfig;
import org.readonlyrootfs.exporter.testing.Web;

/**
 * Slow and oversized clients, on loopback and bounded in time: they must not delay a normal scrape,
 * must be cut off, and oversized requests are refused.
 */
class HttpLimitsIT {
    private static final int SLOW_CLIENTS = 50;

    /** A client that sends a request's first line and then one more header line now and then, never finishing. */
    static final class SlowClient implements AutoCloseable {
        final Socket socket = new Socket();
        final OutputStream out;
        final InputStream in;
        int lines;

        SlowClient(int port) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(1);
            out = socket.getOutputStream();
            in = socket.getInputStream();
            out.write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        /** One more header line; false once the server has closed the connection. */
        boolean trickle() {
            try {
                out.write(("X-Slow-" + lines++ + ": x\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return !closedByServer();
            } catch (IOException e) {
                return false;
            }
        }

        boolean closedByServer() {
            try {
                return in.read() < 0; // EOF: closed; anything else would be an answer to a request never finished
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true; // reset
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static long scrapeMillis(int port) {
        long t0 = System.nanoTime();
        assertEquals(200, Scrape.get(port, "/metrics").statusCode());
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void fiftySlowClientsDoNotDelayAScrapeAndAreCutOff() throws Exception {
        try (Exporter exporter = Exporter.start(TestConfig.config(Web.NO_DOCKER))) {
            int port = exporter.port();
            scrapeMillis(port); // warm-up: the first request of a JVM is slow
            long baseline = 0;
            for (int i = 0; i < 5; i++) {
                baseline = Math.max(baseline, scrapeMillis(port));
            }
            List<SlowClient> slow = new ArrayList<>();
            ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor();
            AtomicInteger open = new AtomicInteger(SLOW_CLIENTS);
            long start = System.nanoTime();
            try {
                for (int i = 0; i < SLOW_CLIENTS; i++) {
                    slow.add(new SlowClient(port));
                }
                trickler.scheduleWithFixedDelay(
                        () -> open.set(
                                (int) slow.stream().filter(SlowClient::trickle).count()),
                        200,
                        200,
                        TimeUnit.MILLISECONDS);
                long worst = 0;
                for (int i = 0; i < 20; i++) {
                    worst = Math.max(worst, scrapeMillis(port));
                }
                int stillOpen = open.get();
                System.err.printf(
                        "[HttpLimitsIT] %d slow clients: worst of 20 scrapes %d ms (baseline worst of 5: %d ms),"
                                + " %d slow connections open meanwhile%n",
                        SLOW_CLIENTS, worst, baseline, stillOpen);
                assertEquals(SLOW_CLIENTS, stillOpen, "the slow clients were all holding on during the scrapes");
                assertTrue(worst < 1000, "a scrape took " + worst + " ms with " + SLOW_CLIENTS + " slow clients");

                // the server gives a request 5 s (sun.net.httpserver.maxReqTime) to arrive, then hangs up; the JDK
                // server closes many such connections a few per second, so the last goes some seconds later
                await().atMost(Duration.ofSeconds(25))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> open.get() == 0);
                long cutAfter = (System.nanoTime() - start) / 1_000_000;
                System.err.printf(
                        "[HttpLimitsIT] all %d slow clients cut off %d ms after they connected%n",
                        SLOW_CLIENTS, cutAfter);
                assertTrue(cutAfter >= 4000, "cut after " + cutAfter + " ms: the deadline is 5 s");
                assertTrue(scrapeMillis(port) < 1000);
            } finally {
                trickler.shutdownNow();
                for (SlowClient c : slow) {
                    c.close();
                }
            }
        }
    }

    @Test
    void fiftyStalledTlsHandshakesDoNotDelayAnAuthenticatedTlsScrape(@TempDir Path dir) throws Exception {
        Issued ca = Certs.ca(Kind.RSA, "limits-ca");
        Issued server = Certs.server(ca, Kind.RSA);
        Certs.write(dir.resolve("server.pem"), Certs.pem(server.cert()));
        Certs.write(dir.resolve("server.key"), Certs.traditionalKey(server.keys()));
        Path web = Certs.write(
                dir.resolve("web.yml"),
                "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n" + "basic_auth_users:\n  alice: "
                        + Web.ALICE + "\n");
        try (Exporter exporter = Exporter.start(TestConfig.config(Web.NO_DOCKER, "--web.config.file=" + web))) {
            int port = exporter.port();
            HttpClient https = Web.client(Certs.context(null, ca));
            String auth = Web.basic("alice", "s3cret");
            assertEquals(200, Web.get(https, port, "/metrics", auth).statusCode()); // warm-up, bcrypt once
            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < SLOW_CLIENTS; i++) {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                    // the first bytes of a TLS ClientHello record, and then nothing
                    s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01});
                    s.getOutputStream().flush();
                    stalled.add(s);
                }
                long worst = 0;
                for (int i = 0; i < 20; i++) {
                    HttpClient fresh = Web.client(Certs.context(null, ca)); // a new handshake each time
                    long t0 = System.nanoTime();
                    assertEquals(200, Web.get(fresh, port, "/metrics", auth).statusCode());
                    worst = Math.max(worst, (System.nanoTime() - t0) / 1_000_000);
                }
                System.err.printf(
                        "[HttpLimitsIT] %d stalled TLS handshakes: worst of 20 new-connection TLS scrapes %d ms%n",
                        SLOW_CLIENTS, worst);
                assertTrue(
                        worst < 1000,
                        "a TLS scrape took " + worst + " ms with " + SLOW_CLIENTS + " stalled handshakes");
            } finally {
                for (Socket s : stalled) {
                    s.close();
                }
            }
        }
    }

    /** Sends {@code request} and returns the status line, or "closed" if the server hung up without one. */
    private static String send(int port, String request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            try {
                s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            } catch (IOException e) {
                return "closed";
            }
            StringBuilder line = new StringBuilder();
            try {
                int c;
                while ((c = s.getInputStream().read()) >= 0 && c != '\r') {
                    line.append((char) c);
                }
            } catch (IOException e) {
                return line.length() == 0 ? "closed" : line.toString();
            }
            return line.length() == 0 ? "closed" : line.toString();
        }
    }

    @Test
    void hugeRequestLinesAndHeadersAreRefused() throws Exception {
        try (Exporter exporter = Exporter.start(TestConfig.config(Web.NO_DOCKER))) {
            int port = exporter.port();
            assertEquals(
                    "HTTP/1.1 200 OK", send(port, "GET /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
            String hugeLine = send(port, "GET /metrics?" + "a".repeat(64 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n");
            String hugeHeader =
                    send(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(64 * 1024) + "\r\n\r\n");
            StringBuilder many = new StringBuilder("GET /metrics HTTP/1.1\r\nHost: x\r\n");
            for (int i = 0; i < 150; i++) {
                many.append("X-H").append(i).append(": v\r\n");
            }
            String manyHeaders = send(port, many.append("\r\n").toString());
            System.err.printf(
                    "[HttpLimitsIT] 64 KiB request line: %s; 64 KiB header: %s; 150 headers: %s%n",
                    hugeLine, hugeHeader, manyHeaders);
            for (String answer : List.of(hugeLine, hugeHeader, manyHeaders)) {
                assertFalse(answer.startsWith("HTTP/1.1 2"), answer);
                assertTrue(answer.equals("closed") || answer.matches("HTTP/1\\.1 4\\d\\d .*"), answer);
            }
            assertEquals(200, Scrape.get(port, "/metrics").statusCode(), "and the server serves on");
        }
    }
}
