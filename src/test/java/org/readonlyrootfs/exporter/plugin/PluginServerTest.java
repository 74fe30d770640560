package org.readonlyrootfs.exporter.plugin;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.authz.AuthzMode;
import org.readonlyrootfs.exporter.authz.AuthzPolicy;
import org.readonlyrootfs.exporter.authz.FixHints;
import org.readonlyrootfs.exporter.authz.PluginProtocol;
import org.readonlyrootfs.exporter.compliance.CompliancePolicy;

/** The plugin protocol over a real Unix socket in a temporary folder. */
class PluginServerTest {
    @TempDir
    Path dir;

    private PluginServer server;
    private final AtomicInteger calls = new AtomicInteger();

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private Path start(AuthzMode mode, PluginServer.Limits limits) throws IOException {
        Path socket = dir.resolve("sub/dir/plugin.sock");
        PluginProtocol protocol = new PluginProtocol(
                () -> new AuthzPolicy(CompliancePolicy.defaults(), mode, "readonly-rootfs", FixHints.NONE),
                Clock.systemUTC());
        server = PluginServer.start(
                socket,
                (method, path, body) -> {
                    calls.incrementAndGet();
                    return protocol.handle(method, path, body);
                },
                limits);
        return socket;
    }

    private Path start(AuthzMode mode) throws IOException {
        return start(mode, PluginServer.Limits.DEFAULT);
    }

    /** One client connection, read and written by hand. */
    private static final class Client implements AutoCloseable {
        final SocketChannel channel;
        final InputStream in;
        final OutputStream out;

        Client(Path socket) throws IOException {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            in = Channels.newInputStream(channel);
            out = Channels.newOutputStream(channel);
        }

        void send(String raw) throws IOException {
            out.write(raw.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** One response: status line, headers and a Content-Length body. */
        String[] response() throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed after [" + head + "]");
                }
                head.write(b);
            }
            String h = head.toString(StandardCharsets.ISO_8859_1);
            int length = 0;
            for (String line : h.split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            return new String[] {h, body};
        }

        boolean closedByPeer() throws IOException {
            try {
                return in.read() < 0;
            } catch (IOException e) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static String post(String path, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return "POST " + path + " HTTP/1.1\r\nHost: plugin\r\nContent-Type: application/json\r\nContent-Length: "
                + b.length + "\r\n\r\n" + body;
    }

    private static String authzReq(String method, String uri, String body) {
        return "{\"RequestMethod\":\"" + method + "\",\"RequestUri\":\"" + uri + "\""
                + (body == null
                        ? ""
                        : ",\"RequestBody\":\""
                                + Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)) + "\"")
                + ",\"RequestHeaders\":{\"Content-Type\":\"application/json\"}}";
    }

    private static final String WRITABLE = "{\"Image\":\"busybox\",\"HostConfig\":{\"ReadonlyRootfs\":false}}";

