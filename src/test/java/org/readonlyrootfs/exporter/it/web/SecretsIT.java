package org.readonlyrootfs.exporter.it.web;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.testing.Certs;
import org.readonlyrootfs.exporter.testing.Certs.Issued;
import org.readonlyrootfs.exporter.testing.Certs.Kind;
import org.readonlyrootfs.exporter.testing.Tools;
import org.readonlyrootfs.exporter.testing.Web;

/**
 * Passwords, password hashes and private keys never show in the log, in error messages or on the
 * landing page: the packaged jar is run with all of them configured, and fed wrong passwords, failed
 * handshakes, a broken Docker key and bad config files.
 */
class SecretsIT {
    private static final Path JAR =
            Path.of(System.getProperty("exporter.jar", "target/readonly-rootfs-exporter-0.1.0.jar"));

    @TempDir
    Path dir;

    private static List<String> java(String... args) {
        List<String> cmd = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Lines of base64 from a PEM body: any of them in the output would be a leak. */
    private static List<String> pemBody(String pem) {
        return pem.lines()
                .filter(l -> !l.startsWith("-----") && l.length() >= 24)
                .map(l -> l.substring(0, 24))
                .toList();
    }

    private static void assertNoSecret(String where, String text, List<String> secrets) {
        for (String s : secrets) {
            assertFalse(text.contains(s), where + " shows a secret [" + s + "]:\n" + text);
        }
        assertFalse(text.contains("-----BEGIN"), where + " shows PEM:\n" + text);
    }

    @Test
    void noSecretInTheLogErrorsOrLandingPage() throws Exception {
        Issued ca = Certs.ca(Kind.RSA, "secrets-ca");
        Issued server = Certs.server(ca, Kind.EC);
        Issued dockerClient = Certs.client(ca, Kind.RSA, "docker-client");
        String serverKey = Certs.traditionalKey(server.keys());
        String dockerKey = Certs.traditionalKey(dockerClient.keys());
        Certs.write(dir.resolve("server.pem"), Certs.pem(server.cert()));
        Certs.write(dir.resolve("server.key"), serverKey);
        // a Docker client bundle whose key is cut in half: every scan fails on it
        Path bundle = dir.resolve("bundle");
        Certs.write(bundle.resolve("ca.pem"), Certs.pem(ca.cert()));
        Certs.write(bundle.resolve("cert.pem"), Certs.pem(dockerClient.cert()));
        Certs.write(bundle.resolve("key.pem"), dockerKey.substring(0, dockerKey.length() / 2));
        Path web = Certs.write(
                dir.resolve("web.yml"),
                "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n" + "basic_auth_users:\n  alice: "
                        + Web.ALICE + "\n");

        List<String> secrets =
                new ArrayList<>(List.of("s3cret", "Wr0ngPassw0rd", Web.ALICE.substring(7), Web.ALICE.substring(29)));
        secrets.addAll(pemBody(serverKey));
        secrets.addAll(pemBody(dockerKey));

        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        int nobody;
        try (ServerSocket s = new ServerSocket(0)) {
            nobody = s.getLocalPort();
        }
        Path log = dir.resolve("exporter.log");
        ProcessBuilder pb = new ProcessBuilder(java(
                        "--web.listen-address=127.0.0.1:" + port,
                        "--web.config.file=" + web,
                        "--scan.interval=300ms",
                        "--docker.timeout=1s"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("DOCKER_HOST", "tcp://127.0.0.1:" + nobody);
        pb.environment().put("DOCKER_TLS_VERIFY", "1");
        pb.environment().put("DOCKER_CERT_PATH", bundle.toString());
        Process p = pb.start();
        String landing;
        String ready;
        try {
            p.getOutputStream().close();
            HttpClient https = Web.client(Certs.context(null, ca));
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> Web.get(https, port, "/-/healthy", null).statusCode() == 401);
            for (String password : List.of("Wr0ngPassw0rd", "s3cret ", "")) {
                for (String path : Web.ENDPOINTS) {
                    assertEquals(
                            401,
                            Web.get(https, port, path, Web.basic("alice", password))
                                    .statusCode());
                    assertEquals(
                            401,
                            Web.get(https, port, path, Web.basic("Wr0ngPassw0rd", "s3cret"))
                                    .statusCode());
                }
            }
            // failed handshakes: plain HTTP, and a client that trusts another CA
            for (int i = 0; i < 3; i++) {
                try {
                    HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                                            .header("Authorization", Web.basic("alice", "Wr0ngPassw0rd"))
                                            .timeout(Duration.ofSeconds(5))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
                } catch (IOException expected) {
                    // no TLS, no answer
                }
                try {
                    Web.get(Web.client(Certs.context(null, Certs.ca(Kind.EC, "x"))), port, "/", null);
                } catch (IOException expected) {
                    // untrusted server certificate
                }
            }
            String auth = Web.basic("alice", "s3cret");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> Web.get(https, port, "/", auth).body().contains("Last error"));
            landing = Web.get(https, port, "/", auth).body();
            ready = Web.get(https, port, "/-/ready", auth).body();
        } finally {
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        }
        String output = Files.readString(log);
        System.err.println("[SecretsIT] exporter log:\n" + output);
        assertTrue(
                output.contains("listening on https://127.0.0.1:" + port + "/metrics with basic auth (1 user)"),
                output);
        assertTrue(output.contains("TLS files ca.pem, cert.pem and key.pem in " + bundle + " unusable"), output);
        assertTrue(
                landing.contains(bundle.toString()) && ready.contains(bundle.toString()), "the error says which files");
        assertNoSecret("the log", output, secrets);
        assertNoSecret("the landing page", landing, secrets);
        assertNoSecret("/-/ready", ready, secrets);
    }

    @Test
    void configErrorsNameTheProblemNotTheSecret() throws Exception {
        Issued leaf = Certs.server(Certs.ca(Kind.RSA, "ca"), Kind.RSA);
        String key = Certs.traditionalKey(leaf.keys());
        Certs.write(dir.resolve("server.pem"), Certs.pem(leaf.cert()));
        Certs.write(dir.resolve("broken.key"), key.substring(0, key.length() - 200));
        Path web = Certs.write(
                dir.resolve("web.yml"),
                "tls_server_config:\n  cert_file: server.pem\n  key_file: broken.key\n"
                        + "basic_auth_users:\n  alice: Pl41nTextPassw0rd\n  bob: " + Web.ALICE + "x\n");
        Tools.Run r = Tools.run(java("--web.config.file=" + web), null, 60);
        assertEquals(2, r.exitCode(), r.stderr());
        List<String> lines = r.stderr().lines().toList();
        assertEquals(3, lines.size(), r.stderr());
        assertTrue(
                lines.stream()
                        .allMatch(
                                l -> l.startsWith("readonly-rootfs-exporter: error: web.config.file [" + web + "]: ")),
                r.stderr());
        List<String> secrets = new ArrayList<>(List.of("Pl41nTextPassw0rd", Web.ALICE.substring(7)));
        secrets.addAll(pemBody(key));
        assertNoSecret("config errors", r.stderr() + r.stdout(), secrets);
    }
}
