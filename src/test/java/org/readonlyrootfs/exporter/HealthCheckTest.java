package org.readonlyrootfs.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The image's HEALTHCHECK program: exit 0 only on 200 from /-/healthy of the configured address. */
class HealthCheckTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private int serve(int status) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/-/healthy", exchange -> {
            byte[] body = "x\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server.getAddress().getPort();
    }

    private int run(Map<String, String> env, String... args) {
        return HealthCheck.run(
                args,
                env,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void healthyWhenTheEndpointAnswers200OnTheAddressFromTheEnvironment() throws IOException {
        int port = serve(200);
        assertEquals(0, run(Map.of("READONLY_ROOTFS_WEB_LISTEN_ADDRESS", ":" + port)), err.toString());
        assertEquals("http://127.0.0.1:" + port + "/-/healthy: 200\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void flagsWinOverTheEnvironmentAsForTheExporter() throws IOException {
        int port = serve(200);
        assertEquals(
                0,
                run(Map.of("READONLY_ROOTFS_WEB_LISTEN_ADDRESS", ":1"), "--web.listen-address=127.0.0.1:" + port),
                err.toString());
    }

    @Test
    void unhealthyOnAnotherStatus() throws IOException {
        int port = serve(503);
        assertEquals(1, run(Map.of(), "--web.listen-address=:" + port));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unhealthy, status 503"), err.toString());
    }

    @Test
    void unhealthyWhenNothingListens() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertEquals(1, run(Map.of(), "--web.listen-address=:" + port));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unreachable"), err.toString());
    }

    @Test
    void badConfigurationExitsTwo() {
        assertEquals(2, run(Map.of(), "--web.listen-address=nope"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("readonly-rootfs-exporter healthcheck: error: "));
    }

    @Test
    void wildcardAndIpv6AddressesAreReachedCorrectly() {
        assertEquals(
                "http://127.0.0.1:9966/-/healthy",
                HealthCheck.healthUri("0.0.0.0", 9966).toString());
        assertEquals(
                "http://127.0.0.1:9966/-/healthy",
                HealthCheck.healthUri("::", 9966).toString());
        assertEquals(
                "http://[::1]:9966/-/healthy",
                HealthCheck.healthUri("::1", 9966).toString());
        assertEquals(
                "http://10.0.0.5:9966/-/healthy",
                HealthCheck.healthUri("10.0.0.5", 9966).toString());
    }
}
