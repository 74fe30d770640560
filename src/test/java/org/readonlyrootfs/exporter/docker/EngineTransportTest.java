package org.readonlyrootfs.exporter.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's calls over docker-java's transport against a scripted daemon (unix socket, and TCP for
 * what differs there): keep-alive, body framing, a body read only in part, connections the daemon
 * closed, failures as one line, each call's deadline, and the request counting.
 */
@Timeout(60)
class EngineTransportTest {
    private static final Duration TIMEOUT = Duration.ofMillis(400);
    private static final String ID = "0123456789ab".repeat(5) + "cdef";

    @TempDir
    Path dir;

    private FakeDaemon daemon;
    private EngineGateway gateway;
    private final List<String> counted = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    /**
     * Answers each request with {@code script}'s bytes for its request line: "" closes the connection
     * without answering, "SILENT" never answers, "DRIP" sends a head and then a byte of body every 50 ms.
     */
    private static final class FakeDaemon implements AutoCloseable {
        final AutoCloseable server;
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger closedByClient = new AtomicInteger();
        final List<String> requests = new CopyOnWriteArrayList<>();
        final String host;

        FakeDaemon(Path socket, Function<String, String> script) throws IOException {
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            s.bind(UnixDomainSocketAddress.of(socket));
            server = s;
            host = "unix://" + socket;
            Thread t = new Thread(() -> {
                while (true) {
                    try {
                        SocketChannel c = s.accept();
                        accepted.incrementAndGet();
                        serveAsync(Channels.newInputStream(c), Channels.newOutputStream(c), c, script);
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
        }

        FakeDaemon(Function<String, String> script) throws IOException {
            ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            server = s;
            host = "tcp://127.0.0.1:" + s.getLocalPort();
            Thread t = new Thread(() -> {
                while (true) {
                    try {
                        Socket c = s.accept();
                        accepted.incrementAndGet();
                        serveAsync(c.getInputStream(), c.getOutputStream(), c, script);
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
        }

        private void serveAsync(
                InputStream in, OutputStream out, java.io.Closeable c, Function<String, String> script) {
            Thread serve = new Thread(() -> serve(in, out, c, script));
            serve.setDaemon(true);
            serve.start();
        }

        private void serve(InputStream in, OutputStream out, java.io.Closeable c, Function<String, String> script) {
            try (c) {
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        closedByClient.incrementAndGet();
                        return;
                    }
                    requests.add(head);
                    String answer = script.apply(head.lines().findFirst().orElse(""));
                    if (answer.isEmpty()) {
                        return;
                    }
                    if (answer.equals("SILENT")) {
                        if (in.read() == -1) { // until the client gives up
                            closedByClient.incrementAndGet();
                        }
                        return;
                    }
                    if (answer.equals("DRIP")) {
                        out.write(
                                "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n[".getBytes(StandardCharsets.UTF_8));
                        for (int i = 0; i < 100_000; i++) {
                            out.write(' ');
                            out.flush();
                            Thread.sleep(50);
                        }
                        return;
                    }
                    out.write(answer.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    if (answer.contains("Connection: close")) {
                        return;
                    }
                }
            } catch (IOException e) {
                closedByClient.incrementAndGet(); // the client went away
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
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

        List<String> paths() {
            return requests.stream().map(r -> r.split(" ")[1]).toList();
        }

        @Override
        public void close() throws Exception {
            server.close();
        }
    }

    private EngineGateway unix(Function<String, String> script) throws IOException {
        daemon = new FakeDaemon(dir.resolve("d.sock"), script);
        return gateway = gateway(daemon.host);
    }

    private EngineGateway tcp(Function<String, String> script) throws IOException {
        daemon = new FakeDaemon(script);
        return gateway = gateway(daemon.host);
    }

    private EngineGateway gateway(String host) {
        return new EngineGateway(new DockerEndpoint(host, false, "", TIMEOUT), new RequestListener() {
            @Override
            public void requestSent(String operation) {
                counted.add("sent " + operation);
            }

            @Override
            public void requestDone(String operation, long nanos, boolean ok) {
                assertTrue(nanos >= 0);
                counted.add((ok ? "ok " : "failed ") + operation);
            }
        });
    }

    private static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    private static String chunked(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(body.length() - 3) + ";ext=1\r\n" + body.substring(0, body.length() - 3) + "\r\n"
                + "3\r\n" + body.substring(body.length() - 3) + "\r\n0\r\nX-Trailer: y\r\n\r\n";
    }

    private static final String INFO = "{\"ID\":\"x\",\"Name\":\"node-é\",\"ServerVersion\":\"20.10.24\"}";
    private static final String LIST =
            "[{\"Id\":\"" + ID + "\",\"Names\":[\"/web\"],\"Image\":\"busybox\",\"Labels\":{}}]";

    private static String inspect(boolean readonly) {
        // ReadonlyRootfs early, then a long rest the scan never reads
        return "{\"Id\":\"" + ID + "\",\"HostConfig\":{\"ReadonlyRootfs\":" + readonly + "},\"Config\":{\"Labels\":{"
                + "\"a\":\"" + "x".repeat(20_000) + "\"}}}";
    }

    @Test
    void fixedLengthAndChunkedAnswersShareOneKeptAliveConnection() throws Exception {
        EngineGateway g = unix(req -> req.contains("/containers/json") ? chunked(LIST) : ok(INFO));
        assertEquals("node-é", g.info().name());
        assertEquals(
                List.of(ID),
                g.listContainers().stream().map(ContainerSummary::id).toList());
        assertEquals("node-é", g.info().name());
        assertEquals(1, daemon.accepted.get(), "one connection, kept alive");
        assertEquals(List.of("/info", "/containers/json?all=1", "/info"), daemon.paths());
        String first = daemon.requests.get(0);
        assertTrue(first.startsWith("GET /info HTTP/1.1\r\n"), first);
        assertTrue(first.contains("\r\nUser-Agent: readonly-rootfs-exporter\r\n"), first);
        assertFalse(first.matches("(?s).*/v1\\.\\d+/.*"), "no API version pinned");
        assertEquals(List.of("sent info", "ok info", "sent list", "ok list", "sent info", "ok info"), counted);
    }

    @Test
    void anInspectReadOnlyAsFarAsReadonlyRootfsStillLeavesItsConnectionReusable() throws Exception {
        EngineGateway g = unix(req -> req.contains("/changes")
                ? chunked("[" + "{\"Path\":\"/tmp\",\"Kind\":1},".repeat(2000) + "{\"Path\":\"/x\",\"Kind\":1}]")
                : ok(inspect(true)));
        for (int i = 0; i < 5; i++) {
            assertEquals(Optional.of(true), g.readonlyRootfs(ID));
        }
        assertEquals(1, daemon.accepted.get(), "the unread rest was read, not the connection dropped");
    }

    @Test
    void aVanishedContainerIsEmptyAndKeepsTheConnection() throws Exception {
        EngineGateway g = unix(req -> req.contains("/json")
                ? "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 33\r\n\r\n"
                        + "{\"message\":\"No such container\"}\r\n"
                : ok(INFO));
        assertEquals(Optional.empty(), g.readonlyRootfs(ID));
        assertEquals(Optional.empty(), g.inspect(ID));
        assertEquals("node-é", g.info().name());
        assertEquals(1, daemon.accepted.get());
        assertEquals(
                List.of("sent inspect", "ok inspect", "sent inspect", "ok inspect", "sent info", "ok info"), counted);
    }

    @Test
    void anErrorStatusIsAOneLineApiErrorAndKeepsTheConnection() throws Exception {
        String body = "{\"message\":\"boom\\nsecond line\"}";
        EngineGateway g = unix(req -> req.contains("/services")
                ? "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length() + "\r\n\r\n" + body
                : ok(INFO));
        DockerApiError e = assertThrows(DockerApiError.class, g::listServices);
        assertEquals("GET /services failed with HTTP 503: boom second line", e.getMessage());
        g.info();
        assertEquals(1, daemon.accepted.get());
        assertEquals(List.of("sent services", "failed services", "sent info", "ok info"), counted);
    }

    @Test
    void aConnectionTheDaemonClosedWhileIdleIsReplacedTransparently() throws Exception {
        AtomicInteger n = new AtomicInteger();
        EngineGateway g = unix(req -> n.incrementAndGet() == 2 ? "" : ok(INFO));
        g.info();
        g.info(); // its connection was found closed: sent again on a new one
        assertEquals(2, daemon.accepted.get());
        assertEquals(List.of("/info", "/info", "/info"), daemon.paths());
        assertEquals(List.of("sent info", "ok info", "sent info", "ok info"), counted);
    }

    @Test
    void brokenAnswersAreOneLineErrorsAndNoBrokenConnectionIsKept() throws Exception {
        BlockingQueue<String> answers = new LinkedBlockingQueue<>(List.of(
                "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"ID\":",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n",
                "SSH-2.0-OpenSSH_9.2\r\n\r\n",
                "HTTP/1.1 abc OK\r\n\r\n",
                ok(INFO)));
        EngineGateway g = unix(req -> answers.isEmpty() ? "" : answers.poll());
        for (int i = 0; i < 4; i++) {
            DockerException e = assertThrows(DockerException.class, g::info);
            // a banner that is no HTTP status line is skipped as garbage, and the wait for one ends at the deadline
            assertTrue(
                    e.getMessage().startsWith("cannot reach the Docker daemon at " + daemon.host + " (GET /info): ")
                            || e.getMessage().equals("Docker daemon did not answer GET /info within 400 ms"),
                    e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        assertEquals("node-é", g.info().name());
        assertTrue(daemon.accepted.get() >= 5, "a new connection after each broken answer: " + daemon.accepted);
    }

    @Test
    void aSilentDaemonEndsTheCallAtItsDeadlineClosesItsConnectionAndIsNotRetriedOnUnixAndTcp() throws Exception {
        for (boolean overTcp : List.of(false, true)) {
            EngineGateway g = overTcp ? tcp(req -> "SILENT") : unix(req -> "SILENT");
            long t0 = System.nanoTime();
            DockerException e = assertThrows(DockerException.class, g::info);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("Docker daemon did not answer GET /info within 400 ms", e.getMessage());
            assertTrue(ms >= 400 && ms < 3000, "tcp " + overTcp + ": took " + ms + " ms");
            assertFalse(Thread.currentThread().isInterrupted(), "the deadline's interrupt is not left behind");
            FakeDaemon d = daemon;
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> d.closedByClient.get() == 1);
            assertEquals(1, d.requests.size(), "not retried");
            assertEquals(List.of("sent info", "failed info"), counted);
            stop();
            gateway = null;
            daemon = null;
            counted.clear();
        }
    }

    @Test
    void aBodyThatTakesLongerThanTheDeadlineEndsAtItOnTcpAndUnixAlike() throws Exception {
        for (boolean overTcp : List.of(true, false)) {
            EngineGateway g = overTcp ? tcp(req -> "DRIP") : unix(req -> "DRIP");
            long t0 = System.nanoTime();
            DockerException e = assertThrows(DockerException.class, g::listContainers, "tcp " + overTcp);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("Docker daemon did not answer GET /containers/json?all=1 within 400 ms", e.getMessage());
            assertTrue(
                    ms >= 400 && ms < 10_000,
                    "tcp " + overTcp + ": took " + ms
                            + " ms (the drip lasts 5000 s: a read timeout alone never ends it)");
            stop();
            gateway = null;
            daemon = null;
        }
    }

    @Test
    void hostsAreMappedToTheTransportsFormWithTheDockerClisDefaultPorts() {
        assertEquals(
                URI.create("unix:///run/docker.sock"), EngineTransport.transportUri("unix:///run/docker.sock", false));
        assertEquals(URI.create("tcp://10.0.0.1:2375"), EngineTransport.transportUri("tcp://10.0.0.1", false));
        assertEquals(URI.create("tcp://node:2376"), EngineTransport.transportUri("tcp://node", true));
        assertEquals(URI.create("tcp://node:2376"), EngineTransport.transportUri("https://node:2376", true));
        assertEquals(URI.create("tcp://[::1]:2375"), EngineTransport.transportUri("tcp://[::1]:2375", false));
        assertEquals(
                "unsupported Docker host scheme in npipe:////./pipe/docker_engine",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> EngineTransport.transportUri("npipe:////./pipe/docker_engine", false))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> EngineTransport.transportUri("unix://", false));
        DockerException e =
                assertThrows(DockerException.class, () -> gateway("ssh://node").info());
        assertEquals(
                "invalid Docker endpoint ssh://node: IllegalArgumentException: unsupported Docker host scheme in ssh://node",
                e.getMessage());
    }

    @Test
    void jnaIsNotOnTheClassPathSoTheTransportCannotLoadIt() throws Exception {
        EngineGateway g = unix(req -> ok(INFO));
        g.info(); // a call over a unix socket: the JDK's own unix domain sockets
        assertThrows(ClassNotFoundException.class, () -> Class.forName("com.sun.jna.Native"));
    }
}
