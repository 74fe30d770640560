package org.readonlyrootfs.exporter.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.readonlyrootfs.exporter.security.Bcrypt;
import org.readonlyrootfs.exporter.security.ClientAuth;
import org.readonlyrootfs.exporter.security.Pem;
import org.readonlyrootfs.exporter.security.ServerTls;
import org.readonlyrootfs.exporter.security.TlsServerConfig;
import org.readonlyrootfs.exporter.security.TlsVersion;
import org.readonlyrootfs.exporter.security.WebSecurity;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads and validates the web config file, in the format of the Prometheus exporter-toolkit:
 * {@code tls_server_config} ({@code cert_file}, {@code key_file}, {@code client_ca_file}, {@code
 * client_auth_type}, {@code min_version}, {@code max_version}) and {@code basic_auth_users} (user:
 * bcrypt hash). Relative file names are relative to the web config file's folder. Every problem is
 * one line; no line quotes a password hash or a key.
 */
final class WebConfigFile {
    static final String KEY = "web.config.file";
    private static final Set<String> TOP = Set.of("tls_server_config", "basic_auth_users");
    private static final List<String> TLS_KEYS =
            List.of("cert_file", "key_file", "client_ca_file", "client_auth_type", "min_version", "max_version");
    /** exporter-toolkit keys this exporter does not implement: an error, never silently ignored. */
    private static final Set<String> TLS_UNSUPPORTED = Set.of(
            "cipher_suites",
            "curve_preferences",
            "prefer_server_cipher_suites",
            "cert",
            "key",
            "client_ca",
            "client_allowed_sans");

    private static final String BCRYPT_HINT =
            "a bcrypt hash ($2y$, $2b$ or $2a$, e.g. from htpasswd -nBC 10 \"\" | tr -d ':\\n')";
    private static final int MAX_FILE_BYTES = 1 << 20;

    private final Path file;
    private final String prefix;
    private final List<String> problems;

    private WebConfigFile(Path file, List<String> problems) {
        this.file = file;
        this.prefix = KEY + " [" + file + "]: ";
        this.problems = problems;
    }

    /** The validated settings of {@code file}; problems are added to {@code problems}. */
    static WebSecurity read(Path file, List<String> problems) {
        return new WebConfigFile(file, problems).read();
    }

