package org.readonlyrootfs.exporter.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The events stream against a scripted daemon on a unix socket: what the listener hears, in which
 * order, how often, and how fast a stream ends.
 */
@Timeout(30) // a stream that never ends is a failure, not a hung build
class EventStreamTest {
    private static final Duration TIMEOUT = Duration.ofMillis(500);
    private static final String CHUNKED_OK =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + "Transfer-Encoding: chunked\r\n\r\n";
    private static final String ID_A = "a".repeat(64);
    private static final String ID_B = "b".repeat(64);

    @TempDir
    Path dir;

    private Daemon daemon;
    private EngineGateway gateway;
    private final List<String> requestsCounted = new CopyOnWriteArrayList<>();

    /** As Main does at start: the transport's classes loaded before the first deadline counts (500 ms here). */
    @org.junit.jupiter.api.BeforeAll
    static void loadTheTransport() {
        assertTrue(RequestPathWarmup.run());
    }

    @AfterEach
    void stop() throws IOException {
        if (gateway != null) {
            gateway.close();
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    /** Accepts connections, reads each request's head, and leaves the answer to the test. */
    private static final class Daemon implements AutoCloseable {
        final ServerSocketChannel server;
        final BlockingQueue<Conn> connections = new LinkedBlockingQueue<>();
        final List<SocketChannel> all = new CopyOnWriteArrayList<>();

        Daemon(Path socket) throws IOException {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread t = new Thread(
                    () -> {
                        while (true) {
                            try {
                                SocketChannel c = server.accept();
                                all.add(c);
                                connections.add(new Conn(c, readHead(c)));
                            } catch (IOException e) {
                                return;
                            }
                        }
                    },
                    "fake-daemon");
            t.setDaemon(true);
            t.start();
        }

        Conn next() throws InterruptedException {
            Conn c = connections.poll(5, TimeUnit.SECONDS);
            assertNotNull(c, "the client connected and sent its request");
            return c;
        }

        private static String readHead(SocketChannel c) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            ByteBuffer one = ByteBuffer.allocate(1);
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                one.clear();
                if (c.read(one) < 0) {
                    break;
                }
                head.write(one.array()[0]);
            }
            return head.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (SocketChannel c : all) {
                c.close();
            }
        }
    }

    private record Conn(SocketChannel channel, String request) {
        void send(String s) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }

        void chunk(String s) throws IOException {
            send(Integer.toHexString(s.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + s + "\r\n");
        }

        /** Whether the client closed its end within a second (reads what it sent until end-of-stream). */
        boolean closedByClient() throws IOException, InterruptedException {
            channel.configureBlocking(false);
            ByteBuffer b = ByteBuffer.allocate(4096);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (System.nanoTime() < deadline) {
                b.clear();
                if (channel.read(b) < 0) {
                    return true;
                }
                Thread.sleep(5);
            }
            return false;
        }
    }

    /** Everything the listener heard, in order. */
    private static final class Heard implements EventListener {
        final BlockingQueue<String> calls = new LinkedBlockingQueue<>();

        @Override
        public void connected() {
            calls.add("connected");
        }

        @Override
        public void event(ContainerEvent e) {
            calls.add(e.action() + " " + e.containerId().substring(0, 1) + " " + e.timeEpochNanos());
        }

        @Override
        public void ended(String reason) {
            calls.add("ended: " + reason);
        }

        String next() throws InterruptedException {
            String s = calls.poll(5, TimeUnit.SECONDS);
            assertNotNull(s, "a call within 5 s");
            return s;
        }

        /** Nothing more arrives within a little while (ended is heard once, nothing follows it). */
        void nothingMore() throws InterruptedException {
            assertNull(calls.poll(300, TimeUnit.MILLISECONDS));
        }
    }

    private String host() {
        return "unix://" + dir.resolve("d.sock");
    }

    private AutoCloseable follow(Heard heard) throws IOException {
        daemon = new Daemon(dir.resolve("d.sock"));
        gateway = new EngineGateway(new DockerEndpoint(host(), false, "", TIMEOUT), requestsCounted::add);
        return gateway.followEvents(1_700_000_000L, heard);
    }

    private static String event(String action, String id, long timeNano) {
        // Docker 29's shape: no status, id or from
        return "{\"Type\":\"container\",\"Action\":\"" + action + "\",\"Actor\":{\"ID\":\"" + id
                + "\",\"Attributes\":{\"image\":\"busybox\",\"name\":\"web\",\"com.example.nested\":\"{\\\"a\\\":[1]}\"}},"
                + "\"scope\":\"local\",\"time\":" + timeNano / 1_000_000_000L + ",\"timeNano\":" + timeNano + "}\n";
    }

