package org.readonlyrootfs.exporter.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.readonlyrootfs.exporter.authz.AuthzMode;
import org.readonlyrootfs.exporter.compliance.Exemption;
import org.readonlyrootfs.exporter.compliance.KubernetesMode;
import org.readonlyrootfs.exporter.docker.DockerEndpoint;
import org.readonlyrootfs.exporter.product.Endpoints;
import org.readonlyrootfs.exporter.security.WebSecurity;

/**
 * Builds the validated {@link ExporterConfig} from, highest first: flags, environment, the config
 * file, and {@code reference.conf}. Every problem is collected and reported at once.
 */
public final class ConfigLoader {
    public static final String NAMESPACE = "readonly-rootfs-exporter";
    public static final String ENV_PREFIX = "READONLY_ROOTFS_";
    public static final String CONFIG_FILE_ENV = ENV_PREFIX + "CONFIG_FILE";
    /** The block of {@code reference.conf} with the authz command's own defaults (where they differ). */
    public static final String AUTHZ_DEFAULTS = NAMESPACE + "-authz";

    private static final Map<String, String> DOCKER_CLI_ENV = Map.of(
            "docker.host", "DOCKER_HOST",
            "docker.tls-verify", "DOCKER_TLS_VERIFY",
            "docker.cert-path", "DOCKER_CERT_PATH");
    private static final Set<String> RESERVED_PATHS = Set.copyOf(Endpoints.FIXED);
    private static final Pattern BARE_NUMBER = Pattern.compile("\\s*-?[0-9]+(\\.[0-9]+)?\\s*");
    private static final Pattern PLUGIN_NAME = Pattern.compile(
            "[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?");
    private static final Duration MIN_INTERVAL = Duration.ofMillis(100);

    private final Config reference;
    private final Map<String, String> env;
    private final List<Setting> settings;

    public ConfigLoader(Map<String, String> env) {
        this.env = Map.copyOf(env);
        this.reference = ConfigFactory.parseResources(
                ConfigLoader.class.getClassLoader(),
                "reference.conf",
                ConfigParseOptions.defaults().setAllowMissing(false));
        this.settings = readSettings(reference.getConfig(NAMESPACE));
    }

    /** Every key, in the order of {@code reference.conf}. */
    public List<Setting> settings() {
        return settings;
    }

    public ExporterConfig load(CommandLine cli) {
        return loadAll(cli, false).common();
    }

    /** The authz command's configuration: its own defaults ({@link #AUTHZ_DEFAULTS}) under the same layers. */
    public AuthzConfig loadAuthz(CommandLine cli) {
        return loadAll(cli, true);
    }

    /** The authz command's default of a key where it differs from serve's; empty where it does not. */
    public java.util.Optional<String> authzDefault(String key) {
        Config own = reference.hasPath(AUTHZ_DEFAULTS) ? reference.getConfig(AUTHZ_DEFAULTS) : ConfigFactory.empty();
        return own.hasPath(key) ? java.util.Optional.of(own.getString(key)) : java.util.Optional.empty();
    }