    private WebSecurity read() {
        Object root;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                problems.add(prefix + "must be at most 1 MiB, got [" + Files.size(file) + " bytes]");
                return WebSecurity.NONE;
            }
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            options.setMaxAliasesForCollections(20);
            options.setAllowRecursiveKeys(false);
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                root = new Yaml(new SafeConstructor(options)).load(r);
            }
        } catch (MarkedYAMLException e) {
            // the problem alone: the exception's own message quotes lines of the file, which may hold hashes
            Mark m = e.getProblemMark();
            problems.add(prefix + "cannot be parsed as YAML"
                    + (m == null ? "" : " at line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1)) + ": "
                    + ConfigLoader.oneLine(e.getProblem()));
            return WebSecurity.NONE;
        } catch (YAMLException | IOException e) {
            problems.add(prefix + "cannot be read as YAML (" + e.getClass().getSimpleName() + ")");
            return WebSecurity.NONE;
        }
        if (root == null) {
            return new WebSecurity(
                    file.toString(), Optional.empty(), Map.of()); // empty file: as the toolkit, no TLS, no auth
        }
        if (!(root instanceof Map<?, ?> top)) {
            problems.add(prefix + "must be a YAML mapping with tls_server_config and basic_auth_users, got [a "
                    + kind(root) + "]");
            return WebSecurity.NONE;
        }
        for (Object k : top.keySet()) {
            if (!TOP.contains(String.valueOf(k))) {
                problems.add(prefix + "unknown key [" + k + "]: the keys are basic_auth_users, tls_server_config"
                        + (String.valueOf(k).equals("http_server_config")
                                ? " (http_server_config is not supported)"
                                : ""));
            }
        }
        Optional<TlsServerConfig> tls = tls(top.get("tls_server_config"));
        Map<String, String> users = users(top.get("basic_auth_users"));
        return new WebSecurity(file.toString(), tls, users);
    }

    private Optional<TlsServerConfig> tls(Object node) {
        if (node == null) {
            return Optional.empty();
        }
        if (!(node instanceof Map<?, ?> m)) {
            problems.add(prefix + "tls_server_config must be a mapping, got [a " + kind(node) + "]");
            return Optional.empty();
        }
        for (Object k : m.keySet()) {
            String key = String.valueOf(k);
            if (TLS_UNSUPPORTED.contains(key)) {
                problems.add(prefix + "tls_server_config." + key + " is not supported by this exporter: remove it ("
                        + (Set.of("cert", "key", "client_ca").contains(key)
                                ? "use " + key + "_file"
                                : "the JVM's defaults apply")
                        + ")");
            } else if (!TLS_KEYS.contains(key)) {
                problems.add(prefix + "unknown key [tls_server_config." + key + "]: the keys are "
                        + String.join(", ", TLS_KEYS));
            }
        }
        String cert = scalar(m, "cert_file");
        String key = scalar(m, "key_file");
        String ca = scalar(m, "client_ca_file");
        String authText = scalar(m, "client_auth_type");
        String minText = scalar(m, "min_version");
        String maxText = scalar(m, "max_version");
        if (cert.isEmpty() && key.isEmpty() && ca.isEmpty() && authText.isEmpty()) {
            return Optional.empty(); // as the toolkit: nothing set, plain HTTP
        }
        int before = problems.size();
        if (cert.isEmpty()) {
            problems.add(prefix + "tls_server_config.cert_file must be set when TLS is configured, got []");
        }
        if (key.isEmpty()) {
            problems.add(prefix + "tls_server_config.key_file must be set when TLS is configured, got []");
        }
        ClientAuth auth = authText.isEmpty() ? ClientAuth.NO_CLIENT_CERT : ClientAuth.of(authText);
        if (auth == null) {
            problems.add(prefix + "tls_server_config.client_auth_type must be one of NoClientCert, RequestClientCert,"
                    + " RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert, got [" + authText
                    + "]");
        } else if (auth.verified() && ca.isEmpty()) {
            problems.add(prefix + "tls_server_config.client_ca_file must be set when client_auth_type is "
                    + auth.label() + ", got []");
        } else if (!ca.isEmpty() && auth == ClientAuth.NO_CLIENT_CERT) {
            problems.add(prefix + "tls_server_config.client_auth_type must be VerifyClientCertIfGiven or"
                    + " RequireAndVerifyClientCert when client_ca_file is set, got ["
                    + (authText.isEmpty() ? "NoClientCert (the default)" : authText) + "]");
        }
        TlsVersion min = version("min_version", minText, TlsVersion.TLS12);
        TlsVersion max = maxText.isEmpty() ? null : version("max_version", maxText, null);
        if (min != null && max != null && max.compareTo(min) < 0) {
            problems.add(prefix + "tls_server_config.max_version must be at least min_version (" + min.label()
                    + "), got [" + max.label() + "]");
        }
        Path certPath = cert.isEmpty() ? null : resolve(cert);
        Path keyPath = key.isEmpty() ? null : resolve(key);
        Path caPath = ca.isEmpty() ? null : resolve(ca);
        X509Certificate leaf = null;
        PrivateKey privateKey = null;
        if (certPath != null) {
            try {
                leaf = Pem.certificates(certPath).get(0);
            } catch (Pem.PemException e) {
                problems.add(prefix + "tls_server_config.cert_file must be a readable PEM certificate, got [" + cert
                        + "] (" + e.getMessage() + ")");
            }
        }
        if (keyPath != null) {
            try {
                privateKey = Pem.privateKey(keyPath);
            } catch (Pem.PemException e) {
                problems.add(prefix + "tls_server_config.key_file must be a readable unencrypted PEM private key"
                        + " (RSA or EC), got [" + key + "] (" + e.getMessage() + ")");
            }
        }
        if (leaf != null && privateKey != null && !Pem.matches(privateKey, leaf.getPublicKey())) {
            problems.add(prefix + "tls_server_config.key_file must be the private key of cert_file, got [" + key
                    + "] (it does not match the certificate's public key)");
        }
        if (caPath != null) {
            try {
                Pem.certificates(caPath);
            } catch (Pem.PemException e) {
                problems.add(prefix + "tls_server_config.client_ca_file must be a readable PEM file of CA certificates,"
                        + " got [" + ca + "] (" + e.getMessage() + ")");
            }
        }
        if (problems.size() > before || auth == null || min == null) {
            return Optional.empty();
        }
        TlsServerConfig c = new TlsServerConfig(
                certPath, keyPath, Optional.ofNullable(caPath), auth, min, Optional.ofNullable(max));
        try {
            ServerTls.context(c); // everything loads: a broken file fails here, at start, not at the first scrape
        } catch (Pem.PemException | GeneralSecurityException e) {
            problems.add(prefix + "tls_server_config must give a usable certificate and key, got [" + cert + ", " + key
                    + "] (" + e.getClass().getSimpleName() + ")");
            return Optional.empty();
        }
        return Optional.of(c);
    }

    private TlsVersion version(String key, String text, TlsVersion fallback) {
        if (text.isEmpty()) {
            return fallback;
        }
        TlsVersion v = TlsVersion.of(text);
        if (v == null) {
            problems.add(prefix + "tls_server_config." + key + " must be one of TLS10, TLS11, TLS12, TLS13, got ["
                    + text + "]");
        }
        return v;
    }

    private Map<String, String> users(Object node) {
        if (node == null) {
            return Map.of();
        }
        if (!(node instanceof Map<?, ?> m)) {
            problems.add(prefix + "basic_auth_users must be a mapping of user name to bcrypt hash, got [a " + kind(node)
                    + "]");
            return Map.of();
        }
        Map<String, String> users = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String user = String.valueOf(e.getKey());
            Object v = e.getValue();
            if (user.isEmpty() || user.contains(":") || user.chars().anyMatch(ch -> ch < 0x20)) {
                problems.add(prefix + "basic_auth_users user names must be non-empty without ':' or control"
                        + " characters, got [" + user.replaceAll("\\p{Cntrl}", "?") + "]");
            } else if (!(v instanceof String hash) || !Bcrypt.isHash(hash)) {
                // never echo the value: it may be a password typed in by mistake
                problems.add(prefix + "basic_auth_users." + user + " must be " + BCRYPT_HINT + ", got [a value that is "
                        + "not shown: "
                        + (v == null
                                ? "empty"
                                : kind(v) + " of " + String.valueOf(v).length() + " characters") + "]");
            } else {
                users.put(user, hash);
            }
        }
        return users;
    }

    private String scalar(Map<?, ?> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            return "";
        }
        if (v instanceof Map || v instanceof List) {
            problems.add(prefix + "tls_server_config." + key + " must be a string, got [a " + kind(v) + "]");
            return "";
        }
        return String.valueOf(v).trim();
    }

    private Path resolve(String name) {
        Path p = Path.of(name);
        Path dir = file.toAbsolutePath().getParent();
        return p.isAbsolute() || dir == null ? p : dir.resolve(p);
    }

    private static String kind(Object o) {
        if (o instanceof Map) {
            return "mapping";
        }
        if (o instanceof List) {
            return "list";
        }
        return o instanceof String ? "string" : o.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }
}
