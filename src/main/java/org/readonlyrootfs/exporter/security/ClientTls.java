package org.readonlyrootfs.exporter.security;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The client side of mutual TLS, from PEM files as the docker CLI reads them from {@code DOCKER_CERT_PATH}
 * (an MKE client bundle is the same three files): trust only the CAs of one file, present the
 * certificate chain and key of two others. RSA or EC keys; PKCS#1, SEC1 or PKCS#8.
 */
public final class ClientTls {
    private ClientTls() {}

    /**
     * @param caFile   every certificate in it is trusted to sign the server's certificate (nothing else is)
     * @param certFile the client certificate, optionally followed by its chain
     * @param keyFile  the client certificate's private key, unencrypted
     * @throws Pem.PemException a file is unusable; the message starts with its name and holds none of its content
     */
    public static SSLContext context(Path caFile, Path certFile, Path keyFile)
            throws Pem.PemException, GeneralSecurityException {
        List<X509Certificate> cas = named(caFile, () -> Pem.certificates(caFile));
        List<X509Certificate> chain = named(certFile, () -> Pem.certificates(certFile));
        PrivateKey key = named(keyFile, () -> Pem.privateKey(keyFile));
        if (!Pem.matches(key, chain.get(0).getPublicKey())) {
            throw new Pem.PemException(
                    keyFile.getFileName() + " is not the private key of the certificate in " + certFile.getFileName());
        }
        char[] password = new char[16];
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < password.length; i++) {
            password[i] = (char) ('a' + random.nextInt(26));
        }
        KeyStore keys = emptyStore();
        keys.setKeyEntry("client", key, password, chain.toArray(X509Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        Arrays.fill(password, '\0');

        KeyStore trusted = emptyStore();
        int i = 0;
        for (X509Certificate ca : cas) {
            trusted.setCertificateEntry("ca-" + i++, ca);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);

        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), random);
        return context;
    }

    private interface PemRead<T> {
        T read() throws Pem.PemException;
    }

    /** Prefixes a file's problem with its name: "key.pem is not valid PEM (IOException)". */
    private static <T> T named(Path file, PemRead<T> read) throws Pem.PemException {
        try {
            return read.read();
        } catch (Pem.PemException e) {
            throw new Pem.PemException(file.getFileName() + " " + e.getMessage());
        }
    }

    private static KeyStore emptyStore() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException("cannot create an in-memory key store", e);
        }
        return store;
    }
}