    private AuthzConfig loadAll(CommandLine cli, boolean authz) {
        List<String> problems = new ArrayList<>(cli.problems());
        Config flags = flagLayer(cli, problems);
        Config environment = envLayer();
        Config file = fileLayer(cli, problems);
        Config merged;
        try {
            merged = flags.withFallback(environment)
                    .withFallback(file)
                    .withFallback(
                            authz && reference.hasPath(AUTHZ_DEFAULTS)
                                    ? reference.getConfig(AUTHZ_DEFAULTS).atPath(NAMESPACE)
                                    : ConfigFactory.empty())
                    .withFallback(reference)
                    .resolve()
                    .getConfig(NAMESPACE);
        } catch (ConfigException e) {
            problems.add(oneLine(e.getMessage()));
            throw new InvalidConfigException(problems);
        }
        Reader r = new Reader(merged, problems);
        WebConfig web = r.listenAddress("web.listen-address", r.telemetryPath("web.telemetry-path"));
        web = new WebConfig(
                web.host(),
                web.port(),
                web.telemetryPath(),
                r.webSecurity(WebConfigFile.KEY),
                r.bool("web.enable-lifecycle"));
        DockerEndpoint docker = r.docker();
        Duration interval = r.duration("scan.interval", MIN_INTERVAL, Duration.ofHours(24));
        boolean events = r.bool("scan.events");
        int concurrency = r.integer("scan.inspect-concurrency", 1, 64);
        PerContainer perContainer = r.oneOf("metrics.per-container", PerContainer.class);
        ContainerLabels containerLabels = r.containerLabels("metrics.container-labels");
        boolean exempt = r.bool("compliance.exempt-system-containers");
        KubernetesMode kubernetes = r.oneOf("compliance.kubernetes", KubernetesMode.class);
        List<Exemption> exemptions = new ExemptionReader(merged, problems).read("compliance.exemptions");
        ExporterConfig.Remediation remediation = new ExporterConfig.Remediation(
                r.bool("remediation.enabled"),
                r.duration("remediation.refresh", Duration.ofSeconds(1), Duration.ofDays(7)));
        EvidenceAsset asset = r.evidenceAsset("evidence.asset");
        String socket = r.socketPath("authz.socket");
        AuthzMode mode = r.oneOf("authz.mode", AuthzMode.class);
        String pluginName = r.pluginName("authz.plugin-name");
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        ExporterConfig common = new ExporterConfig(
                web,
                docker,
                interval,
                events,
                concurrency,
                perContainer,
                containerLabels,
                exempt,
                kubernetes,
                exemptions,
                remediation,
                asset);
        return new AuthzConfig(common, Path.of(socket), mode, pluginName);
    }

    private Config flagLayer(CommandLine cli, List<String> problems) {
        Config layer = ConfigFactory.empty();
        for (Map.Entry<String, String> flag : cli.settings().entrySet()) {
            if (!isKnown(flag.getKey())) {
                problems.add("unknown flag [--" + flag.getKey() + "]: see --help for the list");
                continue;
            }
            if (isFileOnly(flag.getKey())) {
                problems.add("flag --" + flag.getKey() + " cannot be given on the command line: it is a list, set it in"
                        + " config.file");
                continue;
            }
            layer = layer.withFallback(single(flag.getKey(), flag.getValue(), "flag --" + flag.getKey()));
        }
        return layer;
    }

    private Config envLayer() {
        Config layer = ConfigFactory.empty();
        for (Setting s : settings) {
            if (s.fileOnly()) {
                continue;
            }
            String own = env.get(s.envVar());
            if (own != null && !own.isEmpty()) {
                layer = layer.withFallback(single(s.key(), own, "environment variable " + s.envVar()));
            } else if (!s.alias().isEmpty()
                    && env.get(s.alias()) != null
                    && !env.get(s.alias()).isEmpty()) {
                String value = env.get(s.alias());
                if (s.alias().equals("DOCKER_TLS_VERIFY")) {
                    // as for the docker CLI: set and not explicitly off means on
                    value = Set.of("0", "false", "no", "off").contains(value.toLowerCase(Locale.ROOT))
                            ? "false"
                            : "true";
                }
                layer = layer.withFallback(single(s.key(), value, "environment variable " + s.alias()));
            }
        }
        return layer;
    }