    @Test
    void activateAuthorizeAndResponsesOnOneKeptAliveConnection() throws IOException {
        Path socket = start(AuthzMode.ENFORCE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        try (Client c = new Client(socket)) {
            c.send(post("/Plugin.Activate", ""));
            String[] r = c.response();
            assertTrue(r[0].startsWith("HTTP/1.1 200 OK\r\n"), r[0]);
            assertTrue(r[0].contains("Content-Type: application/vnd.docker.plugins.v1.2+json\r\n"), r[0]);
            assertEquals("{\"Implements\":[\"authz\"]}\n", r[1]);

            c.send(post("/AuthZPlugin.AuthZReq", authzReq("GET", "/v1.41/containers/json", null)));
            assertEquals("{\"Allow\":true,\"Msg\":\"\",\"Err\":\"\"}\n", c.response()[1]);

            c.send(post("/AuthZPlugin.AuthZReq", authzReq("POST", "/v1.41/containers/create?name=web", WRITABLE)));
            String refused = c.response()[1];
            assertTrue(refused.startsWith("{\"Allow\":false,\"Msg\":\"STIG V-260936"), refused);

            c.send(post("/AuthZPlugin.AuthZRes", authzReq("POST", "/v1.41/containers/create", WRITABLE)));
            assertEquals("{\"Allow\":true,\"Msg\":\"\",\"Err\":\"\"}\n", c.response()[1]);

            c.send("POST /Plugin.Activate HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            assertTrue(c.response()[0].contains("Connection: close"));
            assertTrue(c.closedByPeer());
        }
        assertEquals(5, calls.get());
    }

    @Test
    void auditModeAllows() throws IOException {
        Path socket = start(AuthzMode.AUDIT);
        try (Client c = new Client(socket)) {
            c.send(post("/AuthZPlugin.AuthZReq", authzReq("POST", "/containers/create", WRITABLE)));
            assertEquals("{\"Allow\":true,\"Msg\":\"\",\"Err\":\"\"}\n", c.response()[1]);
        }
    }

    @Test
    void chunkedBodiesAreRead() throws IOException {
        Path socket = start(AuthzMode.ENFORCE);
        String json = authzReq("POST", "/containers/create", WRITABLE);
        try (Client c = new Client(socket)) {
            StringBuilder raw = new StringBuilder(
                    "POST /AuthZPlugin.AuthZReq HTTP/1.1\r\nHost: plugin\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < json.length(); i += 7) {
                String piece = json.substring(i, Math.min(json.length(), i + 7));
                raw.append(Integer.toHexString(piece.length()))
                        .append(";ext=1\r\n")
                        .append(piece)
                        .append("\r\n");
            }
            raw.append("0\r\nX-Trailer: t\r\n\r\n");
            c.send(raw.toString());
            assertTrue(c.response()[1].startsWith("{\"Allow\":false"));
            // and the connection is still good
            c.send(post("/Plugin.Activate", "null"));
            assertEquals("{\"Implements\":[\"authz\"]}\n", c.response()[1]);
        }
    }

    @Test
    void oversizedRequestsAreRefusedWithoutReadingThem() throws IOException {
        Path socket =
                start(AuthzMode.ENFORCE, new PluginServer.Limits(Duration.ofSeconds(10), Duration.ofSeconds(60), 1024));
        try (Client c = new Client(socket)) {
            c.send("POST /AuthZPlugin.AuthZReq HTTP/1.1\r\nContent-Length: 9999999999\r\n\r\n");
            String[] r = c.response();
            assertTrue(r[0].startsWith("HTTP/1.1 413 "), r[0]);
            assertTrue(r[1].contains("over the limit"), r[1]);
            assertTrue(c.closedByPeer());
        }
        try (Client c = new Client(socket)) {
            StringBuilder raw =
                    new StringBuilder("POST /AuthZPlugin.AuthZReq HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < 3; i++) {
                raw.append("200\r\n").append("x".repeat(512)).append("\r\n");
            }
            c.send(raw.toString());
            assertTrue(c.response()[0].startsWith("HTTP/1.1 413 "));
        }
        assertEquals(0, calls.get());
    }

    @Test
    void garbageGetsA400AndTheServerGoesOn() throws IOException {
        Path socket = start(AuthzMode.ENFORCE);
        String[] garbage = {
            "garbage\r\n\r\n",
            "\u0000\u0001\u0002\r\n",
            "POST /AuthZPlugin.AuthZReq HTTP/2.0\r\n\r\n",
            "POST /x HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            "POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            "POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "POST /x HTTP/1.1\r\n no-colon\r\n\r\n",
            "POST " + "/a".repeat(10_000) + " HTTP/1.1\r\n\r\n",
        };
        for (String g : garbage) {
            try (Client c = new Client(socket)) {
                c.send(g);
                String[] r = c.response();
                assertTrue(r[0].matches("HTTP/1.1 (400|413|414|431|501|505) [^\r]*\r\n(?s).*"), g + ": " + r[0]);
                assertTrue(c.closedByPeer(), g);
            }
        }
        try (Client c = new Client(socket)) {
            c.send(post("/AuthZPlugin.AuthZReq", "{not json"));
            String body = c.response()[1];
            assertTrue(body.startsWith("{\"Allow\":false,\"Msg\":\"the authorization request cannot be read"), body);
            c.send(post("/nope", ""));
            assertTrue(c.response()[0].startsWith("HTTP/1.1 404 "));
            c.send("GET /Plugin.Activate HTTP/1.1\r\n\r\n");
            assertTrue(c.response()[0].startsWith("HTTP/1.1 405 "));
            c.send(post("/Plugin.Activate", ""));
            assertEquals("{\"Implements\":[\"authz\"]}\n", c.response()[1]);
        }
    }

    @Test
    void aClientThatNeverFinishesBlocksNobodyAndIsCutOff() throws IOException {
        Path socket = start(
                AuthzMode.ENFORCE, new PluginServer.Limits(Duration.ofMillis(500), Duration.ofSeconds(60), 1 << 20));
        try (Client slow = new Client(socket);
                Client slowBody = new Client(socket);
                Client silent = new Client(socket)) {
            slow.send("POST /AuthZPlugin.AuthZReq HTTP/1.1\r\nContent-Le");
            slowBody.send("POST /AuthZPlugin.AuthZReq HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"Req");
            // meanwhile others are served at once
            for (int i = 0; i < 20; i++) {
                try (Client c = new Client(socket)) {
                    c.send(post("/Plugin.Activate", ""));
                    assertEquals("{\"Implements\":[\"authz\"]}\n", c.response()[1]);
                }
            }
            // and the slow ones are cut off after the request deadline
            await().atMost(Duration.ofSeconds(10)).until(slow::closedByPeer);
            await().atMost(Duration.ofSeconds(10)).until(slowBody::closedByPeer);
            await().atMost(Duration.ofSeconds(10)).until(silent::closedByPeer);
        }
        assertEquals(20, calls.get());
    }

    @Test
    void anIdleKeptAliveConnectionIsClosedAfterTheIdleDeadline() throws IOException {
        Path socket = start(
                AuthzMode.ENFORCE, new PluginServer.Limits(Duration.ofSeconds(10), Duration.ofMillis(300), 1 << 20));
        try (Client c = new Client(socket)) {
            c.send(post("/Plugin.Activate", ""));
            c.response();
            await().atMost(Duration.ofSeconds(10)).until(c::closedByPeer);
        }
    }

    @Test
    void aStaleSocketIsReplacedALiveOneIsNot() throws IOException {
        Path socket = dir.resolve("plugin.sock");
        // a socket file left behind: bound, then its channel closed without removing it
        ServerSocketChannel dead = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(socket));
        dead.close();
        assertTrue(Files.exists(socket));
        PluginProtocol protocol = new PluginProtocol(
                () -> new AuthzPolicy(CompliancePolicy.defaults(), AuthzMode.AUDIT, "readonly-rootfs", FixHints.NONE),
                Clock.systemUTC());
        server = PluginServer.start(socket, protocol::handle, PluginServer.Limits.DEFAULT);
        try (Client c = new Client(socket)) {
            c.send(post("/Plugin.Activate", ""));
            assertEquals("{\"Implements\":[\"authz\"]}\n", c.response()[1]);
        }
        IOException live = assertThrows(
                IOException.class, () -> PluginServer.start(socket, protocol::handle, PluginServer.Limits.DEFAULT));
        assertTrue(live.getMessage().contains("another process serves"), live.getMessage());
        Path file = dir.resolve("file.sock");
        Files.writeString(file, "not a socket");
        IOException notSocket = assertThrows(
                IOException.class, () -> PluginServer.start(file, protocol::handle, PluginServer.Limits.DEFAULT));
        assertTrue(notSocket.getMessage().contains("is not a socket"), notSocket.getMessage());
        assertTrue(Files.exists(file));
        // close removes the socket file
        server.close();
        server = null;
        assertFalse(Files.exists(socket));
    }
}
