package org.readonlyrootfs.exporter.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.compliance.Exemption;
import org.readonlyrootfs.exporter.compliance.KubernetesMode;

class ConfigLoaderTest {
    private static final Path TESTDATA = Path.of("src/test/resources/testdata");

    private static ExporterConfig load(Map<String, String> env, String... args) {
        return new ConfigLoader(env).load(CommandLine.parse(args));
    }

    private static List<String> problems(Map<String, String> env, String... args) {
        return assertThrows(InvalidConfigException.class, () -> load(env, args)).problems();
    }

    @Test
    void defaultsComeFromReferenceConf() {
        ExporterConfig c = load(Map.of());
        assertEquals(new WebConfig("", 9966, "/metrics"), c.web());
        assertEquals("unix:///var/run/docker.sock", c.docker().host());
        assertFalse(c.docker().tlsVerify());
        assertEquals(Duration.ofSeconds(10), c.docker().timeout());
        assertEquals(Duration.ofSeconds(15), c.scanInterval());
        assertTrue(c.followEvents());
        assertEquals(4, c.inspectConcurrency());
        assertEquals(PerContainer.ALL, c.perContainer());
        assertTrue(c.exemptSystemContainers());
        assertEquals(KubernetesMode.NOT_APPLICABLE, c.kubernetes());
        assertEquals(List.of(), c.exemptions());
        assertEquals(List.of(Exemption.SYSTEM), c.compliance().effective());
    }

    @Test
    void cardinalityAndConcurrencyAreValidated() {
        ExporterConfig c = load(
                Map.of("READONLY_ROOTFS_METRICS_PER_CONTAINER", "findings"),
                "--scan.inspect-concurrency=8",
                "--scan.events=false");
        assertEquals(PerContainer.FINDINGS, c.perContainer());
        assertEquals(8, c.inspectConcurrency());
        assertFalse(c.followEvents());
        List<String> p = problems(Map.of(), "--metrics.per-container=some", "--scan.inspect-concurrency=0");
        assertEquals(
                List.of(
                        "readonly-rootfs-exporter.scan.inspect-concurrency must be a whole number from 1 to 64, got [0] (flag --scan.inspect-concurrency)",
                        "readonly-rootfs-exporter.metrics.per-container must be one of all, findings, none, got [some] (flag --metrics.per-container)"),
                p);
    }

    @Test
    void containerLabelsAreNoneByDefaultACommaListAsFlagOrEnvAndAListInTheFile(@TempDir Path dir) throws Exception {
        assertTrue(load(Map.of()).containerLabels().isEmpty());
        ExporterConfig flag = load(Map.of(), "--metrics.container-labels=team, com.example.owner,,team");
        assertEquals(
                List.of("team", "com.example.owner"),
                List.copyOf(flag.containerLabels().names().keySet()));
        assertEquals(
                List.of("label_team", "label_com_example_owner"),
                List.copyOf(flag.containerLabels().names().values()));
        ExporterConfig env = load(Map.of("READONLY_ROOTFS_METRICS_CONTAINER_LABELS", "app.kubernetes.io/name"));
        assertEquals(
                Map.of("app.kubernetes.io/name", "label_app_kubernetes_io_name"),
                env.containerLabels().names());
        Path file = dir.resolve("labels.conf");
        Files.writeString(file, "readonly-rootfs-exporter.metrics.container-labels = [team, \"com.example.owner\"]\n");
        ExporterConfig fromFile = load(Map.of(), "--config.file", file.toString());
        assertEquals(
                List.of("team", "com.example.owner"),
                List.copyOf(fromFile.containerLabels().names().keySet()));
        ExporterConfig flagWins = load(Map.of(), "--config.file", file.toString(), "--metrics.container-labels=owner");
        assertEquals(Map.of("owner", "label_owner"), flagWins.containerLabels().names());
    }

    @Test
    void containerLabelPatternsAreEntriesWithAStarAndTheirCollisionsAreLeftToTheInventory() {
        ExporterConfig c = load(Map.of(), "--metrics.container-labels=team,com.example.*,com_example_x,*");
        assertEquals(
                Map.of("team", "label_team", "com_example_x", "label_com_example_x"),
                c.containerLabels().names());
        assertEquals(List.of("com.example.*", "*"), c.containerLabels().patterns());
    }

