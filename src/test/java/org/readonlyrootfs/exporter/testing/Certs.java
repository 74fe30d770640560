package org.readonlyrootfs.exporter.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Test certificates made on the fly with BouncyCastle: a CA, and server and client certificates it
 * signs, RSA 2048 or EC prime256v1 (as in an MKE client bundle). Keys are written the way OpenSSL
 * and MKE write them ({@code RSA PRIVATE KEY} / {@code EC PRIVATE KEY}) or as PKCS#8.
 */
public final class Certs {
    public enum Kind {
        RSA,
        EC
    }

    /** A certificate and its key pair. */
    public record Issued(X509Certificate cert, KeyPair keys) {
        public SSLContext clientContext(Issued ca) {
            return Certs.context(this, ca);
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private Certs() {}

    public static KeyPair keys(Kind kind) {
        try {
            KeyPairGenerator g;
            if (kind == Kind.RSA) {
                g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048, RANDOM);
            } else {
                g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    public static Issued ca(Kind kind, String name) {
        KeyPair k = keys(kind);
        return new Issued(build(name, k, name, k, true, null, null), k);
    }

    /** A server certificate for 127.0.0.1 and localhost. */
    public static Issued server(Issued ca, Kind kind) {
        KeyPair k = keys(kind);
        return new Issued(
                build(
                        "127.0.0.1",
                        k,
                        subject(ca),
                        ca.keys(),
                        false,
                        KeyPurposeId.id_kp_serverAuth,
                        new GeneralNames(new GeneralName[] {
                            new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                            new GeneralName(GeneralName.dNSName, "localhost")
                        })),
                k);
    }

    public static Issued client(Issued ca, Kind kind, String name) {
        KeyPair k = keys(kind);
        return new Issued(build(name, k, subject(ca), ca.keys(), false, KeyPurposeId.id_kp_clientAuth, null), k);
    }

    private static String subject(Issued ca) {
        return ca.cert().getSubjectX500Principal().getName().replaceFirst("^CN=", "");
    }

    private static X509Certificate build(
            String cn,
            KeyPair subjectKeys,
            String issuerCn,
            KeyPair issuerKeys,
            boolean isCa,
            KeyPurposeId purpose,
            GeneralNames sans) {
        try {
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    new X500Name("CN=" + issuerCn),
                    new BigInteger(64, RANDOM),
                    Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(2))),
                    new X500Name("CN=" + cn),
                    subjectKeys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
            b.addExtension(
                    Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKeys.getPublic()));
            b.addExtension(
                    Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
            if (isCa) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                b.addExtension(
                        Extension.keyUsage,
                        true,
                        new KeyUsage(KeyUsage.digitalSignature
                                | (subjectKeys.getPublic().getAlgorithm().equals("RSA")
                                        ? KeyUsage.keyEncipherment
                                        : 0)));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            }
            if (sans != null) {
                b.addExtension(Extension.subjectAlternativeName, false, sans);
            }
            String alg = issuerKeys.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            ContentSigner signer = new JcaContentSignerBuilder(alg).build(issuerKeys.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (Exception e) {
            throw new AssertionError("cannot make a certificate: " + e, e);
        }
    }

    public static String pem(Object o) {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return s.toString();
    }

    /** The key as OpenSSL's traditional format: {@code RSA PRIVATE KEY} (PKCS#1) or {@code EC PRIVATE KEY} (SEC1). */
    public static String traditionalKey(KeyPair k) {
        if (!k.getPrivate().getAlgorithm().equals("EC")) {
            return pem(k.getPrivate());
        }
        // as openssl writes it: with the curve and the public key (the JDK's own encoding leaves both out)
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(k.getPrivate().getEncoded());
            org.bouncycastle.asn1.sec.ECPrivateKey inner =
                    org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
            SubjectPublicKeyInfo spki =
                    SubjectPublicKeyInfo.getInstance(k.getPublic().getEncoded());
            byte[] der = new org.bouncycastle.asn1.sec.ECPrivateKey(
                            256,
                            inner.getKey(),
                            spki.getPublicKeyData(),
                            info.getPrivateKeyAlgorithm().getParameters())
                    .getEncoded();
            return pem(new PemObject("EC PRIVATE KEY", der));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The key as PKCS#8 {@code PRIVATE KEY}. */
    public static String pkcs8Key(KeyPair k) {
        try {
            return pem(new JcaPKCS8Generator(k.getPrivate(), null));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    public static Path write(Path file, String content) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, content);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code ca.pem}, {@code cert.pem}, {@code key.pem} into {@code dir}, as DOCKER_CERT_PATH wants them. */
    public static Path dockerCertPath(Path dir, Issued ca, Issued client) {
        write(dir.resolve("ca.pem"), pem(ca.cert()));
        write(dir.resolve("cert.pem"), pem(client.cert()));
        write(dir.resolve("key.pem"), traditionalKey(client.keys()));
        return dir;
    }

    /** An SSL context that trusts {@code ca} and, if {@code self} is not null, presents it as client certificate. */
    public static SSLContext context(Issued self, Issued ca) {
        try {
            char[] pw = "test".toCharArray();
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca.cert());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (self != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("me", self.keys().getPrivate(), pw, new X509Certificate[] {self.cert()});
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, pw);
            }
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), RANDOM);
            return c;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
