package org.readonlyrootfs.exporter.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.testing.Tools;

class BcryptTest {
    /** {@code htpasswd -nbBC 10 alice s3cret} */
    static final String ALICE = "$2y$10$m4Uv927w69mRXgFuTRrJUek7yctGxrIX.8FBvRri5uBbOw9xMQ4AG";
    /** {@code htpasswd -nbBC 4 bob pässwörd} (UTF-8) */
    static final String BOB = "$2y$04$CsDvo9eIdp80t4qcG5wVnuFNsiAsfU/1IyeC/hzqgwXS1ZiLx9iF2";

    @Test
    void htpasswdHashesVerify() {
        assertTrue(Bcrypt.isHash(ALICE));
        assertEquals(10, Bcrypt.cost(ALICE));
        assertTrue(Bcrypt.verify("s3cret", ALICE));
        assertFalse(Bcrypt.verify("s3cret ", ALICE));
        assertFalse(Bcrypt.verify("", ALICE));
        assertTrue(Bcrypt.verify("pässwörd", BOB));
        assertFalse(Bcrypt.verify("passwort", BOB));
    }

    @Test
    void theThreePrefixesAreTheSameAlgorithm() {
        for (String prefix : List.of("$2a$", "$2b$", "$2y$")) {
            String h = prefix + ALICE.substring(4);
            assertTrue(Bcrypt.verify("s3cret", h), prefix);
            assertFalse(Bcrypt.verify("wrong", h), prefix);
        }
    }

    @Test
    void malformedHashesAndOverlongPasswordsAreFalseNotExceptions() {
        for (String bad : List.of(
                "",
                "s3cret",
                "$2x$10$" + ALICE.substring(7),
                "$2y$03$" + ALICE.substring(7),
                "$2y$10$" + ALICE.substring(7, 50),
                "{SHA}abc",
                "$apr1$abc$def")) {
            assertFalse(Bcrypt.isHash(bad), bad);
            assertFalse(Bcrypt.verify("s3cret", bad), bad);
        }
        assertFalse(Bcrypt.verify("x".repeat(100), ALICE));
    }

    @Test
    void aFreshHtpasswdHashVerifies() {
        Tools.Run r = Tools.run(List.of(Tools.require("htpasswd").toString(), "-nbBC", "10", "", "fresh pw"), null, 30);
        assertEquals(0, r.exitCode(), r.stderr());
        String hash = r.stdout().trim().substring(1); // ":$2y$10$..."
        assertTrue(hash.startsWith("$2y$10$"), hash);
        assertTrue(Bcrypt.verify("fresh pw", hash));
        assertFalse(Bcrypt.verify("fresh pw!", hash));
    }
}