    @Test
    void containerLabelsThatCollideAfterSanitisingAreOneProblemNamingBoth(@TempDir Path dir) throws Exception {
        assertEquals(
                List.of("readonly-rootfs-exporter.metrics.container-labels must be Docker label names that stay"
                        + " distinct as Prometheus labels (a.b, a_b all become label_a_b), got [team,a.b,a_b]"
                        + " (flag --metrics.container-labels)"),
                problems(Map.of(), "--metrics.container-labels=team,a.b,a_b"));
        Path file = dir.resolve("bad.conf");
        Files.writeString(file, "readonly-rootfs-exporter.metrics.container-labels = [team, { a = 1 }]\n");
        List<String> p = problems(Map.of(), "--config.file", file.toString(), "--scan.inspect-concurrency=0");
        assertEquals(2, p.size(), p.toString());
        assertTrue(
                p.get(1)
                        .startsWith("readonly-rootfs-exporter.metrics.container-labels must be a list of Docker"
                                + " label names or patterns (com.example.*), got ["),
                p.toString());
    }

    @Test
    void theChecklistAssetIsTheDaemonByDefaultAndEachFieldIsValidated() {
        assertEquals(EvidenceAsset.DEFAULT, load(Map.of()).evidenceAsset());
        assertEquals("dockerd-name", EvidenceAsset.DEFAULT.hostName("dockerd-name"));
        ExporterConfig c = load(
                Map.of("READONLY_ROOTFS_EVIDENCE_ASSET_FQDN", "node-1.example.com."),
                "--evidence.asset.name=node-1",
                "--evidence.asset.ip=2001:db8::10",
                "--evidence.asset.mac=00-1A-2B-3C-4D-5E",
                "--evidence.asset.role=member server",
                "--evidence.asset.marking=CUI//SP-CTI");
        assertEquals(
                new EvidenceAsset(
                        "node-1",
                        "node-1.example.com.",
                        "2001:db8::10",
                        "00-1A-2B-3C-4D-5E",
                        "Member Server",
                        "CUI//SP-CTI"),
                c.evidenceAsset());
        assertEquals("node-1", c.evidenceAsset().hostName("dockerd-name"));
        for (String ip : List.of("192.0.2.10", "::1", "::", "fe80::1:2", "::ffff:192.0.2.1", "1:2:3:4:5:6:7:8")) {
            assertEquals(
                    ip,
                    load(Map.of(), "--evidence.asset.ip=" + ip).evidenceAsset().ip());
        }
        assertEquals(
                List.of(
                        "readonly-rootfs-exporter.evidence.asset.fqdn must be a domain name such as"
                                + " node-1.example.com, or empty, got [-bad..example] (flag --evidence.asset.fqdn)",
                        "readonly-rootfs-exporter.evidence.asset.ip must be an IPv4 or IPv6 address such as"
                                + " 192.0.2.10, or empty, got [192.0.2.256] (flag --evidence.asset.ip)",
                        "readonly-rootfs-exporter.evidence.asset.mac must be a MAC address of six hex pairs such as"
                                + " 00:1a:2b:3c:4d:5e, or empty, got [00:1a:2b-3c:4d:5e] (flag --evidence.asset.mac)",
                        "readonly-rootfs-exporter.evidence.asset.role must be one of None, Workstation, Member"
                                + " Server, Domain Controller, got [Server] (flag --evidence.asset.role)",
                        "readonly-rootfs-exporter.evidence.asset.marking must be a marking such as CUI, at most 255"
                                + " characters, got [ ] (flag --evidence.asset.marking)"),
                problems(
                        Map.of(),
                        "--evidence.asset.fqdn=-bad..example",
                        "--evidence.asset.ip=192.0.2.256",
                        "--evidence.asset.mac=00:1a:2b-3c:4d:5e",
                        "--evidence.asset.role=Server",
                        "--evidence.asset.marking= "));
        for (String ip : List.of("1.2.3", "1:2:3:4:5:6:7:8:9", "1::2::3", "example.com", "12345::", "::1%eth0")) {
            assertEquals(1, problems(Map.of(), "--evidence.asset.ip=" + ip).size(), ip);
        }
        assertEquals(
                1,
                problems(Map.of(), "--evidence.asset.name=" + "n".repeat(256)).size());
        assertEquals(
                1,
                problems(Map.of(), "--evidence.asset.fqdn=" + "a".repeat(64) + ".example")
                        .size());
    }