    private Config fileLayer(CommandLine cli, List<String> problems) {
        String name = !cli.configFile().isEmpty() ? cli.configFile() : env.getOrDefault(CONFIG_FILE_ENV, "");
        if (name.isEmpty()) {
            return ConfigFactory.empty();
        }
        Path path = Path.of(name);
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            problems.add("config.file must be a readable file, got [" + name + "]");
            return ConfigFactory.empty();
        }
        Config file;
        try {
            file = ConfigFactory.parseFile(
                    path.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (ConfigException e) {
            problems.add("config.file [" + name + "] cannot be parsed: " + oneLine(e.getMessage()));
            return ConfigFactory.empty();
        }
        for (Map.Entry<String, ConfigValue> e : file.entrySet()) {
            String path0 = e.getKey();
            String where = " (" + e.getValue().origin().description() + ")";
            if (!path0.startsWith(NAMESPACE + ".")) {
                problems.add("unknown key [" + path0 + "] in config.file: settings go under " + NAMESPACE + " { … }"
                        + where);
            } else if (!isKnown(path0.substring(NAMESPACE.length() + 1))) {
                problems.add("unknown key [" + path0 + "] in config.file" + where);
            }
        }
        return file;
    }

    private boolean isKnown(String key) {
        return settings.stream().anyMatch(s -> s.key().equals(key));
    }

    private boolean isFileOnly(String key) {
        return settings.stream().anyMatch(s -> s.key().equals(key) && s.fileOnly());
    }

    private static Config single(String key, String value, String origin) {
        return ConfigFactory.parseMap(Map.of(NAMESPACE + "." + key, value), origin);
    }

    private static List<Setting> readSettings(Config defaults) {
        return defaults.entrySet().stream()
                .sorted(Comparator.comparingInt(e -> e.getValue().origin().lineNumber()))
                .map(e -> {
                    String key = e.getKey();
                    boolean fileOnly = e.getValue().valueType() == ConfigValueType.LIST;
                    String envVar = fileOnly
                            ? ""
                            : ENV_PREFIX
                                    + key.toUpperCase(Locale.ROOT)
                                            .replace('.', '_')
                                            .replace('-', '_');
                    String description = e.getValue().origin().comments().stream()
                            .map(String::trim)
                            .collect(Collectors.joining(" "));
                    String value = e.getValue().valueType() == ConfigValueType.STRING
                            ? String.valueOf(e.getValue().unwrapped())
                            : e.getValue().render();
                    value = value.isEmpty() ? "\"\"" : value;
                    return new Setting(key, envVar, DOCKER_CLI_ENV.getOrDefault(key, ""), value, description, fileOnly);
                })
                .toList();
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }

    /** Typed reads that record a problem instead of throwing. */
    private static final class Reader {
        private final Config c;
        private final List<String> problems;

        Reader(Config c, List<String> problems) {
            this.c = c;
            this.problems = problems;
        }

        private String raw(String key) {
            ConfigValue v = c.getValue(key);
            return String.valueOf(v.unwrapped());
        }

        private String origin(String key) {
            String d = c.getValue(key).origin().description();
            return d.startsWith("reference.conf") ? "" : " (" + d + ")";
        }

        private void problem(String key, String constraint) {
            problems.add(NAMESPACE + "." + key + " must be " + constraint + ", got [" + raw(key) + "]" + origin(key));
        }

        String string(String key) {
            ConfigValue v = c.getValue(key);
            if (v.valueType() == ConfigValueType.OBJECT || v.valueType() == ConfigValueType.LIST) {
                problem(key, "a string");
                return "";
            }
            return String.valueOf(v.unwrapped());
        }

        boolean bool(String key) {
            try {
                return c.getBoolean(key);
            } catch (ConfigException e) {
                problem(key, "a boolean (true or false)");
                return false;
            }
        }

        int integer(String key, int min, int max) {
            int n;
            try {
                n = c.getInt(key);
            } catch (ConfigException e) {
                problem(key, "a whole number from " + min + " to " + max);
                return min;
            }
            if (n < min || n > max) {
                problem(key, "a whole number from " + min + " to " + max);
            }
            return n;
        }

        <E extends Enum<E>> E oneOf(String key, Class<E> type) {
            String v = string(key);
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(v)) {
                    return e;
                }
            }
            problem(
                    key,
                    "one of "
                            + String.join(
                                    ", ",
                                    java.util.Arrays.stream(type.getEnumConstants())
                                            .map(e -> e.name().toLowerCase(Locale.ROOT))
                                            .toList()));
            return type.getEnumConstants()[0];
        }

