package org.readonlyrootfs.exporter.security;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/** The server side of TLS for the HTTP endpoints, built from a validated {@link TlsServerConfig}. */
public final class ServerTls {
    private ServerTls() {}

    /** The SSL context: our certificate and key, and the client CA (or accept-any for the unverified policies). */
    public static SSLContext context(TlsServerConfig c) throws Pem.PemException, GeneralSecurityException {
        X509ExtendedTrustManager trust = trustManager(c);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(
                new KeyManager[] {keyManager(c)},
                trust == null ? null : new TrustManager[] {trust},
                new SecureRandom());
        return context;
    }

    /** Our certificate and key, loaded from the files now. */
    static X509ExtendedKeyManager keyManager(TlsServerConfig c) throws Pem.PemException, GeneralSecurityException {
        List<X509Certificate> chain = Pem.certificates(c.certFile());
        PrivateKey key = Pem.privateKey(c.keyFile());
        if (!Pem.matches(key, chain.get(0).getPublicKey())) {
            throw new Pem.PemException("private key does not match the certificate's public key");
        }
        char[] password = randomPassword();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try {
            keys.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("cannot create an in-memory key store", e);
        }
        keys.setKeyEntry("server", key, password, chain.toArray(X509Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        Arrays.fill(password, '\0');
        for (KeyManager km : kmf.getKeyManagers()) {
            if (km instanceof X509ExtendedKeyManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("the JVM's key manager factory gives no X.509 key manager");
    }

    /**
     * How client certificates are checked: against the client CA for the verified policies, taken as
     * given for the unverified ones; null when none is asked for.
     */
    static X509ExtendedTrustManager trustManager(TlsServerConfig c) throws Pem.PemException, GeneralSecurityException {
        if (c.clientAuth().verified()) {
            KeyStore cas = KeyStore.getInstance("PKCS12");
            try {
                cas.load(null, null);
            } catch (java.io.IOException e) {
                throw new GeneralSecurityException("cannot create an in-memory trust store", e);
            }
            int i = 0;
            for (X509Certificate ca : Pem.certificates(c.clientCaFile().orElseThrow())) {
                cas.setCertificateEntry("ca-" + i++, ca);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(cas);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    return x;
                }
            }
            throw new GeneralSecurityException("the JVM's trust manager factory gives no X.509 trust manager");
        }
        return c.clientAuth() == ClientAuth.NO_CLIENT_CERT ? null : new AcceptAnyClient();
    }

    /** The protocols from min to max version that this JVM supports, highest first. */
    static List<String> protocols(TlsServerConfig c, SSLContext context) {
        List<String> supported =
                Arrays.asList(context.getSupportedSSLParameters().getProtocols());
        List<String> out = new ArrayList<>();
        TlsVersion[] all = TlsVersion.values();
        for (int i = all.length - 1; i >= 0; i--) {
            TlsVersion v = all[i];
            boolean inRange = v.compareTo(c.minVersion()) >= 0
                    && c.maxVersion().map(m -> v.compareTo(m) <= 0).orElse(true);
            if (inRange && supported.contains(v.protocol())) {
                out.add(v.protocol());
            }
        }
        return out;
    }

    private static char[] randomPassword() {
        SecureRandom r = new SecureRandom();
        char[] p = new char[24];
        for (int i = 0; i < p.length; i++) {
            p[i] = (char) ('a' + r.nextInt(26));
        }
        return p;
    }

    /** RequestClientCert / RequireAnyClientCert: a client certificate is taken as given, never verified. */
    private static final class AcceptAnyClient extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType)
                throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("a server-side trust manager verifies no servers");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws java.security.cert.CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws java.security.cert.CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
