package org.readonlyrootfs.exporter.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.security.ClientAuth;
import org.readonlyrootfs.exporter.security.TlsServerConfig;
import org.readonlyrootfs.exporter.security.TlsVersion;
import org.readonlyrootfs.exporter.security.WebSecurity;
import org.readonlyrootfs.exporter.testing.Certs;
import org.readonlyrootfs.exporter.testing.Certs.Issued;
import org.readonlyrootfs.exporter.testing.Certs.Kind;

/** The web config file: the exporter-toolkit format, validated at start, every problem one line. */
class WebConfigFileTest {
    /** {@code htpasswd -nbBC 10 alice s3cret} */
    private static final String ALICE = "$2y$10$m4Uv927w69mRXgFuTRrJUek7yctGxrIX.8FBvRri5uBbOw9xMQ4AG";

    @TempDir
    static Path dir;

    @BeforeAll
    static void certificates() {
        Issued ca = Certs.ca(Kind.RSA, "test-ca");
        Issued rsa = Certs.server(ca, Kind.RSA);
        Issued ec = Certs.server(Certs.ca(Kind.EC, "ec-ca"), Kind.EC);
        Certs.write(dir.resolve("tls/ca.pem"), Certs.pem(ca.cert()));
        Certs.write(dir.resolve("tls/server.pem"), Certs.pem(rsa.cert()) + Certs.pem(ca.cert()));
        Certs.write(dir.resolve("tls/server.key"), Certs.traditionalKey(rsa.keys()));
        Certs.write(dir.resolve("tls/ec.pem"), Certs.pem(ec.cert()));
        Certs.write(dir.resolve("tls/ec.key"), Certs.traditionalKey(ec.keys()));
        Certs.write(dir.resolve("tls/ec-pkcs8.key"), Certs.pkcs8Key(ec.keys()));
    }

    private static Path file(String name, String yaml) {
        return Certs.write(dir.resolve(name), yaml);
    }

    private static WebSecurity load(Path file) {
        return new ConfigLoader(Map.of())
                .load(CommandLine.parse("--web.config.file=" + file))
                .web()
                .security();
    }

    private static List<String> problems(Path file) {
        return assertThrows(
                        InvalidConfigException.class,
                        () -> new ConfigLoader(Map.of()).load(CommandLine.parse("--web.config.file=" + file)))
                .problems();
    }

    @Test
    void aFullFileGivesTlsWithClientCertificatesAndUsers() {
        Path f = file("full.yml", """
                # as for any Go exporter
                tls_server_config:
                  cert_file: tls/server.pem
                  key_file: tls/server.key
                  client_ca_file: tls/ca.pem
                  client_auth_type: RequireAndVerifyClientCert
                  min_version: TLS13
                basic_auth_users:
                  alice: $2y$10$m4Uv927w69mRXgFuTRrJUek7yctGxrIX.8FBvRri5uBbOw9xMQ4AG
                  "bob smith": '$2b$10$m4Uv927w69mRXgFuTRrJUek7yctGxrIX.8FBvRri5uBbOw9xMQ4AG'
                """);
        WebSecurity s = load(f);
        assertEquals(f.toString(), s.file());
        TlsServerConfig tls = s.tls().orElseThrow();
        assertEquals(dir.resolve("tls/server.pem"), tls.certFile(), "relative to the web config file");
        assertEquals(Optional.of(dir.resolve("tls/ca.pem")), tls.clientCaFile());
        assertEquals(ClientAuth.REQUIRE_AND_VERIFY_CLIENT_CERT, tls.clientAuth());
        assertEquals(TlsVersion.TLS13, tls.minVersion());
        assertEquals(Optional.empty(), tls.maxVersion());
        assertEquals(
                List.of("alice", "bob smith"),
                s.basicAuthUsers().keySet().stream().sorted().toList());
        assertFalse(s.toString().contains(ALICE.substring(7)), "hashes stay out of toString: " + s);
    }

