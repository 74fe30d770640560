package org.readonlyrootfs.exporter.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The small HTTP/1.1 client against a scripted server on a unix socket: framing, keep-alive, failures. */
class EngineClientTest {
    @TempDir
    Path dir;

    private FakeDaemon daemon;

    @AfterEach
    void stop() throws IOException {
        if (daemon != null) {
            daemon.close();
        }
    }

    /** Answers each request with {@code script}'s bytes for it; "" closes the connection without answering. */
    private static final class FakeDaemon implements AutoCloseable {
        final ServerSocketChannel server;
        final AtomicInteger accepted = new AtomicInteger();
        final List<String> requests = new CopyOnWriteArrayList<>();
        final Thread thread;

        FakeDaemon(Path socket, Function<String, String> script) throws IOException {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            thread = new Thread(() -> {
                while (true) {
                    SocketChannel c;
                    try {
                        c = server.accept();
                    } catch (IOException e) {
                        return;
                    }
                    accepted.incrementAndGet();
                    Thread serve = new Thread(() -> serve(c, script));
                    serve.setDaemon(true);
                    serve.start();
                }
            });
            thread.setDaemon(true);
            thread.start();
        }

        private void serve(SocketChannel c, Function<String, String> script) {
            try (c) {
                InputStream in = Channels.newInputStream(c);
                OutputStream out = Channels.newOutputStream(c);
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    requests.add(head);
                    String answer = script.apply(head.lines().findFirst().orElse(""));
                    if (answer.isEmpty()) {
                        return;
                    }
                    if (answer.equals("SILENT")) {
                        in.read(); // until the client gives up
                        return;
                    }
                    out.write(answer.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    if (answer.contains("Connection: close")) {
                        return;
                    }
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            for (int b = in.read(); b != -1; b = in.read()) {
                head.write(b);
                matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
                if (matched == 4) {
                    return head.toString(StandardCharsets.ISO_8859_1);
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private EngineClient client(Function<String, String> script) throws IOException {
        Path socket = dir.resolve("d.sock");
        daemon = new FakeDaemon(socket, script);
        return new EngineClient("unix://" + socket, null, Duration.ofSeconds(5));
    }

    private static String body(EngineClient c, String path) throws IOException {
        try (EngineResponse r = c.get(path)) {
            return new String(r.body().readAllBytes(), StandardCharsets.UTF_8) + "@" + r.status();
        }
    }

    private static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    @Test
    void readsFixedLengthAndChunkedBodiesOverOneKeptAliveConnection() throws IOException {
        try (EngineClient c = client(req -> req.contains("/chunked")
                ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\n[1,2\r\n2\r\n,3\r\n1\r\n]\r\n0\r\nX-Trailer: y\r\n\r\n"
                : ok("{\"é\":1}"))) {
            assertEquals("{\"é\":1}@200", body(c, "/info"));
            assertEquals("[1,2,3]@200", body(c, "/chunked"));
            assertEquals("{\"é\":1}@200", body(c, "/info"));
            assertEquals(1, daemon.accepted.get(), "one connection, kept alive");
            assertEquals(1, c.idleConnections());
            String first = daemon.requests.get(0);
            assertTrue(first.startsWith("GET /info HTTP/1.1\r\nHost: docker\r\n"), first);
        }
    }

    @Test
    void headerNamesAreCaseInsensitiveAndOthersIgnored() throws IOException {
        try (EngineClient c = client(req -> req.contains("/a")
                ? "HTTP/1.1 200 OK\r\nX-Content-Length: 99\r\nCONTENT-LENGTH : 2\r\nno colon line\r\n\r\nok"
                : "HTTP/1.1 204 No Content\r\ntransfer-encoding: Chunked\r\n\r\n")) {
            assertEquals("ok@200", body(c, "/a"));
            assertEquals("@204", body(c, "/b"), "204 has no body, whatever its headers say");
            assertEquals("ok@200", body(c, "/a"));
            assertEquals(1, daemon.accepted.get());
        }
    }

    @Test
    void aBodyLeftUnreadIsDrainedAndTheConnectionReused() throws IOException {
        try (EngineClient c = client(req -> ok("{\"a\":[" + "1,".repeat(5000) + "1]}"))) {
            for (int i = 0; i < 3; i++) {
                try (EngineResponse r = c.get("/x")) {
                    assertEquals('{', r.body().read());
                    r.body().close(); // as a JSON parser does: must not end the response
                }
            }
            assertEquals(1, daemon.accepted.get());
        }
    }

    @Test
    void aLongUnreadRestClosesTheConnectionInstead() throws IOException {
        try (EngineClient c = client(req -> ok("x".repeat(200_000)))) {
            try (EngineResponse r = c.get("/x")) {
                assertEquals('x', r.body().read());
            }
            assertEquals(0, c.idleConnections());
            assertEquals("x".repeat(200_000) + "@200", body(c, "/x"));
            assertEquals(2, daemon.accepted.get());
        }
    }

    @Test
    void connectionCloseAndHttp10AreNotReused() throws IOException {
        try (EngineClient c = client(req -> req.contains("/old")
                ? "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"
                : "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")) {
            assertEquals("ok@200", body(c, "/a"));
            assertEquals("ok@200", body(c, "/old"));
            assertEquals("ok@200", body(c, "/a"));
            assertEquals(3, daemon.accepted.get());
        }
    }

    @Test
    void aConnectionTheDaemonClosedWhileIdleIsReplacedTransparently() throws IOException {
        AtomicInteger n = new AtomicInteger();
        try (EngineClient c = client(req -> n.incrementAndGet() == 2 ? "" : ok("[]"))) {
            assertEquals("[]@200", body(c, "/a"));
            assertEquals("[]@200", body(c, "/b"), "the second request found its connection closed, and was retried");
            assertEquals(2, daemon.accepted.get());
            assertEquals(
                    List.of("/a", "/b", "/b"),
                    daemon.requests.stream().map(r -> r.split(" ")[1]).toList());
        }
    }

    @Test
    void aFreshConnectionClosedWithoutAnswerIsAnError() throws IOException {
        try (EngineClient c = client(req -> "")) {
            IOException e = assertThrows(IOException.class, () -> body(c, "/a"));
            assertEquals("the Docker daemon closed the connection without answering", e.getMessage());
        }
    }

    @Test
    void truncatedOrMalformedAnswersAreOneLineErrors() throws IOException {
        BlockingQueue<String> answers = new LinkedBlockingQueue<>(List.of(
                "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\nabc",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n",
                "SSH-2.0-OpenSSH\r\n\r\n",
                "HTTP/1.1 200 OK\r\nX: " + "y".repeat(70_000) + "\r\n\r\n",
                "HTTP/1.1 200 OK\r\n" + ("X: " + "y".repeat(4000) + "\r\n").repeat(20) + "\r\n",
                "HTTP/1.1 abc OK\r\n\r\n"));
        try (EngineClient c = client(req -> answers.poll())) {
            assertEquals(
                    "the Docker daemon closed the connection in the middle of an answer",
                    assertThrows(IOException.class, () -> body(c, "/1")).getMessage());
            assertEquals(
                    "malformed chunk size in an answer from the Docker daemon",
                    assertThrows(IOException.class, () -> body(c, "/2")).getMessage());
            assertEquals(
                    "not an HTTP answer: SSH-2.0-OpenSSH",
                    assertThrows(IOException.class, () -> body(c, "/3")).getMessage());
            assertEquals(
                    "a header line of the Docker daemon's answer exceeds 8192 bytes",
                    assertThrows(IOException.class, () -> body(c, "/4")).getMessage());
            assertEquals(
                    "the Docker daemon's answer headers exceed 65536 bytes",
                    assertThrows(IOException.class, () -> body(c, "/5")).getMessage());
            assertEquals(
                    "not an HTTP status: HTTP/1.1 abc OK",
                    assertThrows(IOException.class, () -> body(c, "/6")).getMessage());
            assertEquals(0, c.idleConnections(), "no broken connection is kept");
        }
    }

    @Test
    void errorStatusesKeepTheConnection() throws IOException {
        try (EngineClient c =
                client(req -> "HTTP/1.1 404 Not Found\r\nContent-Length: 25\r\n\r\n{\"message\":\"No such x\"}\r\n")) {
            try (EngineResponse r = c.get("/containers/x/json")) {
                assertEquals(404, r.status());
            }
            assertEquals(1, c.idleConnections());
        }
    }

    @Test
    void anInterruptEndsASilentCallAtOnceAndIsNeverRetried() throws Exception {
        try (EngineClient c = client(req -> "SILENT")) {
            Thread caller = Thread.currentThread();
            Thread alarm = new Thread(() -> {
                org.awaitility.Awaitility.await()
                        .atMost(Duration.ofSeconds(5))
                        .until(() -> daemon.requests.size() == 1);
                caller.interrupt();
            });
            alarm.start();
            long t0 = System.nanoTime();
            assertThrows(ClosedByInterruptException.class, () -> c.get("/info"));
            assertTrue(Thread.interrupted());
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(3).toNanos());
            alarm.join();
            assertEquals(1, daemon.requests.size(), "not retried");
            assertEquals(0, c.idleConnections());
        }
    }

    @Test
    void unsupportedHostsAreRefused() {
        assertEquals(
                "unsupported Docker host scheme in npipe:////./pipe/docker_engine",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> new EngineClient("npipe:////./pipe/docker_engine", null, Duration.ofSeconds(1)))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> new EngineClient("unix://", null, Duration.ofSeconds(1)));
    }
}
