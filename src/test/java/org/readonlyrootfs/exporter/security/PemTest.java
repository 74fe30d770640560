package org.readonlyrootfs.exporter.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.PrivateKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.testing.Certs;
import org.readonlyrootfs.exporter.testing.Certs.Issued;
import org.readonlyrootfs.exporter.testing.Certs.Kind;

class PemTest {
    @Test
    void readsRsaAndEcKeysInEveryCommonFormat(@TempDir Path dir) throws Exception {
        for (Kind kind : Kind.values()) {
            Issued ca = Certs.ca(kind, "ca");
            Issued leaf = Certs.server(ca, kind);
            Path chain = Certs.write(dir.resolve(kind + "-chain.pem"), Certs.pem(leaf.cert()) + Certs.pem(ca.cert()));
            assertEquals(2, Pem.certificates(chain).size());
            for (String key : new String[] {Certs.traditionalKey(leaf.keys()), Certs.pkcs8Key(leaf.keys())}) {
                Path file = Certs.write(dir.resolve(kind + "-key.pem"), key);
                PrivateKey k = Pem.privateKey(file);
                assertTrue(
                        Pem.matches(k, leaf.cert().getPublicKey()),
                        kind + " " + key.lines().findFirst().orElseThrow());
                assertFalse(Pem.matches(k, ca.cert().getPublicKey()));
            }
        }
        // openssl ecparam -genkey writes the curve's parameters before the key
        Issued ec = Certs.server(Certs.ca(Kind.EC, "ca"), Kind.EC);
        Path withParams = Certs.write(
                dir.resolve("ecparam.pem"),
                "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
                        + Certs.traditionalKey(ec.keys()));
        assertTrue(Pem.matches(Pem.privateKey(withParams), ec.cert().getPublicKey()));
    }

    @Test
    void failuresNameNoContent(@TempDir Path dir) {
        Issued leaf = Certs.server(Certs.ca(Kind.RSA, "ca"), Kind.RSA);
        String key = Certs.traditionalKey(leaf.keys());
        String secretLine = key.lines().skip(3).findFirst().orElseThrow();
        Path broken = Certs.write(dir.resolve("broken.pem"), key.replace(secretLine, secretLine.substring(5)));
        Pem.PemException e = assertThrows(Pem.PemException.class, () -> Pem.privateKey(broken));
        assertFalse(e.getMessage().contains(secretLine.substring(10, 30)), e.getMessage());
        Path certAsKey = Certs.write(dir.resolve("cert.pem"), Certs.pem(leaf.cert()));
        assertTrue(assertThrows(Pem.PemException.class, () -> Pem.privateKey(certAsKey))
                .getMessage()
                .contains("no unencrypted PEM private key"));
        Path keyAsCert = Certs.write(dir.resolve("key.pem"), key);
        assertTrue(assertThrows(Pem.PemException.class, () -> Pem.certificates(keyAsCert))
                .getMessage()
                .contains("no PEM certificate"));
        assertTrue(assertThrows(Pem.PemException.class, () -> Pem.certificates(dir.resolve("none.pem")))
                .getMessage()
                .contains("not a readable file"));
    }
}
