package org.readonlyrootfs.exporter.it.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.testing.Certs;
import org.readonlyrootfs.exporter.testing.Certs.Issued;
import org.readonlyrootfs.exporter.testing.Certs.Kind;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.TestConfig;
import org.readonlyrootfs.exporter.testing.Web;

/** TLS, client certificates and basic auth on every endpoint, with real clients. */
class WebSecurityIT {
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

    static Path webConfig(String name, String yaml) {
        return Certs.write(dir.resolve(name), yaml);
    }

    @Test
    void tlsWithBasicAuthGuardsEveryEndpointAndWrongCredentialsGet401WithoutBody() throws Exception {
        Path config = webConfig(
                "tls-auth.yml",
                "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n" + "basic_auth_users:\n  alice: "
                        + Web.ALICE + "\n");
        try (Exporter exporter = Exporter.start(TestConfig.config(Web.NO_DOCKER, "--web.config.file=" + config))) {
            int port = exporter.port();
            HttpClient https = Web.client(Certs.context(null, ca));
            for (String path : Web.ENDPOINTS) {
                for (String auth : new String[] {
                    null,
                    Web.basic("alice", "wrong"),
                    Web.basic("mallory", "s3cret"),
                    Web.basic("alice", "s3cret ").replace("Basic", "Bearer"),
                    "Basic !!notbase64!!",
                    Web.basic("alice", "")
                }) {
                    HttpResponse<String> r = Web.get(https, port, path, auth);
                    assertEquals(401, r.statusCode(), path + " with " + auth);
                    assertEquals("", r.body(), path);
                    assertEquals(
                            "Basic realm=\"readonly-rootfs-exporter\", charset=\"UTF-8\"",
                            r.headers().firstValue("WWW-Authenticate").orElse(""),
                            path);
                }
                int expected = path.equals("/nope") ? 404 : path.equals("/-/ready") ? 503 : 200;
                assertEquals(
                        expected,
                        Web.get(https, port, path, Web.basic("alice", "s3cret")).statusCode(),
                        path);
            }
            HttpResponse<String> metrics = Web.get(https, port, "/metrics", Web.basic("alice", "s3cret"));
            assertEquals(0, Scrape.of(metrics.body()).value("readonly_rootfs_docker_up", java.util.Map.of()));
            // a remembered password answers fast: bcrypt (cost 10) runs once, not on every scrape
            long t0 = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                assertEquals(
                        200,
                        Web.get(https, port, "/-/healthy", Web.basic("alice", "s3cret"))
                                .statusCode());
            }
            long perRequestMs = (System.nanoTime() - t0) / 20 / 1_000_000;
            assertTrue(perRequestMs < 50, perRequestMs + " ms per request");

            // plain HTTP to the TLS port gets no answer, and an untrusting client no connection
            assertThrows(
                    IOException.class,
                    () -> HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                                            .timeout(Duration.ofSeconds(5))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString()));
            assertThrows(IOException.class, () -> Web.get(Web.client(Certs.context(null, otherCa)), port, "/", null));
            assertEquals(
                    200,
                    Web.get(https, port, "/-/healthy", Web.basic("alice", "s3cret"))
                            .statusCode(),
                    "failed handshakes cost nothing else");
        }
    }

    @Test
    void clientCertificatesAreRequiredAndVerifiedRsaAndEc() throws Exception {
        Path config = webConfig(
                "mtls.yml",
                "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n"
                        + "  client_ca_file: client-ca.pem\n  client_auth_type: RequireAndVerifyClientCert\n");
        try (Exporter exporter = Exporter.start(TestConfig.config(Web.NO_DOCKER, "--web.config.file=" + config))) {
            int port = exporter.port();
            for (Kind kind : Kind.values()) {
                Issued prometheus = Certs.client(clientCa, kind, "prometheus-" + kind);
                HttpClient mtls = Web.client(prometheus.clientContext(ca));
                for (String path : Web.ENDPOINTS) {
                    int expected = path.equals("/nope") ? 404 : path.equals("/-/ready") ? 503 : 200;
                    assertEquals(expected, Web.get(mtls, port, path, null).statusCode(), kind + " " + path);
                }
            }
            Issued stranger = Certs.client(otherCa, Kind.RSA, "stranger");
            for (HttpClient refused : List.of(
                    Web.client(Certs.context(null, ca)),
                    Web.client(stranger.clientContext(ca)),
                    Web.client(Certs.context(null, ca), "TLSv1.2"),
                    Web.client(stranger.clientContext(ca), "TLSv1.2"))) {
                assertThrows(IOException.class, () -> Web.get(refused, port, "/metrics", null));
            }
            HttpClient ok = Web.client(Certs.client(clientCa, Kind.EC, "again").clientContext(ca));
            assertEquals(200, Web.get(ok, port, "/metrics", null).statusCode(), "refused handshakes cost nothing else");
        }
    }

    @Test
    void minVersionIsEnforced() throws Exception {
        Path config = webConfig(
                "tls13.yml",
                "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n" + "  min_version: TLS13\n");
        try (Exporter exporter = Exporter.start(TestConfig.config(Web.NO_DOCKER, "--web.config.file=" + config))) {
            int port = exporter.port();
            assertEquals(
                    200,
                    Web.get(Web.client(Certs.context(null, ca), "TLSv1.3"), port, "/-/healthy", null)
                            .statusCode());
            assertThrows(
                    IOException.class,
                    () -> Web.get(Web.client(Certs.context(null, ca), "TLSv1.2"), port, "/-/healthy", null));
        }
    }

    @Test
    void basicAuthWithoutTlsWorksOnPlainHttp() throws Exception {
        Path config = webConfig("auth-only.yml", "basic_auth_users:\n  alice: " + Web.ALICE + "\n");
        try (Exporter exporter = Exporter.start(TestConfig.config(Web.NO_DOCKER, "--web.config.file=" + config))) {
            HttpResponse<String> r = Scrape.get(exporter.port(), "/metrics");
            assertEquals(401, r.statusCode());
            assertEquals("", r.body());
            HttpResponse<String> ok = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + exporter.port() + "/metrics"))
                                    .header("Authorization", Web.basic("alice", "s3cret"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode());
            assertFalse(ok.body().isEmpty());
        }
    }
}
