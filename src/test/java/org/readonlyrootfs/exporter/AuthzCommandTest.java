package org.readonlyrootfs.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.authz.AuthzMode;
import org.readonlyrootfs.exporter.authz.FixHints;
import org.readonlyrootfs.exporter.config.AuthzConfig;
import org.readonlyrootfs.exporter.config.CommandLine;
import org.readonlyrootfs.exporter.config.ConfigLoader;
import org.readonlyrootfs.exporter.http.ReloadOutcome;

/** The authz command: its flags, validation and help, and the plugin serving, counting and reloading. */
class AuthzCommandTest {
    @TempDir
    Path dir;

    private AuthzCommand command;

    @AfterEach
    void stop() {
        if (command != null) {
            command.close();
        }
    }

    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(
                args,
                Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {
            String.valueOf(status), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)
        };
    }

    @Test
    void helpNamesTheCommandAndItsOwnListenAddress() {
        String[] authz = run("authz", "--help");
        assertEquals("0", authz[0]);
        assertTrue(authz[1].contains("authz   serve Docker's authorization plugin"), authz[1]);
        assertTrue(authz[1].contains("--web.listen-address=:9967\n"), authz[1]);
        assertTrue(authz[1].contains("--authz.mode=audit\n"), authz[1]);
        assertTrue(authz[1].contains("--authz.socket=/run/docker/plugins/readonly-rootfs.sock\n"), authz[1]);
        assertTrue(authz[1].contains("--authz.plugin-name=readonly-rootfs\n"), authz[1]);
        assertTrue(authz[1].contains("env READONLY_ROOTFS_AUTHZ_MODE"), authz[1]);
        String[] serve = run("--help");
        assertTrue(serve[1].contains("--web.listen-address=:9966\n"), serve[1]);
    }

    @Test
    void badSettingsAreReportedAtOnce() {
        String[] r = run(
                "authz",
                "--authz.mode=block",
                "--authz.socket=relative.sock",
                "--authz.plugin-name=Not A Name",
                "--web.listen-address=nowhere");
        assertEquals("2", r[0], r[2]);
        List<String> lines = r[2].lines().toList();
        assertEquals(4, lines.size(), r[2]);
        assertTrue(
                lines.contains("readonly-rootfs-exporter: error: readonly-rootfs-exporter.authz.mode must be one of"
                        + " audit, enforce, got [block] (flag --authz.mode)"),
                r[2]);
        assertTrue(
                r[2].contains("authz.socket must be an absolute path of at most 107 bytes for a Unix socket, e.g."
                        + " /run/docker/plugins/readonly-rootfs.sock, got [relative.sock]"),
                r[2]);
        assertTrue(r[2].contains("authz.plugin-name must be a plugin name such as readonly-rootfs"), r[2]);
        assertTrue(r[2].contains("web.listen-address must be [host]:port"), r[2]);
        String[] longSocket = run("authz", "--authz.socket=/" + "s".repeat(120));
        assertEquals("2", longSocket[0]);
        String[] unknown = run("authorize");
        assertTrue(unknown[2].contains("the commands are serve (the default), check and authz"), unknown[2]);
    }

    @Test
    void theCheckCommandsFlagsAreNotTheAuthzCommands() {
        String[] r = run("authz", "--output.json=x.json");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("flag --output.json only applies to the check command"), r[2]);
    }

    private AuthzConfig load(Path configFile, String... flags) {
        String[] args = new String[flags.length + 4];
        args[0] = "authz";
        args[1] = "--authz.socket=" + dir.resolve("run/plugin.sock");
        args[2] = "--web.listen-address=127.0.0.1:0";
        args[3] = "--config.file=" + configFile;
        System.arraycopy(flags, 0, args, 4, flags.length);
        return new ConfigLoader(Map.of()).loadAuthz(CommandLine.parse(args));
    }

    private static String authzReq(Path socket, String method, String uri, String body) throws IOException {
        String json = "{\"RequestMethod\":\"" + method + "\",\"RequestUri\":\"" + uri + "\""
                + (body == null
                        ? ""
                        : ",\"RequestBody\":\""
                                + Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)) + "\"")
                + "}";
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            OutputStream out = Channels.newOutputStream(c);
            out.write(("POST /AuthZPlugin.AuthZReq HTTP/1.1\r\nContent-Length: " + b.length
                            + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(b);
            out.flush();
            InputStream in = Channels.newInputStream(c);
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + command.webPort() + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    @Test
    void servesDecidesCountsAndReloads() throws Exception {
        Path file = dir.resolve("rre.conf");
        Files.writeString(file, "readonly-rootfs-exporter.authz.mode = audit\n");
        AuthzConfig config = load(file);
        assertEquals(AuthzMode.AUDIT, config.mode());
        command = AuthzCommand.start(config, () -> load(file), FixHints.NONE, Clock.systemUTC());
        Path socket = dir.resolve("run/plugin.sock");
        assertTrue(Files.exists(socket));
        String writable = "{\"Image\":\"busybox\",\"HostConfig\":{\"ReadonlyRootfs\":false}}";
        String readonly = "{\"Image\":\"busybox\",\"HostConfig\":{\"ReadonlyRootfs\":true}}";

        assertTrue(
                authzReq(socket, "POST", "/v1.41/containers/create", writable).startsWith("{\"Allow\":true"));
        assertTrue(authzReq(socket, "GET", "/v1.41/containers/json", null).startsWith("{\"Allow\":true"));

        // enforce by a reload
        Files.writeString(file, "readonly-rootfs-exporter.authz.mode = enforce\n");
        ReloadOutcome ok = command.reload("test");
        assertTrue(ok.successful(), ok.problems().toString());
        assertEquals(AuthzMode.ENFORCE, command.policy().mode());
        assertTrue(
                authzReq(socket, "POST", "/v1.41/containers/create", writable).startsWith("{\"Allow\":false"));
        assertTrue(authzReq(socket, "POST", "/v1.41/containers/create?name=ucp-x", writable)
                .startsWith("{\"Allow\":true"));
        assertTrue(
                authzReq(socket, "POST", "/v1.41/containers/create", readonly).startsWith("{\"Allow\":true"));

        // a bad file changes nothing
        Files.writeString(file, "readonly-rootfs-exporter.authz.mode = off\n");
        ReloadOutcome bad = command.reload("test");
        assertFalse(bad.successful());
        assertTrue(
                bad.problems().get(0).contains("authz.mode must be one of audit, enforce, got [off]"),
                bad.problems().toString());
        assertEquals(AuthzMode.ENFORCE, command.policy().mode());
        assertTrue(
                authzReq(socket, "POST", "/v1.41/containers/create", writable).startsWith("{\"Allow\":false"));

        // garbage on the socket: answered 400, counted
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            Channels.newOutputStream(c).write("garbage\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(Channels.newInputStream(c).readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
        }

        String metrics = get("/metrics");
        assertTrue(metrics.startsWith("200 "), metrics);
        for (String sample : List.of(
                "readonly_rootfs_authz_requests_total{action=\"container_create\",decision=\"would_refuse\"} 1.0",
                "readonly_rootfs_authz_requests_total{action=\"container_create\",decision=\"refused\"} 2.0",
                "readonly_rootfs_authz_requests_total{action=\"container_create\",decision=\"exempt\"} 1.0",
                "readonly_rootfs_authz_requests_total{action=\"container_create\",decision=\"allowed\"} 1.0",
                "readonly_rootfs_authz_requests_total{action=\"other\",decision=\"allowed\"} 1.0",
                "readonly_rootfs_authz_requests_total{action=\"service_update\",decision=\"would_refuse\"} 0.0",
                "readonly_rootfs_authz_decision_duration_seconds_count{action=\"container_create\"} 5",
                "readonly_rootfs_authz_decision_duration_seconds_bucket{action=\"other\",le=\"1.0E-5\"}",
                "readonly_rootfs_authz_mode{mode=\"enforce\"} 1.0",
                "readonly_rootfs_authz_bad_requests_total 1.0",
                "readonly_rootfs_authz_mode{mode=\"audit\"} 0.0",
                "readonly_rootfs_config_last_reload_successful{host=",
                "readonly_rootfs_build_info{java_version=")) {
            assertTrue(metrics.contains(sample), sample + "\n" + metrics);
        }
        assertTrue(get("/-/ready").startsWith("200 Authorization plugin is Ready."));
        assertTrue(get("/-/healthy").startsWith("200 "));
        String landing = get("/");
        assertTrue(landing.contains("<td>enforce</td>") && landing.contains(socket.toString()), landing);

        command.close();
        command = null;
        assertFalse(Files.exists(socket));
    }
}