    @Test
    void remediationIsOnEveryTenMinutesByDefaultAndValidated() {
        ExporterConfig defaults = load(Map.of());
        assertEquals(new ExporterConfig.Remediation(true, Duration.ofMinutes(10)), defaults.remediation());
        ExporterConfig c = load(Map.of("READONLY_ROOTFS_REMEDIATION_ENABLED", "false"), "--remediation.refresh=90s");
        assertEquals(new ExporterConfig.Remediation(false, Duration.ofSeconds(90)), c.remediation());
        List<String> p = problems(Map.of(), "--remediation.refresh=500ms", "--remediation.enabled=maybe");
        assertEquals(2, p.size(), p.toString());
        assertTrue(p.get(0).contains("remediation.") && p.get(1).contains("remediation."), p.toString());
        assertTrue(String.join("\n", p).contains("got [500ms]"), p.toString());
    }

    @Test
    void aGoodFileSetsEveryKey() {
        ExporterConfig c = load(
                Map.of(), "--config.file", TESTDATA.resolve("config-good.conf").toString());
        assertEquals(new WebConfig("127.0.0.1", 19100, "/probe/metrics"), c.web());
        assertEquals("tcp://docker.example:2375", c.docker().host());
        assertEquals(Duration.ofSeconds(3), c.docker().timeout());
        assertEquals(Duration.ofMinutes(1), c.scanInterval());
        assertFalse(c.exemptSystemContainers());
        assertEquals(KubernetesMode.AUDIT, c.kubernetes());
        assertEquals(2, c.exemptions().size());
        Exemption billing = c.exemptions().get(0);
        assertEquals("billing-vendor", billing.id());
        assertEquals(
                "image=~\"vendor/billing:.*\", label com.example.team=\"billing\"",
                billing.match().toString());
        assertEquals("Vendor image writes its license cache to /opt/billing", billing.reason());
        assertEquals("CHG-1234", billing.ticket());
        assertEquals("team-billing", billing.owner());
        assertEquals(Instant.parse("2026-03-31T00:00:00Z"), billing.expires(), "a date is its start, UTC");
        Exemption legacy = c.exemptions().get(1);
        assertEquals(
                "name=~\"shop_legacy\\..*\", label com.example.tier=~\"legacy|batch\", label com.example.env=\"prod\","
                        + " stack=~\"shop\", service=~\"shop_legacy\"",
                legacy.match().toString());
        assertEquals(Instant.parse("2026-02-15T17:00:00Z"), legacy.expires());
        assertEquals("", legacy.ticket());
        assertEquals(List.of(billing, legacy), c.compliance().effective(), "no built-in exemption when switched off");
    }

    @Test
    void everyBadExemptionIsOneLineNamingTheElementTheRuleTheValueAndTheLine() {
        String file = TESTDATA.resolve("config-bad-exemptions.conf").toString();
        List<String> p = problems(Map.of(), "--config.file=" + file);
        String at = "readonly-rootfs-exporter.compliance.exemptions";
        assertEquals(
                List.of(
                        at
                                + "[1].image must be a regular expression (Unclosed group at index 15), got [vendor/(billing] ("
                                + file + ": 3)",
                        at
                                + "[2].reason must be a text saying why these containers may keep a writable root filesystem, got []"
                                + " (" + file + ": 4)",
                        at + "[3].expires must be a date such as 2026-03-31 (its start, UTC) or a time such as"
                                + " 2026-03-31T12:00:00Z, got [31/03/2026] (" + file + ": 5)",
                        "unknown key [" + at
                                + "[4].expire]: an exemption has id, reason, name, image, label, stack, service,"
                                + " ticket, owner, expires (" + file + ": 6)",
                        at
                                + "[5].id must be a name of letters, digits, '.', '_' and '-' (the exemption label of its metrics),"
                                + " got [] (" + file + ": 7)",
                        at + "[6].id must be unique among the exemptions, got [ok] (" + file + ": 8)",
                        at + "[7].id must be other than system-containers (the built-in exemption, see"
                                + " compliance.exempt-system-containers), got [system-containers] (" + file + ": 9)",
                        at
                                + "[8] must select containers by at least one of name, image, label, stack, service, got [id, reason,"
                                + " ticket] (" + file + ": 10)",
                        at + "[9].label must be key=value or key=~regex (or a list of them), got [no-equals-sign] ("
                                + file + ": 11)",
                        at + "[10] must be an object { id = …, reason = …, name = … }, got [\"not an object\"] (" + file
                                + ": 12)"),
                p);
    }

