package org.readonlyrootfs.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.testing.Certs;
import org.readonlyrootfs.exporter.testing.Certs.Issued;
import org.readonlyrootfs.exporter.testing.Certs.Kind;
import org.readonlyrootfs.exporter.testing.Scrape;

/** TLS, client certificates and basic auth on every endpoint, with real clients. */
class WebSecurityIT {
    /** {@code htpasswd -nbBC 10 alice s3cret} */
    static final String ALICE = "$2y$10$m4Uv927w69mRXgFuTRrJUek7yctGxrIX.8FBvRri5uBbOw9xMQ4AG";
    static final List<String> ENDPOINTS = List.of("/", "/metrics", "/-/healthy", "/-/ready", "/nope");
    /** No daemon needed to test serving: the exporter serves docker_up 0. */
    static final String NO_DOCKER = "unix:///nonexistent/docker.sock";

    @TempDir
    static Path dir;
    static Issued ca;
    static Issued clientCa;
    static Issued otherCa;

    @BeforeAll
    static void certificates() {
        ca = Certs.ca(Kind.RSA, "server-ca");
        Issued server = Certs.server(ca, Kind.EC);
        clientCa = Certs.ca(Kind.EC, "client-ca");
        otherCa = Certs.ca(Kind.RSA, "other-ca");
        Certs.write(dir.resolve("server.pem"), Certs.pem(server.cert()));
        Certs.write(dir.resolve("server.key"), Certs.traditionalKey(server.keys()));
        Certs.write(dir.resolve("client-ca.pem"), Certs.pem(clientCa.cert()));
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    static HttpClient client(SSLContext context, String... protocols) {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).sslContext(context);
        if (protocols.length > 0) {
            b.sslParameters(new SSLParameters(null, protocols));
        }
        return b.build();
    }

    static HttpResponse<String> get(HttpClient client, int port, String path, String authorization) throws IOException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        try {
            return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static Path webConfig(String name, String yaml) {
        return Certs.write(dir.resolve(name), yaml);
    }

    @Test
    void tlsWithBasicAuthGuardsEveryEndpointAndWrongCredentialsGet401WithoutBody() throws Exception {
        Path config = webConfig("tls-auth.yml", "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n"
                + "basic_auth_users:\n  alice: " + ALICE + "\n");
        try (Exporter exporter = Exporter.start(ExporterIT.config(NO_DOCKER, "--web.config.file=" + config))) {
            int port = exporter.port();
            HttpClient https = client(Certs.context(null, ca));
            for (String path : ENDPOINTS) {
                for (String auth : new String[] {null, basic("alice", "wrong"), basic("mallory", "s3cret"),
                        basic("alice", "s3cret ").replace("Basic", "Bearer"), "Basic !!notbase64!!", basic("alice", "")}) {
                    HttpResponse<String> r = get(https, port, path, auth);
                    assertEquals(401, r.statusCode(), path + " with " + auth);
                    assertEquals("", r.body(), path);
                    assertEquals("Basic realm=\"readonly-rootfs-exporter\", charset=\"UTF-8\"",
                            r.headers().firstValue("WWW-Authenticate").orElse(""), path);
                }
                int expected = path.equals("/nope") ? 404 : path.equals("/-/ready") ? 503 : 200;
                assertEquals(expected, get(https, port, path, basic("alice", "s3cret")).statusCode(), path);
            }
            HttpResponse<String> metrics = get(https, port, "/metrics", basic("alice", "s3cret"));
            assertEquals(0, Scrape.of(metrics.body()).value("readonly_rootfs_docker_up", java.util.Map.of()));
            // a remembered password answers fast: bcrypt (cost 10) runs once, not on every scrape
            long t0 = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                assertEquals(200, get(https, port, "/-/healthy", basic("alice", "s3cret")).statusCode());
            }
            long perRequestMs = (System.nanoTime() - t0) / 20 / 1_000_000;
            assertTrue(perRequestMs < 50, perRequestMs + " ms per request");

            // plain HTTP to the TLS port gets no answer, and an untrusting client no connection
            assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()));
            assertThrows(IOException.class, () -> get(client(Certs.context(null, otherCa)), port, "/", null));
            assertEquals(200, get(https, port, "/-/healthy", basic("alice", "s3cret")).statusCode(),
                    "failed handshakes cost nothing else");
        }
    }

    @Test
    void clientCertificatesAreRequiredAndVerifiedRsaAndEc() throws Exception {
        Path config = webConfig("mtls.yml", "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n"
                + "  client_ca_file: client-ca.pem\n  client_auth_type: RequireAndVerifyClientCert\n");
        try (Exporter exporter = Exporter.start(ExporterIT.config(NO_DOCKER, "--web.config.file=" + config))) {
            int port = exporter.port();
            for (Kind kind : Kind.values()) {
                Issued prometheus = Certs.client(clientCa, kind, "prometheus-" + kind);
                HttpClient mtls = client(prometheus.clientContext(ca));
                for (String path : ENDPOINTS) {
                    int expected = path.equals("/nope") ? 404 : path.equals("/-/ready") ? 503 : 200;
                    assertEquals(expected, get(mtls, port, path, null).statusCode(), kind + " " + path);
                }
            }
            Issued stranger = Certs.client(otherCa, Kind.RSA, "stranger");
            for (HttpClient refused : List.of(client(Certs.context(null, ca)), client(stranger.clientContext(ca)),
                    client(Certs.context(null, ca), "TLSv1.2"), client(stranger.clientContext(ca), "TLSv1.2"))) {
                assertThrows(IOException.class, () -> get(refused, port, "/metrics", null));
            }
            HttpClient ok = client(Certs.client(clientCa, Kind.EC, "again").clientContext(ca));
            assertEquals(200, get(ok, port, "/metrics", null).statusCode(), "refused handshakes cost nothing else");
        }
    }

    @Test
    void minVersionIsEnforced() throws Exception {
        Path config = webConfig("tls13.yml", "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n"
                + "  min_version: TLS13\n");
        try (Exporter exporter = Exporter.start(ExporterIT.config(NO_DOCKER, "--web.config.file=" + config))) {
            int port = exporter.port();
            assertEquals(200, get(client(Certs.context(null, ca), "TLSv1.3"), port, "/-/healthy", null).statusCode());
            assertThrows(IOException.class, () -> get(client(Certs.context(null, ca), "TLSv1.2"), port, "/-/healthy", null));
        }
    }

    @Test
    void basicAuthWithoutTlsWorksOnPlainHttp() throws Exception {
        Path config = webConfig("auth-only.yml", "basic_auth_users:\n  alice: " + ALICE + "\n");
        try (Exporter exporter = Exporter.start(ExporterIT.config(NO_DOCKER, "--web.config.file=" + config))) {
            HttpResponse<String> r = Scrape.get(exporter.port(), "/metrics");
            assertEquals(401, r.statusCode());
            assertEquals("", r.body());
            HttpResponse<String> ok = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + exporter.port() + "/metrics"))
                    .header("Authorization", basic("alice", "s3cret")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode());
            assertFalse(ok.body().isEmpty());
        }
    }
}
