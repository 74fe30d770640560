package org.readonlyrootfs.exporter.security;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads PEM certificates and private keys (RSA or EC; PKCS#1, SEC1 or PKCS#8) as OpenSSL, the Go
 * exporters and MKE client bundles write them. Messages name the file, never its content: a key
 * file's bytes must not reach a log.
 */
public final class Pem {
    private Pem() {}

    /** Why a file could not be used; the message is one line and holds no file content. */
    public static final class PemException extends Exception {
        public PemException(String message) {
            super(message);
        }
    }

    /** Every certificate in the file, in order (a leaf and its chain, or a CA bundle); at least one. */
    public static List<X509Certificate> certificates(Path file) throws PemException {
        List<X509Certificate> certs = new ArrayList<>();
        for (Object o : objects(file)) {
            if (o instanceof X509CertificateHolder h) {
                try {
                    certs.add(new JcaX509CertificateConverter().getCertificate(h));
                } catch (GeneralSecurityException e) {
                    throw new PemException("holds a certificate that cannot be decoded ("
                            + e.getClass().getSimpleName() + ")");
                }
            }
        }
        if (certs.isEmpty()) {
            throw new PemException("holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return certs;
    }

    /** The one private key in the file: unencrypted RSA or EC. */
    public static PrivateKey privateKey(Path file) throws PemException {
        List<PrivateKey> keys = new ArrayList<>();
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        for (Object o : objects(file)) {
            try {
                if (o instanceof PEMKeyPair pair) {
                    keys.add(converter.getPrivateKey(pair.getPrivateKeyInfo())); // SEC1 may lack the public half
                } else if (o instanceof PrivateKeyInfo info) {
                    keys.add(converter.getPrivateKey(info));
                } else if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new PemException(
                            "holds an encrypted private key: decrypt it first (e.g. openssl pkey -in FILE)");
                }
            } catch (org.bouncycastle.openssl.PEMException e) {
                throw new PemException("holds a private key that cannot be decoded ("
                        + e.getClass().getSimpleName() + ")");
            }
        }
        if (keys.size() != 1) {
            throw new PemException(
                    keys.isEmpty()
                            ? "holds no unencrypted PEM private key (RSA or EC; PKCS#1, SEC1 or PKCS#8)"
                            : "holds " + keys.size() + " private keys, expected one");
        }
        PrivateKey key = keys.get(0);
        if (!(key instanceof RSAKey) && !(key instanceof ECKey)) {
            throw new PemException("holds a " + key.getAlgorithm() + " private key, expected RSA or EC");
        }
        return key;
    }

    /** Whether {@code key} is the private half of {@code publicKey}: a signature made with one verifies with the other. */
    public static boolean matches(PrivateKey key, PublicKey publicKey) {
        String algorithm = key instanceof ECKey ? "SHA256withECDSA" : "SHA256withRSA";
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())
                && !(key instanceof ECKey && publicKey instanceof ECKey)) {
            return false;
        }
        try {
            byte[] probe = "readonly-rootfs-exporter key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static List<Object> objects(Path file) throws PemException {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new PemException("is not a readable file");
        }
        List<Object> out = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(r)) {
            Object o;
            while ((o = parser.readObject()) != null) {
                out.add(o);
            }
        } catch (IOException | RuntimeException e) {
            // BouncyCastle's messages may quote what it read: say only what kind of failure it was
            throw new PemException("is not valid PEM (" + e.getClass().getSimpleName() + ")");
        }
        return out;
    }
}
