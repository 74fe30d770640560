package org.readonlyrootfs.exporter.security;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * bcrypt password hashes as {@code htpasswd -nBC 10} writes them ({@code $2y$}), and the {@code
 * $2a$} / {@code $2b$} of other tools: the three are the same algorithm.
 */
public final class Bcrypt {
    private static final Pattern HASH = Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");

    private Bcrypt() {}

    /** Whether {@code s} is a bcrypt hash with a cost from 4 to 31. */
    public static boolean isHash(String s) {
        return s != null && HASH.matcher(s).matches();
    }

    /** The cost factor of a valid hash. */
    public static int cost(String hash) {
        return Integer.parseInt(hash.substring(4, 6));
    }

    /**
     * Whether {@code password} (UTF-8) matches {@code hash}. False, never an exception, for a malformed
     * hash or a password over bcrypt's 72 bytes.
     */
    public static boolean verify(String password, String hash) {
        if (!isHash(hash)) {
            return false;
        }
        try {
            return BCrypt.verifyer()
                    .verify(password.getBytes(StandardCharsets.UTF_8), hash.getBytes(StandardCharsets.US_ASCII))
                    .verified;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
