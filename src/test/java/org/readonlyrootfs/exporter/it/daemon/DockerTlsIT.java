package org.readonlyrootfs.exporter.it.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.config.CommandLine;
import org.readonlyrootfs.exporter.config.ConfigLoader;
import org.readonlyrootfs.exporter.config.ExporterConfig;
import org.readonlyrootfs.exporter.config.InvalidConfigException;
import org.readonlyrootfs.exporter.scan.Snapshot;
import org.readonlyrootfs.exporter.testing.Certs;
import org.readonlyrootfs.exporter.testing.Certs.Issued;
import org.readonlyrootfs.exporter.testing.Certs.Kind;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;

/**
 * A remote daemon over TLS: a private dockerd on tcp://127.0.0.1:PORT with --tlsverify, scanned through
 * DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH as the docker CLI and an MKE client bundle use
 * them. Client keys RSA (PKCS#1) and EC prime256v1 (SEC1, as in an MKE bundle).
 */
class DockerTlsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    static PrivateDockerd dockerd;
    static String tcpHost;
    static Issued rsaCa;
    static Issued ecCa;
    static Issued otherCa;

    @BeforeAll
    static void startTlsDaemon() throws IOException {
        rsaCa = Certs.ca(Kind.RSA, "daemon-ca");
        ecCa = Certs.ca(Kind.EC, "bundle-ca");
        otherCa = Certs.ca(Kind.RSA, "other-ca");
        Issued server = Certs.server(rsaCa, Kind.RSA);
        Path daemon = dir.resolve("daemon");
        // the daemon accepts client certificates of either CA, as MKE's does with its own client CA
        Certs.write(daemon.resolve("ca.pem"), Certs.pem(rsaCa.cert()) + Certs.pem(ecCa.cert()));
        Certs.write(daemon.resolve("server-cert.pem"), Certs.pem(server.cert()));
        Certs.write(daemon.resolve("server-key.pem"), Certs.traditionalKey(server.keys()));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        tcpHost = "tcp://127.0.0.1:" + port;
        dockerd = PrivateDockerd.start(List.of(
                "--host",
                tcpHost,
                "--tlsverify",
                "--tlscacert",
                daemon.resolve("ca.pem").toString(),
                "--tlscert",
                daemon.resolve("server-cert.pem").toString(),
                "--tlskey",
                daemon.resolve("server-key.pem").toString()));
        dockerd.createSleeper("tls-rw", false);
        dockerd.createSleeper("tls-ro", true);
    }

    @AfterAll
    static void stop() {
        if (dockerd != null) {
            dockerd.close();
        }
    }

    /** The exporter's config as an MKE bundle's env.sh sets it up. */
    static ExporterConfig bundleConfig(Path certPath, String... flags) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DOCKER_HOST", tcpHost);
        env.put("DOCKER_TLS_VERIFY", "1");
        env.put("DOCKER_CERT_PATH", certPath.toString());
        List<String> args =
                new java.util.ArrayList<>(List.of("--web.listen-address=127.0.0.1:0", "--scan.interval=500ms"));
        args.addAll(List.of(flags));
        return new ConfigLoader(env).load(CommandLine.parse(args.toArray(String[]::new)));
    }

    @Test
    void scansTheDaemonWithRsaAndEcClientBundles() throws Exception {
        for (Kind kind : Kind.values()) {
            Issued ca = kind == Kind.RSA ? rsaCa : ecCa;
            Issued client = Certs.client(ca, kind, "exporter-" + kind);
            Path bundle = dir.resolve("bundle-" + kind);
            Certs.write(bundle.resolve("ca.pem"), Certs.pem(rsaCa.cert()));
            Certs.write(bundle.resolve("cert.pem"), Certs.pem(client.cert()));
            Certs.write(bundle.resolve("key.pem"), Certs.traditionalKey(client.keys()));
            assertTrue(Files.readString(bundle.resolve("key.pem"))
                    .startsWith(
                            kind == Kind.RSA ? "-----BEGIN RSA PRIVATE KEY-----" : "-----BEGIN EC PRIVATE KEY-----"));
            try (Exporter exporter = Exporter.start(bundleConfig(bundle))) {
                Scrape s = await().atMost(WAIT)
                        .until(
                                () -> Scrape.metrics(exporter.port()),
                                x -> x.container("tls-rw").isPresent()
                                        && x.container("tls-ro").isPresent());
                assertEquals(1, s.value("readonly_rootfs_docker_up", Map.of()), kind.toString());
                assertEquals("finding", s.container("tls-rw").orElseThrow().label("status"));
                assertEquals("compliant", s.container("tls-ro").orElseThrow().label("status"));
            }
        }
    }

    private static Snapshot failing(Path bundle) throws IOException {
        try (Exporter exporter = Exporter.start(bundleConfig(bundle, "--docker.timeout=3s"))) {
            Snapshot s = await().atMost(WAIT).until(() -> exporter.scanner().current(), x -> x.scansFailed() >= 2);
            assertFalse(s.dockerUp());
            assertEquals(0, Scrape.metrics(exporter.port()).value("readonly_rootfs_docker_up", Map.of()));
            assertEquals(503, Scrape.get(exporter.port(), "/-/ready").statusCode());
            return s;
        }
    }

    @Test
    void aWrongCaIsAClearErrorAndDockerUpZeroNotACrash() throws Exception {
        Issued client = Certs.client(rsaCa, Kind.RSA, "exporter");
        Path bundle = dir.resolve("wrong-ca");
        Certs.write(bundle.resolve("ca.pem"), Certs.pem(otherCa.cert()));
        Certs.write(bundle.resolve("cert.pem"), Certs.pem(client.cert()));
        Certs.write(bundle.resolve("key.pem"), Certs.traditionalKey(client.keys()));
        String error = failing(bundle).lastError();
        System.err.println("[DockerTlsIT] wrong CA: " + error);
        assertTrue(error.contains("TLS handshake failed, check ca.pem, cert.pem and key.pem in " + bundle), error);
        assertTrue(error.contains("unable to find valid certification path"), error);
    }

    @Test
    void aClientCertificateTheDaemonDoesNotTrustIsAClearError() throws Exception {
        Issued stranger = Certs.client(otherCa, Kind.EC, "stranger");
        Path bundle = Certs.dockerCertPath(dir.resolve("untrusted"), rsaCa, stranger);
        String error = failing(bundle).lastError();
        System.err.println("[DockerTlsIT] untrusted client certificate: " + error);
        assertTrue(error.contains("check ca.pem, cert.pem and key.pem in " + bundle), error);
        assertTrue(error.contains("bad_certificate") || error.contains("refuse the client certificate"), error);
    }

    @Test
    void aMissingKeyIsAConfigErrorAndABrokenOneAClearRuntimeError() throws Exception {
        Issued client = Certs.client(rsaCa, Kind.RSA, "exporter");
        Path missing = dir.resolve("missing-key");
        Certs.write(missing.resolve("ca.pem"), Certs.pem(rsaCa.cert()));
        Certs.write(missing.resolve("cert.pem"), Certs.pem(client.cert()));
        InvalidConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                InvalidConfigException.class, () -> bundleConfig(missing));
        assertEquals(
                List.of("readonly-rootfs-exporter.docker.cert-path must be a folder holding readable ca.pem, cert.pem"
                        + " and key.pem (missing key.pem), got [" + missing
                        + "] (environment variable DOCKER_CERT_PATH)"),
                e.problems());

        // present but not a key (say, truncated by a bad copy): the exporter runs, says why, and shows nothing of it
        String key = Certs.traditionalKey(client.keys());
        String secret = key.lines().skip(2).findFirst().orElseThrow();
        Path broken = dir.resolve("broken-key");
        Certs.write(broken.resolve("ca.pem"), Certs.pem(rsaCa.cert()));
        Certs.write(broken.resolve("cert.pem"), Certs.pem(client.cert()));
        Certs.write(broken.resolve("key.pem"), key.substring(0, key.length() / 2));
        String error = failing(broken).lastError();
        System.err.println("[DockerTlsIT] broken key.pem: " + error);
        assertTrue(error.contains(broken.toString()), error);
        assertFalse(error.contains(secret.substring(4, 24)), error);

        // a key of another certificate: found when the files are read, before any connection
        Path mismatched = dir.resolve("mismatched-key");
        Certs.write(mismatched.resolve("ca.pem"), Certs.pem(rsaCa.cert()));
        Certs.write(mismatched.resolve("cert.pem"), Certs.pem(client.cert()));
        Certs.write(mismatched.resolve("key.pem"), Certs.traditionalKey(Certs.keys(Kind.RSA)));
        String mismatch = failing(mismatched).lastError();
        System.err.println("[DockerTlsIT] key of another certificate: " + mismatch);
        assertTrue(mismatch.contains(mismatched.toString()), mismatch);
        assertTrue(
                mismatch.contains("unusable: key.pem is not the private key of the certificate in cert.pem"), mismatch);
        Optional.of(mismatch).ifPresent(m -> assertFalse(m.contains("PRIVATE KEY"), m));
    }
}