    private static Thread readerThread() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("docker-events"))
                .findFirst()
                .orElse(null);
    }

    @Test
    void eventsArriveOneByOneAsTheDaemonSendsThemInChunks() throws Exception {
        Heard heard = new Heard();
        follow(heard);
        Conn c = daemon.next();
        assertTrue(
                c.request()
                        .startsWith("GET /events?since=1700000000&filters=%7B%22type%22%3A%5B%22container%22%5D%7D"
                                + " HTTP/1.1\r\n"),
                c.request());
        assertTrue(c.request().contains("\r\nUser-Agent: readonly-rootfs-exporter\r\n"), c.request());
        assertEquals(List.of("events"), requestsCounted);
        c.send(CHUNKED_OK);
        assertEquals("connected", heard.next());

        c.chunk(event("create", ID_A, 1_700_000_001_000_000_001L));
        assertEquals("create a 1700000001000000001", heard.next(), "delivered before the next event is sent");
        // one event split over two chunks, then two in one chunk, one of another type between them
        String start = event("start", ID_A, 1_700_000_002_000_000_000L);
        c.chunk(start.substring(0, 40));
        heard.nothingMore();
        c.chunk(start.substring(40));
        assertEquals("start a 1700000002000000000", heard.next());
        c.chunk(event("die", ID_A, 1_700_000_003_000_000_000L)
                + "{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":\"" + ID_B + "\"},\"time\":1}\n"
                + event("destroy", ID_B, 1_700_000_004_000_000_000L));
        assertEquals("die a 1700000003000000000", heard.next());
        assertEquals("destroy b 1700000004000000000", heard.next());
        heard.nothingMore();
    }

    @Test
    void anOlderDaemonsEventWithStatusIdAndFromButNoTimeNanoIsReadToo() throws Exception {
        Heard heard = new Heard();
        follow(heard);
        Conn c = daemon.next();
        c.send(CHUNKED_OK);
        assertEquals("connected", heard.next());
        c.chunk("{\"status\":\"create\",\"id\":\"" + ID_A + "\",\"from\":\"busybox\",\"Type\":\"container\","
                + "\"Action\":\"create\",\"Actor\":{\"Attributes\":{\"name\":\"x\"},\"ID\":\"" + ID_A + "\"},"
                + "\"time\":1700000005}\n");
        // no Action: not an event the exporter can use (Docker 29 always sends it)
        c.chunk("{\"status\":\"start\",\"id\":\"" + ID_B + "\",\"time\":1700000006}\n");
        c.chunk(event("start", ID_B, 1_700_000_007_000_000_000L));
        assertEquals("create a 1700000005000000000", heard.next());
        assertEquals("start b 1700000007000000000", heard.next());
    }

    @Test
    void aMalformedObjectEndsTheStreamOnceWithAOneLineReason() throws Exception {
        Heard heard = new Heard();
        follow(heard);
        Conn c = daemon.next();
        c.send(CHUNKED_OK);
        assertEquals("connected", heard.next());
        c.chunk(event("create", ID_A, 1_700_000_001_000_000_000L));
        c.chunk("{\"Type\":\"container\",\"Action\":create}\n");
        assertEquals("create a 1700000001000000000", heard.next());
        String ended = heard.next();
        assertTrue(
                ended.startsWith("ended: events stream from " + host() + " failed: malformed JSON in the Docker"
                        + " daemon's events stream: Unrecognized token 'create'"),
                ended);
        assertFalse(ended.contains("\n"), ended);
        assertTrue(c.closedByClient(), "the connection is closed");
        heard.nothingMore();
    }

    @Test
    void somethingOtherThanObjectsOrAnOversizedObjectEndsTheStream() throws Exception {
        Heard heard = new Heard();
        follow(heard);
        Conn c = daemon.next();
        c.send(CHUNKED_OK);
        assertEquals("connected", heard.next());
        c.chunk("[1,2]\n");
        assertEquals(
                "ended: events stream from " + host() + " failed: the Docker daemon's events stream holds"
                        + " START_ARRAY where an event object should start",
                heard.next());
        heard.nothingMore();

        Heard second = new Heard();
        gateway.followEvents(1, second);
        Conn d = daemon.next();
        d.send(CHUNKED_OK);
        assertEquals("connected", second.next());
        String huge = "{\"Type\":\"container\",\"Action\":\"create\",\"Actor\":{\"ID\":\"" + ID_A
                + "\",\"Attributes\":{\"label\":\"" + "x".repeat(16 * 1024);
        try {
            for (int i = 0; i < 80; i++) { // 1.25 MiB, never closed
                d.chunk(i == 0 ? huge : "x".repeat(16 * 1024));
            }
        } catch (IOException closedByTheClient) {
            // the client gave up on it before the end
        }
        assertEquals(
                "ended: events stream from " + host() + " failed: an event object in the Docker daemon's events"
                        + " stream exceeds 1024 KiB",
                second.next());
        second.nothingMore();
    }

    @Test
    void theDaemonEndingTheStreamOrDroppingTheConnectionEndsItOnce() throws Exception {
        Heard heard = new Heard();
        follow(heard);
        Conn c = daemon.next();
        c.send(CHUNKED_OK);
        assertEquals("connected", heard.next());
        c.chunk(event("create", ID_A, 1_700_000_001_000_000_000L));
        c.send("0\r\n\r\n"); // the last chunk: the daemon ended the stream
        assertEquals("create a 1700000001000000000", heard.next());
        assertEquals("ended: events stream from " + host() + " ended", heard.next());
        heard.nothingMore();

        Heard second = new Heard();
        gateway.followEvents(1, second);
        Conn d = daemon.next();
        d.send(CHUNKED_OK);
        assertEquals("connected", second.next());
        d.chunk(event("create", ID_B, 1_700_000_001_000_000_000L).substring(0, 30));
        d.channel().close(); // the daemon died mid-event
        assertEquals(
                "ended: events stream from " + host() + " failed: ConnectionClosedException: Premature end of"
                        + " chunk coded message body: closing chunk expected",
                second.next());
        second.nothingMore();
    }

    @Test
    void closingFromAnotherThreadEndsABlockedStreamAtOnce() throws Exception {
        Heard heard = new Heard();
        AutoCloseable handle = follow(heard);
        Conn c = daemon.next();
        c.send(CHUNKED_OK);
        assertEquals("connected", heard.next());
        Thread.sleep(2 * TIMEOUT.toMillis()); // idle for longer than the deadline: the body has none
        c.chunk(event("create", ID_A, 1_700_000_001_000_000_000L));
        assertEquals("create a 1700000001000000000", heard.next());
        Thread reader = readerThread();
        assertNotNull(reader, "a reader thread of its own");

        Thread closer = new Thread(() -> {
            try {
                handle.close();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        long t0 = System.nanoTime();
        closer.start();
        assertEquals("ended: events stream closed", heard.next());
        closer.join(1000);
        reader.join(1000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertFalse(closer.isAlive() || reader.isAlive(), "close returned and the reader ended");
        assertTrue(ms < 500, "took " + ms + " ms");
        assertTrue(c.closedByClient(), "the connection is closed");
        handle.close(); // twice: nothing more
        heard.nothingMore();
    }

    @Test
    void anErrorStatusEndsItOnceAndNeverConnects() throws Exception {
        Heard heard = new Heard();
        follow(heard);
        Conn c = daemon.next();
        String body = "{\"message\":\"boom\\nsecond line\"}";
        c.send("HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body);
        assertEquals(
                "ended: events stream from " + host() + " failed: GET /events failed with HTTP 500: boom second"
                        + " line",
                heard.next());
        heard.nothingMore();
        assertTrue(c.closedByClient(), "the connection is not kept");
    }

    @Test
    void aSilentDaemonEndsItAtTheDeadlineAndCloseEndsItSoonerWithoutTheFailure() throws Exception {
        Heard heard = new Heard();
        follow(heard);
        daemon.next(); // never answered
        assertEquals(
                "ended: events stream from " + host() + " failed: Docker daemon did not answer GET /events within "
                        + TIMEOUT.toMillis() + " ms",
                heard.next());
        heard.nothingMore();

        Heard second = new Heard();
        AutoCloseable handle = gateway.followEvents(1, second);
        Conn c = daemon.next();
        handle.close();
        assertEquals("ended: events stream closed", second.next());
        assertTrue(c.closedByClient(), "the connection is closed");
        Thread.sleep(TIMEOUT.toMillis()); // past the deadline: the failure is not heard as well
        second.nothingMore();
    }

    @Test
    void noDaemonEndsItWithTheReason() throws Exception {
        Heard heard = new Heard();
        gateway = new EngineGateway(
                new DockerEndpoint("unix://" + dir.resolve("none.sock"), false, "", TIMEOUT), requestsCounted::add);
        gateway.followEvents(1, heard);
        String ended = heard.next();
        assertTrue(
                ended.startsWith("ended: events stream from unix://" + dir.resolve("none.sock") + " failed: "), ended);
        heard.nothingMore();
        List<String> calls = new ArrayList<>(heard.calls);
        assertEquals(List.of(), calls);
    }
}
