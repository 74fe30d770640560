package org.readonlyrootfs.exporter.http;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.readonlyrootfs.exporter.product.BuildInfo;
import org.readonlyrootfs.exporter.security.Bcrypt;

/**
 * HTTP basic authentication against the bcrypt hashes of the web config file. Wrong or missing
 * credentials get 401 with {@code WWW-Authenticate} and no body (the JDK server sends none for a
 * failed authentication). Nothing here logs: neither user names nor passwords.
 *
 * <p>bcrypt is slow on purpose (cost 10 is tens of milliseconds), so, as the exporter-toolkit does, a
 * password that verified once is remembered, as a salted SHA-256, per user and hash: Prometheus sends
 * the same credentials on every scrape. An unknown user costs one bcrypt comparison too, so timing
 * does not tell which users exist.
 */
final class BasicAuth extends Authenticator {
    private static final String REALM = BuildInfo.NAME;
    /** Compared against for unknown users so they take as long as known ones (a hash of a random password). */
    private static final String DUMMY_HASH = "$2y$10$METJDCytFHKSvsvLcKccQ.VlW5nLW6168ol/Tl9X442nK0gkcOi.2";

    private final Map<String, String> hashes;
    private final byte[] salt = new byte[32];
    /** user name to the salted digest of the last password that verified against its hash. */
    private final Map<String, byte[]> verified = new ConcurrentHashMap<>();

    BasicAuth(Map<String, String> hashes) {
        this.hashes = Map.copyOf(hashes);
        new SecureRandom().nextBytes(salt);
    }

    @Override
    public Result authenticate(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        String user = null;
        String password = null;
        if (header != null) {
            int sp = header.indexOf(' ');
            if (sp > 0 && header.substring(0, sp).toLowerCase(Locale.ROOT).equals("basic")) {
                try {
                    String decoded = new String(
                            Base64.getDecoder().decode(header.substring(sp + 1).trim()), StandardCharsets.UTF_8);
                    int colon = decoded.indexOf(':');
                    if (colon >= 0) {
                        user = decoded.substring(0, colon);
                        password = decoded.substring(colon + 1);
                    }
                } catch (IllegalArgumentException e) {
                    // not base64: a failure like any other
                }
            }
        }
        if (user != null && check(user, password)) {
            return new Success(new HttpPrincipal(user, REALM));
        }
        exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"");
        return new Failure(401);
    }

    private boolean check(String user, String password) {
        String hash = hashes.get(user);
        if (hash == null) {
            Bcrypt.verify(password, DUMMY_HASH);
            return false;
        }
        byte[] digest = digest(user, hash, password);
        byte[] known = verified.get(user);
        if (known != null && MessageDigest.isEqual(known, digest)) {
            return true;
        }
        if (Bcrypt.verify(password, hash)) {
            verified.put(user, digest);
            return true;
        }
        return false;
    }

    private byte[] digest(String user, String hash, String password) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(salt);
            for (String part : new String[] {user, hash, password}) {
                byte[] b = part.getBytes(StandardCharsets.UTF_8);
                sha.update((byte) (b.length >>> 24));
                sha.update((byte) (b.length >>> 16));
                sha.update((byte) (b.length >>> 8));
                sha.update((byte) b.length);
                sha.update(b);
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }
}
