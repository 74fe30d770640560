package org.readonlyrootfs.exporter.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A TLS endpoint on 127.0.0.1 that requires a client certificate and relays every connection to a
 * Docker daemon's unix socket: the shape of MKE's API proxy, reached with a client bundle. {@link
 * #start} makes, with {@code openssl}, a CA, a server certificate for 127.0.0.1 and a client bundle
 * ({@code ca.pem}, {@code cert.pem}, {@code key.pem}) with EC P-256 keys (SEC1 PEM).
 */
public final class TlsUnixProxy implements AutoCloseable {
    private static final char[] PASSWORD = "changeit".toCharArray();

    private final SSLServerSocket server;
    private final Path bundle;
    private final Thread acceptor;

    private TlsUnixProxy(SSLServerSocket server, Path bundle, Path unixSocket) {
        this.server = server;
        this.bundle = bundle;
        this.acceptor = new Thread(() -> acceptLoop(unixSocket), "tls-unix-proxy");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /** Makes the certificates under {@code dir} and listens on a free loopback port. */
    public static TlsUnixProxy start(Path unixSocket, Path folder) {
        Path dir = folder.toAbsolutePath();
        try {
            Path bundle = dir.resolve("bundle");
            Files.createDirectories(bundle);
            Path ca = bundle.resolve("ca.pem");
            openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca-key.pem");
            openssl(
                    dir,
                    "req",
                    "-x509",
                    "-new",
                    "-key",
                    "ca-key.pem",
                    "-subj",
                    "/CN=rre test CA",
                    "-days",
                    "2",
                    "-out",
                    ca.toString());
            issue(dir, "server", "127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n", ca);
            issue(dir, "client", "rre-client", "extendedKeyUsage=clientAuth\n", ca);
            Files.copy(dir.resolve("client-cert.pem"), bundle.resolve("cert.pem"));
            Files.copy(dir.resolve("client-key.pem"), bundle.resolve("key.pem"));
            openssl(
                    dir,
                    "pkcs12",
                    "-export",
                    "-in",
                    "server-cert.pem",
                    "-inkey",
                    "server-key.pem",
                    "-out",
                    "server.p12",
                    "-passout",
                    "pass:" + new String(PASSWORD));

            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
                keys.load(in, PASSWORD);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, PASSWORD);
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            try (InputStream in = Files.newInputStream(ca)) {
                Certificate caCert = CertificateFactory.getInstance("X.509").generateCertificate(in);
                trust.setCertificateEntry("ca", caCert);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            SSLServerSocket server = (SSLServerSocket)
                    tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
            server.setNeedClientAuth(true);
            return new TlsUnixProxy(server, bundle, unixSocket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError("cannot set up TLS: " + e, e);
        }
    }

    private static void issue(Path dir, String name, String cn, String extensions, Path ca) throws IOException {
        openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", name + "-key.pem");
        openssl(dir, "req", "-new", "-key", name + "-key.pem", "-subj", "/CN=" + cn, "-out", name + ".csr");
        Files.writeString(dir.resolve(name + ".ext"), extensions);
        openssl(
                dir,
                "x509",
                "-req",
                "-in",
                name + ".csr",
                "-CA",
                ca.toString(),
                "-CAkey",
                "ca-key.pem",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                name + ".ext",
                "-out",
                name + "-cert.pem");
    }

    private static void openssl(Path dir, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(
                "sh",
                "-c",
                "cd \"$0\" && exec \"$@\"",
                dir.toString(),
                Tools.require("openssl").toString()));
        cmd.addAll(List.of(args));
        Tools.Run r = Tools.run(cmd, null, 60);
        if (r.exitCode() != 0) {
            throw new AssertionError("openssl " + String.join(" ", args) + " failed: " + r.stderr());
        }
    }

    /** {@code tcp://127.0.0.1:<port>} */
    public String host() {
        return "tcp://127.0.0.1:" + server.getLocalPort();
    }

    /** The folder with {@code ca.pem}, {@code cert.pem} and {@code key.pem}. */
    public Path bundle() {
        return bundle;
    }

    private void acceptLoop(Path unixSocket) {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                SocketChannel daemon = SocketChannel.open(UnixDomainSocketAddress.of(unixSocket));
                Thread up = new Thread(() -> relay(client, daemon, true), "tls-unix-proxy-up");
                Thread down = new Thread(() -> relay(client, daemon, false), "tls-unix-proxy-down");
                up.setDaemon(true);
                down.setDaemon(true);
                up.start();
                down.start();
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    /**
     * Copies one direction. The client's end of its requests half-closes the daemon side; the daemon's
     * end (or any error) closes both. The channel is read and written directly: {@code Channels}'
     * streams would share one lock between the two directions.
     */
    private static void relay(Socket client, SocketChannel daemon, boolean toDaemon) {
        ByteBuffer buffer = ByteBuffer.allocate(16384);
        try {
            if (toDaemon) {
                InputStream in = client.getInputStream();
                int n;
                while ((n = in.read(buffer.array())) >= 0) {
                    buffer.clear().limit(n);
                    while (buffer.hasRemaining()) {
                        daemon.write(buffer);
                    }
                }
                daemon.shutdownOutput();
                return;
            }
            OutputStream out = client.getOutputStream();
            while (daemon.read(buffer.clear()) >= 0) {
                out.write(buffer.array(), 0, buffer.position());
                out.flush();
            }
        } catch (IOException ignored) {
            // the other side went away
        }
        closeQuietly(client);
        closeQuietly(daemon);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        closeQuietly(server);
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