    @Test
    void exemptionsAreAFileOnlyListAndKubernetesIsAChoice() {
        List<String> p = problems(
                Map.of("READONLY_ROOTFS_COMPLIANCE_EXEMPTIONS", "[{id=x}]"),
                "--compliance.exemptions=[]",
                "--compliance.kubernetes=ignore");
        assertEquals(
                List.of(
                        "flag --compliance.exemptions cannot be given on the command line: it is a list, set it in config.file",
                        "readonly-rootfs-exporter.compliance.kubernetes must be one of not_applicable, audit, got [ignore]"
                                + " (flag --compliance.kubernetes)"),
                p,
                "the environment variable is not read for a list");
        assertEquals(
                KubernetesMode.AUDIT,
                load(Map.of("READONLY_ROOTFS_COMPLIANCE_KUBERNETES", "audit")).kubernetes());
    }

    @Test
    void flagsWinOverEnvironmentWhichWinsOverTheFile() {
        String file = TESTDATA.resolve("config-good.conf").toString();
        Map<String, String> env = Map.of(
                "READONLY_ROOTFS_SCAN_INTERVAL",
                "2m",
                "READONLY_ROOTFS_CONFIG_FILE",
                file,
                "READONLY_ROOTFS_WEB_TELEMETRY_PATH",
                "/env");
        ExporterConfig c = load(env, "--scan.interval=3m");
        assertEquals(Duration.ofMinutes(3), c.scanInterval());
        assertEquals("/env", c.web().telemetryPath());
        assertEquals(Duration.ofSeconds(3), c.docker().timeout(), "from the file named by the environment");
    }

    @Test
    void dockerCliEnvironmentVariablesAreHonoured(@TempDir Path certs) throws Exception {
        for (String f : List.of("ca.pem", "cert.pem", "key.pem")) {
            Files.writeString(certs.resolve(f), "x");
        }
        ExporterConfig c = load(Map.of(
                "DOCKER_HOST", "tcp://10.0.0.1:2376", "DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", certs.toString()));
        assertEquals("tcp://10.0.0.1:2376", c.docker().host());
        assertTrue(c.docker().tlsVerify());
        assertEquals(certs.toString(), c.docker().certPath());
        ExporterConfig off = load(Map.of("DOCKER_HOST", "tcp://10.0.0.1:2375", "DOCKER_TLS_VERIFY", "0"));
        assertFalse(off.docker().tlsVerify());
        ExporterConfig own = load(Map.of("DOCKER_HOST", "tcp://a:1", "READONLY_ROOTFS_DOCKER_HOST", "tcp://b:2"));
        assertEquals("tcp://b:2", own.docker().host(), "our own variable is the more specific one");
    }

    @Test
    void bareFlagMeansTrueAndSpaceSeparatedValuesWork() {
        ExporterConfig c =
                load(Map.of(), "--compliance.exempt-system-containers=false", "--web.listen-address", "[::1]:9100");
        assertFalse(c.exemptSystemContainers());
        assertEquals(new WebConfig("::1", 9100, "/metrics"), c.web());
    }