    @Test
    void ecKeysAsInAnMkeBundleAndDefaultsWork() {
        WebSecurity sec1 =
                load(file("ec.yml", "tls_server_config:\n  cert_file: tls/ec.pem\n  key_file: tls/ec.key\n"));
        assertEquals(TlsVersion.TLS12, sec1.tls().orElseThrow().minVersion(), "the toolkit's default");
        assertEquals(ClientAuth.NO_CLIENT_CERT, sec1.tls().orElseThrow().clientAuth());
        assertTrue(sec1.basicAuthUsers().isEmpty());
        WebSecurity pkcs8 = load(file(
                "ec8.yml",
                "tls_server_config:\n  cert_file: " + dir.resolve("tls/ec.pem") + "\n  key_file: "
                        + dir.resolve("tls/ec-pkcs8.key") + "\n  max_version: TLS12\n"));
        assertEquals(Optional.of(TlsVersion.TLS12), pkcs8.tls().orElseThrow().maxVersion());
    }

    @Test
    void basicAuthAloneAndAnEmptyFileAreFine() {
        WebSecurity auth = load(file("auth.yml", "basic_auth_users:\n  alice: " + ALICE + "\n"));
        assertTrue(auth.tls().isEmpty());
        assertEquals(Map.of("alice", ALICE), auth.basicAuthUsers());
        WebSecurity empty = load(file("empty.yml", "# nothing yet\n"));
        assertTrue(empty.tls().isEmpty() && empty.basicAuthUsers().isEmpty());
        assertEquals(
                WebSecurity.NONE,
                new ConfigLoader(Map.of()).load(CommandLine.parse()).web().security());
    }

    @Test
    void theEnvironmentVariableNamesTheFileToo() {
        Path f = file("env.yml", "basic_auth_users:\n  alice: " + ALICE + "\n");
        WebSecurity s = new ConfigLoader(Map.of("READONLY_ROOTFS_WEB_CONFIG_FILE", f.toString()))
                .load(CommandLine.parse())
                .web()
                .security();
        assertEquals(Map.of("alice", ALICE), s.basicAuthUsers());
    }

    @Test
    void everyProblemIsOneLineAllAtOnceAndNoSecretIsQuoted() {
        Path f = file("bad.yml", """
                tls_server_config:
                  cert_file: tls/missing.pem
                  key_file: tls/ca.pem
                  client_ca_file: tls/ca.pem
                  client_auth_type: VerifyAlways
                  min_version: TLS14
                  cipher_suites: [TLS_AES_128_GCM_SHA256]
                  cert_flie: x
                basic_auth_users:
                  alice: Pl41nTextPassw0rd
                  "a:b": $2y$10$m4Uv927w69mRXgFuTRrJUek7yctGxrIX.8FBvRri5uBbOw9xMQ4AG
                http_server_config:
                  http2: false
                """);
        List<String> p = problems(f);
        String all = String.join("\n", p);
        assertEquals(9, p.size(), all);
        String prefix = "web.config.file [" + f + "]: ";
        assertTrue(p.stream().allMatch(l -> l.startsWith(prefix) && !l.contains("\n")), all);
        assertTrue(
                p.contains(prefix + "unknown key [http_server_config]: the keys are basic_auth_users,"
                        + " tls_server_config (http_server_config is not supported)"),
                all);
        assertTrue(p.stream().anyMatch(l -> l.contains("tls_server_config.cipher_suites is not supported")), all);
        assertTrue(p.stream().anyMatch(l -> l.contains("unknown key [tls_server_config.cert_flie]")), all);
        assertTrue(
                p.stream()
                        .anyMatch(l -> l.contains("client_auth_type must be one of NoClientCert,")
                                && l.endsWith("got [VerifyAlways]")),
                all);
        assertTrue(
                p.stream()
                        .anyMatch(
                                l -> l.contains("min_version must be one of TLS10, TLS11, TLS12, TLS13, got [TLS14]")),
                all);
        assertTrue(
                p.stream()
                        .anyMatch(l -> l.contains("cert_file must be a readable PEM certificate, got [tls/missing.pem]"
                                + " (is not a readable file)")),
                all);
        assertTrue(
                p.stream()
                        .anyMatch(l -> l.contains("key_file must be a readable unencrypted PEM private key (RSA or EC),"
                                + " got [tls/ca.pem] (holds no unencrypted PEM private key")),
                all);
        assertTrue(
                p.stream()
                        .anyMatch(l -> l.contains("basic_auth_users.alice must be a bcrypt hash")
                                && l.contains("got [a value that is not shown: string of 17 characters]")),
                all);
        assertTrue(p.stream().anyMatch(l -> l.contains("user names must be non-empty without ':'")), all);
        assertFalse(all.contains("Pl41nTextPassw0rd") || all.contains(ALICE.substring(7)), all);
    }

