package org.readonlyrootfs.exporter.it.monitoring;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.testing.Certs;
import org.readonlyrootfs.exporter.testing.Certs.Issued;
import org.readonlyrootfs.exporter.testing.Certs.Kind;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.TestConfig;
import org.readonlyrootfs.exporter.testing.Tools;
import org.readonlyrootfs.exporter.testing.Web;

/** A real Prometheus (the Debian package) scrapes the exporter over TLS, with basic auth and with a client certificate. */
class PrometheusIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    private static JsonNode api(int port, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body()).path("data");
    }

    /** Scrape health by job, from /api/v1/targets: "up" or "down: <lastError>". */
    private static Map<String, String> health(int port) throws Exception {
        Map<String, String> byJob = new HashMap<>();
        for (JsonNode t : api(port, "/api/v1/targets").path("activeTargets")) {
            String h = t.path("health").asText();
            byJob.put(
                    t.path("labels").path("job").asText(),
                    h.equals("up") ? "up" : h + ": " + t.path("lastError").asText());
        }
        return byJob;
    }

    @Test
    void prometheusScrapesOverTlsWithBasicAuthAndWithAClientCertificate() throws Exception {
        PrivateDockerd dockerd = PrivateDockerd.shared();
        dockerd.createSleeper("prom-it-rw", false);
        Issued ca = Certs.ca(Kind.RSA, "prom-it-ca");
        Issued server = Certs.server(ca, Kind.RSA);
        Issued clientCa = Certs.ca(Kind.EC, "prom-it-client-ca");
        Issued prometheusCert = Certs.client(clientCa, Kind.EC, "prometheus");
        Certs.write(dir.resolve("ca.pem"), Certs.pem(ca.cert()));
        Certs.write(dir.resolve("server.pem"), Certs.pem(server.cert()));
        Certs.write(dir.resolve("server.key"), Certs.traditionalKey(server.keys()));
        Certs.write(dir.resolve("client-ca.pem"), Certs.pem(clientCa.cert()));
        Certs.write(dir.resolve("prometheus.pem"), Certs.pem(prometheusCert.cert()));
        Certs.write(dir.resolve("prometheus.key"), Certs.pkcs8Key(prometheusCert.keys()));
        Certs.write(dir.resolve("password"), "s3cret");
        Path basicAuth = Certs.write(
                dir.resolve("web-basic.yml"),
                "tls_server_config:\n  cert_file: server.pem\n" + "  key_file: server.key\nbasic_auth_users:\n  alice: "
                        + Web.ALICE + "\n");
        Path mtls = Certs.write(
                dir.resolve("web-mtls.yml"),
                "tls_server_config:\n  cert_file: server.pem\n"
                        + "  key_file: server.key\n  client_ca_file: client-ca.pem\n  client_auth_type: RequireAndVerifyClientCert\n");

        try (Exporter a = Exporter.start(TestConfig.config(dockerd.host(), "--web.config.file=" + basicAuth));
                Exporter b = Exporter.start(TestConfig.config(dockerd.host(), "--web.config.file=" + mtls))) {
            String target = "127.0.0.1:";
            Path config = Certs.write(
                    dir.resolve("prometheus.yml"),
                    String.join(
                            "\n",
                            "global:",
                            "  scrape_interval: 1s",
                            "  scrape_timeout: 1s",
                            "scrape_configs:",
                            "  - job_name: basic-auth",
                            "    scheme: https",
                            "    tls_config: {ca_file: " + dir.resolve("ca.pem") + "}",
                            "    basic_auth: {username: alice, password_file: " + dir.resolve("password") + "}",
                            "    static_configs: [{targets: ['" + target + a.port() + "']}]",
                            "  - job_name: client-cert",
                            "    scheme: https",
                            "    tls_config: {ca_file: " + dir.resolve("ca.pem") + ", cert_file: "
                                    + dir.resolve("prometheus.pem") + ", key_file: " + dir.resolve("prometheus.key")
                                    + "}",
                            "    static_configs: [{targets: ['" + target + b.port() + "']}]",
                            "  - job_name: wrong-password",
                            "    scheme: https",
                            "    tls_config: {ca_file: " + dir.resolve("ca.pem") + "}",
                            "    basic_auth: {username: alice, password: wrong}",
                            "    static_configs: [{targets: ['" + target + a.port() + "']}]",
                            "  - job_name: no-client-cert",
                            "    scheme: https",
                            "    tls_config: {ca_file: " + dir.resolve("ca.pem") + "}",
                            "    static_configs: [{targets: ['" + target + b.port() + "']}]",
                            "  - job_name: plain-http",
                            "    static_configs: [{targets: ['" + target + a.port() + "']}]",
                            ""));
            int port = Tools.freePort();
            Process prometheus = new ProcessBuilder(
                            Tools.require("prometheus").toString(),
                            "--config.file=" + config,
                            "--storage.tsdb.path=" + dir.resolve("data"),
                            "--web.listen-address=127.0.0.1:" + port,
                            "--log.level=warn")
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("prometheus.log").toFile())
                    .start();
            try {
                Map<String, String> h = await().atMost(Duration.ofSeconds(60))
                        .ignoreExceptions()
                        .until(
                                () -> health(port),
                                // a first scrape can time out on a loaded machine (a cold TLS handshake): the
                                // good targets must come up, not be up at the first look
                                m -> m.size() == 5
                                        && m.values().stream().noneMatch(v -> v.startsWith("unknown"))
                                        && "up".equals(m.get("basic-auth"))
                                        && "up".equals(m.get("client-cert")));
                System.err.println("[PrometheusIT] target health: " + h);
                assertEquals("up", h.get("basic-auth"), h.toString());
                assertEquals("up", h.get("client-cert"), h.toString());
                assertTrue(h.get("wrong-password").contains("401 Unauthorized"), h.toString());
                assertTrue(h.get("no-client-cert").startsWith("down"), h.toString());
                assertTrue(h.get("plain-http").startsWith("down"), h.toString());

                String query = URLEncoder.encode(
                        "readonly_rootfs_container{container_name=\"prom-it-rw\"}", StandardCharsets.UTF_8);
                JsonNode result = await().atMost(Duration.ofSeconds(30))
                        .ignoreExceptions()
                        .until(() -> api(port, "/api/v1/query?query=" + query).path("result"), r -> r.size() == 2);
                for (JsonNode series : result) {
                    assertTrue(List.of("basic-auth", "client-cert")
                            .contains(series.path("metric").path("job").asText()));
                    assertEquals("finding", series.path("metric").path("status").asText());
                    assertEquals("0", series.path("value").get(1).asText());
                }
            } finally {
                prometheus.destroy();
                if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly();
                }
            }
        }
    }
}