    @Test
    void everyBadValueIsReportedAtOnceWithKeyRuleAndValue() {
        List<String> p = problems(Map.of(), "--config.file=" + TESTDATA.resolve("config-bad-values.conf"));
        assertEquals(6, p.size(), String.join("\n", p));
        assertTrue(
                p.stream()
                        .anyMatch(l -> l.startsWith("readonly-rootfs-exporter.web.listen-address must be [host]:port")
                                && l.contains("got [9966]")),
                String.join("\n", p));
        assertTrue(p.stream()
                .anyMatch(l -> l.startsWith("readonly-rootfs-exporter.web.telemetry-path must be a path")
                        && l.contains("got [metrics]")));
        assertTrue(p.stream()
                .anyMatch(l ->
                        l.startsWith("readonly-rootfs-exporter.docker.host must be unix:///path or tcp://host:port")
                                && l.contains("got [http://localhost:2375]")));
        assertTrue(
                p.stream()
                        .anyMatch(l ->
                                l.startsWith("readonly-rootfs-exporter.docker.timeout must be a duration with a unit")
                                        && l.contains("got [15]")),
                "a bare number would silently be milliseconds");
        assertTrue(p.stream()
                .anyMatch(l -> l.startsWith("readonly-rootfs-exporter.scan.interval must be a duration")
                        && l.contains("got [soon]")));
        assertTrue(p.stream()
                .anyMatch(l ->
                        l.startsWith("readonly-rootfs-exporter.compliance.exempt-system-containers must be a boolean")
                                && l.contains("got [maybe]")));
        assertTrue(
                p.stream().allMatch(l -> l.contains("config-bad-values.conf")), "each names where the value came from");
    }

    @Test
    void misspelledKeysAreErrorsNotIgnored() {
        List<String> p = problems(Map.of(), "--config.file=" + TESTDATA.resolve("config-bad-keys.conf"));
        assertEquals(3, p.size(), String.join("\n", p));
        assertTrue(p.stream().anyMatch(l -> l.contains("unknown key [readonly-rootfs-exporter.scan.intervall]")));
        assertTrue(p.stream().anyMatch(l -> l.contains("unknown key [readonly-rootfs-exporter.web.listen-adress]")));
        assertTrue(p.stream()
                .anyMatch(l -> l.contains("unknown key [listen-address]") && l.contains("settings go under")));
    }

    @Test
    void unknownFlagsAndBadFlagValuesAreErrors() {
        List<String> p =
                problems(Map.of(), "--scan.intervall=3s", "--web.listen-address=:99999", "-x", "extra", "more");
        assertTrue(p.contains("unknown flag [--scan.intervall]: see --help for the list"), String.join("\n", p));
        assertTrue(p.stream()
                .anyMatch(l -> l.contains("web.listen-address")
                        && l.contains("got [:99999]")
                        && l.contains("flag --web.listen-address")));
        assertTrue(p.stream().anyMatch(l -> l.contains("unknown flag [-x]")));
        assertTrue(p.stream().anyMatch(l -> l.contains("unexpected argument [more]")));
    }

    @Test
    void badSyntaxAndMissingFilesAreOneLineEach() {
        List<String> syntax = problems(Map.of(), "--config.file=" + TESTDATA.resolve("config-bad-syntax.conf"));
        assertEquals(1, syntax.size());
        assertTrue(
                syntax.get(0).startsWith("config.file [") && syntax.get(0).contains("cannot be parsed"), syntax.get(0));
        assertFalse(syntax.get(0).contains("\n"));
        List<String> missing = problems(Map.of(), "--config.file=/nonexistent/x.conf");
        assertEquals(List.of("config.file must be a readable file, got [/nonexistent/x.conf]"), missing);
    }

    @Test
    void reservedPathsAndOutOfRangeDurationsAreRejected() {
        List<String> p =
                problems(Map.of(), "--web.telemetry-path=/-/ready", "--scan.interval=10ms", "--docker.timeout=2h");
        assertEquals(3, p.size(), String.join("\n", p));
        assertTrue(p.get(0).contains("a path other than"));
        assertTrue(p.stream().anyMatch(l -> l.contains("scan.interval must be between 100ms and 86400s")));
        assertTrue(p.stream().anyMatch(l -> l.contains("docker.timeout must be between 100ms and 600s")));
    }

