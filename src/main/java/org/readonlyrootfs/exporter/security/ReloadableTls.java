package org.readonlyrootfs.exporter.security;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The server side of TLS, with a certificate, key, client CA and policy that a reload can replace while
 * the server runs: one SSL context whose key and trust managers, and one configurator whose protocol
 * range and client certificate policy, read the current generation of the web config file at each new
 * connection. A reload so applies to new connections; open ones keep what they negotiated.
 */
public final class ReloadableTls {
    /** One loaded {@code tls_server_config}. */
    public static final class Loaded {
        private final TlsServerConfig config;
        private final X509ExtendedKeyManager keys;
        private final X509ExtendedTrustManager trust; // null: no client certificate asked for

        private Loaded(TlsServerConfig config, X509ExtendedKeyManager keys, X509ExtendedTrustManager trust) {
            this.config = config;
            this.keys = keys;
            this.trust = trust;
        }
    }

    private record Generation(int id, Loaded tls, List<String> protocols) {}

    private final SSLContext context;
    private volatile Generation current;
    /** The generation before the current one: a handshake that chose its alias just before a swap ends with it. */
    private volatile Generation previous;

    private ReloadableTls(TlsServerConfig config) throws Pem.PemException, GeneralSecurityException {
        Loaded first = load(config);
        context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] {new Keys()}, new TrustManager[] {new Trust()}, new SecureRandom());
        current = new Generation(0, first, ServerTls.protocols(config, context));
        previous = current;
    }

    /** TLS from {@code config}, whose files are read now. */
    public static ReloadableTls of(TlsServerConfig config) throws Pem.PemException, GeneralSecurityException {
        return new ReloadableTls(config);
    }

    /** Reads the files of {@code config}: the first half of a reload, which fails before anything changes. */
    public static Loaded load(TlsServerConfig config) throws Pem.PemException, GeneralSecurityException {
        return new Loaded(config, ServerTls.keyManager(config), ServerTls.trustManager(config));
    }

    /**
     * Makes {@code next} the TLS of every new connection. The server's session cache is emptied, so a
     * client does not resume a cached session made under the old certificate or client CA (a TLS 1.3
     * session ticket, which the server does not hold, may still be resumed within its lifetime).
     */
    public synchronized void apply(Loaded next) {
        Generation old = current;
        previous = old;
        current = new Generation(old.id() + 1, next, ServerTls.protocols(next.config, context));
        SSLSessionContext sessions = context.getServerSessionContext();
        for (byte[] id : Collections.list(sessions.getIds())) {
            var session = sessions.getSession(id);
            if (session != null) {
                session.invalidate();
            }
        }
    }

    /** The configuration now in effect. */
    public TlsServerConfig config() {
        return current.tls().config;
    }

    /** Applies the current protocol range and client certificate policy to every new connection. */
    public HttpsConfigurator configurator() {
        return new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                Generation g = current;
                SSLParameters p = context.getDefaultSSLParameters();
                p.setProtocols(g.protocols().toArray(String[]::new));
                ClientAuth auth = g.tls().config.clientAuth();
                if (auth.required()) {
                    p.setNeedClientAuth(true);
                } else if (auth != ClientAuth.NO_CLIENT_CERT) {
                    p.setWantClientAuth(true);
                }
                params.setSSLParameters(p);
            }
        };
    }

    private Generation generation(String alias) {
        if (alias == null) {
            return null;
        }
        int colon = alias.indexOf(':');
        if (colon < 0) {
            return null;
        }
        String id = alias.substring(0, colon);
        for (Generation g : new Generation[] {current, previous}) {
            if (String.valueOf(g.id()).equals(id)) {
                return g;
            }
        }
        return null;
    }

    private static String tag(Generation g, String alias) {
        return alias == null ? null : g.id() + ":" + alias;
    }

    private static String inner(String alias) {
        return alias.substring(alias.indexOf(':') + 1);
    }

    /** Our certificate and key, of the generation that chose the alias. */
    private final class Keys extends X509ExtendedKeyManager {
        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            Generation g = current;
            String[] aliases = g.tls().keys.getServerAliases(keyType, issuers);
            if (aliases == null) {
                return null;
            }
            String[] out = new String[aliases.length];
            for (int i = 0; i < aliases.length; i++) {
                out[i] = tag(g, aliases[i]);
            }
            return out;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            Generation g = current;
            return tag(g, g.tls().keys.chooseServerAlias(keyType, issuers, socket));
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            Generation g = current;
            return tag(g, g.tls().keys.chooseEngineServerAlias(keyType, issuers, engine));
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            Generation g = generation(alias);
            return g == null ? null : g.tls().keys.getCertificateChain(inner(alias));
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            Generation g = generation(alias);
            return g == null ? null : g.tls().keys.getPrivateKey(inner(alias));
        }
    }

    /** Client certificates, checked by the current generation's policy. */
    private final class Trust extends X509ExtendedTrustManager {
        private X509ExtendedTrustManager delegate() throws CertificateException {
            X509ExtendedTrustManager t = current.tls().trust;
            if (t == null) {
                throw new CertificateException("no client certificate is asked for");
            }
            return t;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate().checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate().checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate().checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a server-side trust manager verifies no servers");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            X509ExtendedTrustManager t = current.tls().trust;
            return t == null ? new X509Certificate[0] : t.getAcceptedIssuers();
        }
    }
}