    @Test
    void inconsistentTlsSettingsAreRejected() {
        List<String> noKey = problems(file("nokey.yml", "tls_server_config:\n  cert_file: tls/server.pem\n"));
        assertEquals(1, noKey.size(), String.join("\n", noKey));
        assertTrue(noKey.get(0).endsWith("tls_server_config.key_file must be set when TLS is configured, got []"));

        List<String> wrongKey = problems(
                file("wrongkey.yml", "tls_server_config:\n  cert_file: tls/server.pem\n  key_file: tls/ec.key\n"));
        assertEquals(1, wrongKey.size(), String.join("\n", wrongKey));
        assertTrue(wrongKey.get(0).contains("key_file must be the private key of cert_file, got [tls/ec.key]"));

        List<String> caNoPolicy = problems(file(
                "capolicy.yml",
                "tls_server_config:\n  cert_file: tls/server.pem\n"
                        + "  key_file: tls/server.key\n  client_ca_file: tls/ca.pem\n"));
        assertTrue(
                caNoPolicy
                        .get(0)
                        .contains(
                                "client_auth_type must be VerifyClientCertIfGiven or"
                                        + " RequireAndVerifyClientCert when client_ca_file is set, got [NoClientCert (the default)]"),
                caNoPolicy.get(0));

        List<String> policyNoCa = problems(file(
                "policyca.yml",
                "tls_server_config:\n  cert_file: tls/server.pem\n"
                        + "  key_file: tls/server.key\n  client_auth_type: VerifyClientCertIfGiven\n  min_version: TLS13\n"
                        + "  max_version: TLS12\n"));
        assertEquals(2, policyNoCa.size(), String.join("\n", policyNoCa));
        assertTrue(policyNoCa.stream()
                .anyMatch(l -> l.contains(
                        "client_ca_file must be set when client_auth_type is" + " VerifyClientCertIfGiven")));
        assertTrue(policyNoCa.stream()
                .anyMatch(l -> l.contains("max_version must be at least min_version (TLS13), got [TLS12]")));
    }

    @Test
    void yamlSyntaxErrorsAndDuplicatesAreOneLineWithoutTheFilesText() {
        List<String> syntax =
                problems(file("syntax.yml", "basic_auth_users:\n  alice: " + ALICE + "\n  bob: [unclosed\n"));
        assertEquals(1, syntax.size(), String.join("\n", syntax));
        assertTrue(syntax.get(0).contains("cannot be parsed as YAML at line"), syntax.get(0));
        assertFalse(syntax.get(0).contains(ALICE.substring(7)), syntax.get(0));

        List<String> dup =
                problems(file("dup.yml", "basic_auth_users:\n  alice: " + ALICE + "\n  alice: " + ALICE + "\n"));
        assertEquals(1, dup.size(), String.join("\n", dup));
        assertTrue(dup.get(0).contains("duplicate key alice"), dup.get(0));

        List<String> notMap = problems(file("list.yml", "- a\n- b\n"));
        assertTrue(
                notMap.get(0)
                        .endsWith("must be a YAML mapping with tls_server_config and basic_auth_users, got [a list]"),
                notMap.get(0));

        List<String> missing = problems(dir.resolve("nope.yml"));
        assertEquals(
                List.of("readonly-rootfs-exporter.web.config.file must be a readable web config file (YAML), got ["
                        + dir.resolve("nope.yml") + "] (flag --web.config.file)"),
                missing);
    }
}