    @Test
    void tlsNeedsTcpAndTheThreeCertificateFiles(@TempDir Path empty) {
        List<String> p = problems(Map.of(), "--docker.tls-verify", "--docker.cert-path=" + empty);
        assertEquals(2, p.size(), String.join("\n", p));
        assertTrue(p.stream().anyMatch(l -> l.contains("tls-verify must be false for a unix socket")));
        assertTrue(p.stream()
                .anyMatch(l -> l.contains("missing ca.pem, cert.pem, key.pem") && l.contains(empty.toString())));
    }

    @Test
    void settingsListEveryKeyWithEnvDefaultAndDescription() {
        List<Setting> s = new ConfigLoader(Map.of()).settings();
        assertEquals(
                List.of(
                        "web.listen-address",
                        "web.telemetry-path",
                        "web.enable-lifecycle",
                        "web.config.file",
                        "docker.host",
                        "docker.tls-verify",
                        "docker.cert-path",
                        "docker.timeout",
                        "scan.interval",
                        "scan.events",
                        "scan.inspect-concurrency",
                        "remediation.enabled",
                        "remediation.refresh",
                        "metrics.per-container",
                        "metrics.container-labels",
                        "compliance.exempt-system-containers",
                        "compliance.kubernetes",
                        "compliance.exemptions",
                        "evidence.asset.name",
                        "evidence.asset.fqdn",
                        "evidence.asset.ip",
                        "evidence.asset.mac",
                        "evidence.asset.role",
                        "evidence.asset.marking",
                        "authz.socket",
                        "authz.mode",
                        "authz.plugin-name"),
                s.stream().map(Setting::key).toList());
        Setting exemptions = setting(s, "compliance.exemptions");
        assertTrue(exemptions.fileOnly());
        assertEquals("", exemptions.envVar());
        assertEquals("[]", exemptions.defaultValue());
        assertTrue(s.stream().filter(x -> x != exemptions).noneMatch(Setting::fileOnly));
        Setting host = setting(s, "docker.host");
        assertEquals("READONLY_ROOTFS_DOCKER_HOST", host.envVar());
        assertEquals("DOCKER_HOST", host.alias());
        assertEquals("unix:///var/run/docker.sock", host.defaultValue());
        assertEquals("\"\"", setting(s, "docker.cert-path").defaultValue());
        assertTrue(s.stream().noneMatch(x -> x.description().isBlank()));
        Setting lifecycle = setting(s, "web.enable-lifecycle");
        assertEquals("READONLY_ROOTFS_WEB_ENABLE_LIFECYCLE", lifecycle.envVar());
        assertEquals("false", lifecycle.defaultValue());
    }

    private static Setting setting(List<Setting> settings, String key) {
        return settings.stream().filter(x -> x.key().equals(key)).findFirst().orElseThrow();
    }

    @Test
    void enableLifecycleIsABareFlagAFileSettingOrAnEnvironmentVariable() {
        ConfigLoader loader = new ConfigLoader(Map.of());
        assertFalse(loader.load(CommandLine.parse()).web().enableLifecycle());
        assertTrue(
                loader.load(CommandLine.parse("--web.enable-lifecycle")).web().enableLifecycle());
        assertTrue(loader.load(CommandLine.parse("--web.enable-lifecycle", "--scan.events=false"))
                .web()
                .enableLifecycle());
        assertFalse(loader.load(CommandLine.parse("--web.enable-lifecycle=false"))
                .web()
                .enableLifecycle());
        assertTrue(new ConfigLoader(Map.of("READONLY_ROOTFS_WEB_ENABLE_LIFECYCLE", "true"))
                .load(CommandLine.parse())
                .web()
                .enableLifecycle());
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class,
                () -> loader.load(CommandLine.parse("--web.enable-lifecycle=yes please")));
        assertEquals(
                List.of(
                        "readonly-rootfs-exporter.web.enable-lifecycle must be a boolean (true or false), got [yes please]"
                                + " (flag --web.enable-lifecycle)"),
                e.problems());
    }
}
