package org.readonlyrootfs.exporter.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.testing.Certs;
import org.readonlyrootfs.exporter.testing.Certs.Issued;
import org.readonlyrootfs.exporter.testing.Certs.Kind;

/** The client side of mutual TLS from DOCKER_CERT_PATH's three files, against a server that requires a client certificate. */
class ClientTlsTest {
    @TempDir
    Path dir;

    private static SSLContext context(Path bundle) throws Exception {
        return ClientTls.context(bundle.resolve("ca.pem"), bundle.resolve("cert.pem"), bundle.resolve("key.pem"));
    }

    /** Runs one handshake; returns the client certificate's subject as the server saw it. */
    private static String handshake(SSLContext client, Issued serverCa, Issued clientCa) throws Exception {
        Issued server = Certs.server(serverCa, Kind.RSA);
        try (SSLServerSocket listener = (SSLServerSocket) Certs.context(server, clientCa)
                .getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listener.setNeedClientAuth(true);
            CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.startHandshake();
                    return s.getSession().getPeerPrincipal().getName();
                } catch (Exception e) {
                    return "server: " + e;
                }
            });
            try (SSLSocket s = (SSLSocket)
                    client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                s.startHandshake();
                s.getOutputStream().flush();
            }
            return seen.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anRsaOrEcBundleAuthenticatesBothSides() throws Exception {
        Issued ca = Certs.ca(Kind.RSA, "daemon-ca");
        for (Kind kind : Kind.values()) {
            Path bundle =
                    Certs.dockerCertPath(dir.resolve(kind.name()), ca, Certs.client(ca, kind, "exporter-" + kind));
            assertEquals("CN=exporter-" + kind, handshake(context(bundle), ca, ca));
        }
    }

    @Test
    void onlyTheCasOfCaPemAreTrusted() throws Exception {
        Issued ours = Certs.ca(Kind.RSA, "our-ca");
        Issued other = Certs.ca(Kind.RSA, "other-ca");
        Path bundle = Certs.dockerCertPath(dir.resolve("b"), ours, Certs.client(ours, Kind.EC, "exporter"));
        assertThrows(SSLHandshakeException.class, () -> handshake(context(bundle), other, ours));
    }

    @Test
    void anUnusableFileIsNamedAndNothingOfItsContentShown() throws Exception {
        Issued ca = Certs.ca(Kind.RSA, "ca");
        Issued client = Certs.client(ca, Kind.RSA, "exporter");
        Path bundle = Certs.dockerCertPath(dir.resolve("b"), ca, client);

        Certs.write(bundle.resolve("key.pem"), Certs.traditionalKey(Certs.keys(Kind.RSA)));
        assertEquals(
                "key.pem is not the private key of the certificate in cert.pem",
                assertThrows(Pem.PemException.class, () -> context(bundle)).getMessage());

        String key = Certs.traditionalKey(client.keys());
        Certs.write(bundle.resolve("key.pem"), key.substring(0, key.length() / 2));
        String broken =
                assertThrows(Pem.PemException.class, () -> context(bundle)).getMessage();
        assertTrue(broken.startsWith("key.pem "), broken);
        assertFalse(
                broken.contains(key.lines().skip(1).findFirst().orElseThrow().substring(0, 20)), broken);

        Certs.write(bundle.resolve("key.pem"), key);
        Files.writeString(bundle.resolve("ca.pem"), "not a certificate\n");
        assertEquals(
                "ca.pem holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                assertThrows(Pem.PemException.class, () -> context(bundle)).getMessage());
    }
}