        Duration duration(String key, Duration min, Duration max) {
            ConfigValue v = c.getValue(key);
            String text = String.valueOf(v.unwrapped());
            if (v.valueType() == ConfigValueType.NUMBER
                    || BARE_NUMBER.matcher(text).matches()) {
                problem(key, "a duration with a unit such as 15s or 500ms");
                return min;
            }
            Duration d;
            try {
                d = c.getDuration(key);
            } catch (ConfigException e) {
                problem(key, "a duration such as 15s or 500ms");
                return min;
            }
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                problem(key, "between " + human(min) + " and " + human(max));
            }
            return d;
        }

        String telemetryPath(String key) {
            String p = string(key);
            if (!p.startsWith("/") || p.chars().anyMatch(ch -> ch <= ' ' || ch == '?' || ch == '#')) {
                problem(key, "a path starting with /");
            } else if (RESERVED_PATHS.contains(p)) {
                problem(
                        key,
                        "a path other than "
                                + String.join(
                                        ", ", RESERVED_PATHS.stream().sorted().toList()));
            }
            return p;
        }

        /** An absolute path a Unix socket can bind: at most 107 bytes (the kernel's sun_path). */
        String socketPath(String key) {
            String p = string(key);
            if (!p.startsWith("/")
                    || p.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 107
                    || p.endsWith("/")
                    || p.chars().anyMatch(ch -> ch < ' ')) {
                problem(
                        key,
                        "an absolute path of at most 107 bytes for a Unix socket, e.g. " + AuthzConfig.SOCKET_EXAMPLE);
                return AuthzConfig.SOCKET_EXAMPLE;
            }
            return p;
        }

        /** A plugin reference as Docker writes one: lower case, optionally a registry, path and tag. */
        String pluginName(String key) {
            String n = string(key);
            if (!PLUGIN_NAME.matcher(n).matches()) {
                problem(key, "a plugin name such as readonly-rootfs or registry.example.com/team/readonly-rootfs:1.0");
            }
            return n;
        }

        WebConfig listenAddress(String key, String telemetryPath) {
            String a = string(key);
            int colon = a.lastIndexOf(':');
            String host = colon < 0 ? "" : a.substring(0, colon);
            String portText = colon < 0 ? "" : a.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port = -1;
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException ignored) {
                // reported below
            }
            if (colon < 0 || port < 0 || port > 65535 || (host.contains(":") && !a.startsWith("["))) {
                problem(key, "[host]:port with a port from 0 to 65535, e.g. :9966 or 127.0.0.1:9966");
                return new WebConfig("", 0, telemetryPath);
            }
            return new WebConfig(host, port, telemetryPath);
        }

        /**
         * A list of Docker label names: a HOCON list (config file) or one comma-separated string (flag,
         * environment, file). Names that sanitise to the same Prometheus label are a problem; a name
         * given twice counts once.
         */
        ContainerLabels containerLabels(String key) {
            ConfigValue v = c.getValue(key);
            List<String> names = new ArrayList<>();
            if (v.valueType() == ConfigValueType.LIST) {
                for (Object o : (List<?>) v.unwrapped()) {
                    if (!(o instanceof String) || ((String) o).trim().isEmpty()) {
                        problem(key, "a list of Docker label names or patterns (com.example.*)");
                        return ContainerLabels.NONE;
                    }
                    names.add(((String) o).trim());
                }
            } else if (v.valueType() == ConfigValueType.STRING) {
                for (String part : String.valueOf(v.unwrapped()).split(",", -1)) {
                    if (!part.trim().isEmpty()) {
                        names.add(part.trim());
                    }
                }
            } else {
                problem(
                        key,
                        "a list of Docker label names or patterns (com.example.*), or one comma-separated string of them");
                return ContainerLabels.NONE;
            }
            ContainerLabels labels =
                    ContainerLabels.of(names.stream().distinct().toList());
            Map<String, List<String>> byLabel = new LinkedHashMap<>();
            labels.names()
                    .forEach((docker, prom) -> byLabel.computeIfAbsent(prom, k -> new ArrayList<>())
                            .add(docker));
            byLabel.forEach((prom, dockers) -> {
                if (dockers.size() > 1) {
                    problem(
                            key,
                            "Docker label names that stay distinct as Prometheus labels (" + String.join(", ", dockers)
                                    + " all become " + prom + ")");
                }
            });
            return labels;
        }

        /** The checklists' asset: each field empty or well-formed, the role one STIG Viewer knows. */
        EvidenceAsset evidenceAsset(String key) {
            String name = string(key + ".name");
            if (name.length() > 255 || !printable(name) || !name.equals(name.strip())) {
                problem(
                        key + ".name",
                        "a host name of at most 255 characters, without control characters or surrounding spaces,"
                                + " or empty");
            }
            String fqdn = string(key + ".fqdn");
            if (!fqdn.isEmpty() && !AssetSyntax.isFqdn(fqdn)) {
                problem(key + ".fqdn", "a domain name such as node-1.example.com, or empty");
            }
            String ip = string(key + ".ip");
            if (!ip.isEmpty() && !AssetSyntax.isIpAddress(ip)) {
                problem(key + ".ip", "an IPv4 or IPv6 address such as 192.0.2.10, or empty");
            }
            String mac = string(key + ".mac");
            if (!mac.isEmpty() && !AssetSyntax.isMac(mac)) {
                problem(key + ".mac", "a MAC address of six hex pairs such as 00:1a:2b:3c:4d:5e, or empty");
            }
            String role = string(key + ".role");
            String canonical = EvidenceAsset.ROLES.stream()
                    .filter(x -> x.equalsIgnoreCase(role.trim()))
                    .findFirst()
                    .orElse(null);
            if (canonical == null) {
                problem(key + ".role", "one of " + String.join(", ", EvidenceAsset.ROLES));
            }
            String marking = string(key + ".marking");
            if (marking.isBlank()
                    || marking.length() > 255
                    || !printable(marking)
                    || !marking.equals(marking.strip())) {
                problem(key + ".marking", "a marking such as CUI, at most 255 characters");
            }
            return new EvidenceAsset(
                    name, fqdn, ip, mac, canonical == null ? EvidenceAsset.DEFAULT.role() : canonical, marking);
        }

        private static boolean printable(String s) {
            return s.chars().noneMatch(Character::isISOControl);
        }

        WebSecurity webSecurity(String key) {
            String name = string(key);
            if (name.isEmpty()) {
                return WebSecurity.NONE;
            }
            Path path = Path.of(name);
            if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
                problem(key, "a readable web config file (YAML)");
                return WebSecurity.NONE;
            }
            return WebConfigFile.read(path, problems);
        }

        DockerEndpoint docker() {
            String host = string("docker.host");
            boolean tls = bool("docker.tls-verify");
            String certPath = string("docker.cert-path");
            Duration timeout = duration("docker.timeout", Duration.ofMillis(100), Duration.ofMinutes(10));
            URI uri = null;
            try {
                uri = new URI(host);
            } catch (URISyntaxException e) {
                // reported below
            }
            String scheme = uri == null || uri.getScheme() == null ? "" : uri.getScheme();
            if (scheme.equals("unix")) {
                if (uri.getPath() == null
                        || !uri.getPath().startsWith("/")
                        || uri.getPath().length() < 2) {
                    problem("docker.host", "unix:///absolute/path/to/docker.sock");
                } else if (tls) {
                    problems.add(
                            NAMESPACE + ".docker.tls-verify must be false for a unix socket docker.host, got [true]"
                                    + origin("docker.tls-verify"));
                }
            } else if (scheme.equals("tcp")) {
                if (uri.getHost() == null || uri.getPort() <= 0) {
                    problem("docker.host", "tcp://host:port");
                }
            } else {
                problem("docker.host", "unix:///path or tcp://host:port");
            }
            if (tls) {
                Path dir = certPath.isEmpty() ? Path.of(System.getProperty("user.home"), ".docker") : Path.of(certPath);
                List<String> missing = new ArrayList<>();
                for (String f : List.of("ca.pem", "cert.pem", "key.pem")) {
                    if (!Files.isReadable(dir.resolve(f))) {
                        missing.add(f);
                    }
                }
                if (!missing.isEmpty()) {
                    problems.add(NAMESPACE
                            + ".docker.cert-path must be a folder holding readable ca.pem, cert.pem and key.pem"
                            + " (missing " + String.join(", ", missing) + "), got [" + dir + "]"
                            + origin("docker.cert-path"));
                }
                certPath = dir.toString();
            }
            return new DockerEndpoint(host, tls, certPath, timeout);
        }

        private static String human(Duration d) {
            return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
        }
    }
}
