package org.readonlyrootfs.exporter.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    }

    @Test
    void cardinalityAndConcurrencyAreValidated() {
        ExporterConfig c = load(Map.of("READONLY_ROOTFS_METRICS_PER_CONTAINER", "findings"), "--scan.inspect-concurrency=8",
                "--scan.events=false");
        assertEquals(PerContainer.FINDINGS, c.perContainer());
        assertEquals(8, c.inspectConcurrency());
        assertFalse(c.followEvents());
        List<String> p = problems(Map.of(), "--metrics.per-container=some", "--scan.inspect-concurrency=0");
        assertEquals(List.of(
                "readonly-rootfs-exporter.scan.inspect-concurrency must be a whole number from 1 to 64, got [0] (flag --scan.inspect-concurrency)",
                "readonly-rootfs-exporter.metrics.per-container must be one of all, findings, none, got [some] (flag --metrics.per-container)"), p);
    }

    @Test
    void aGoodFileSetsEveryKey() {
        ExporterConfig c = load(Map.of(), "--config.file", TESTDATA.resolve("config-good.conf").toString());
        assertEquals(new WebConfig("127.0.0.1", 19100, "/probe/metrics"), c.web());
        assertEquals("tcp://docker.example:2375", c.docker().host());
        assertEquals(Duration.ofSeconds(3), c.docker().timeout());
        assertEquals(Duration.ofMinutes(1), c.scanInterval());
        assertFalse(c.exemptSystemContainers());
    }

    @Test
    void flagsWinOverEnvironmentWhichWinsOverTheFile() {
        String file = TESTDATA.resolve("config-good.conf").toString();
        Map<String, String> env = Map.of("READONLY_ROOTFS_SCAN_INTERVAL", "2m", "READONLY_ROOTFS_CONFIG_FILE", file,
                "READONLY_ROOTFS_WEB_TELEMETRY_PATH", "/env");
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
        ExporterConfig c = load(Map.of("DOCKER_HOST", "tcp://10.0.0.1:2376", "DOCKER_TLS_VERIFY", "1",
                "DOCKER_CERT_PATH", certs.toString()));
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
        ExporterConfig c = load(Map.of(), "--compliance.exempt-system-containers=false", "--web.listen-address",
                "[::1]:9100");
        assertFalse(c.exemptSystemContainers());
        assertEquals(new WebConfig("::1", 9100, "/metrics"), c.web());
    }

    @Test
    void everyBadValueIsReportedAtOnceWithKeyRuleAndValue() {
        List<String> p = problems(Map.of(), "--config.file=" + TESTDATA.resolve("config-bad-values.conf"));
        assertEquals(6, p.size(), String.join("\n", p));
        assertTrue(p.stream().anyMatch(l -> l.startsWith("readonly-rootfs-exporter.web.listen-address must be [host]:port")
                && l.contains("got [9966]")), String.join("\n", p));
        assertTrue(p.stream().anyMatch(l -> l.startsWith("readonly-rootfs-exporter.web.telemetry-path must be a path")
                && l.contains("got [metrics]")));
        assertTrue(p.stream().anyMatch(l -> l.startsWith("readonly-rootfs-exporter.docker.host must be unix:///path or tcp://host:port")
                && l.contains("got [http://localhost:2375]")));
        assertTrue(p.stream().anyMatch(l -> l.startsWith("readonly-rootfs-exporter.docker.timeout must be a duration with a unit")
                && l.contains("got [15]")), "a bare number would silently be milliseconds");
        assertTrue(p.stream().anyMatch(l -> l.startsWith("readonly-rootfs-exporter.scan.interval must be a duration")
                && l.contains("got [soon]")));
        assertTrue(p.stream().anyMatch(l -> l.startsWith("readonly-rootfs-exporter.compliance.exempt-system-containers must be a boolean")
                && l.contains("got [maybe]")));
        assertTrue(p.stream().allMatch(l -> l.contains("config-bad-values.conf")), "each names where the value came from");
    }

    @Test
    void misspelledKeysAreErrorsNotIgnored() {
        List<String> p = problems(Map.of(), "--config.file=" + TESTDATA.resolve("config-bad-keys.conf"));
        assertEquals(3, p.size(), String.join("\n", p));
        assertTrue(p.stream().anyMatch(l -> l.contains("unknown key [readonly-rootfs-exporter.scan.intervall]")));
        assertTrue(p.stream().anyMatch(l -> l.contains("unknown key [readonly-rootfs-exporter.web.listen-adress]")));
        assertTrue(p.stream().anyMatch(l -> l.contains("unknown key [listen-address]") && l.contains("settings go under")));
    }

    @Test
    void unknownFlagsAndBadFlagValuesAreErrors() {
        List<String> p = problems(Map.of(), "--scan.intervall=3s", "--web.listen-address=:99999", "-x", "extra", "more");
        assertTrue(p.contains("unknown flag [--scan.intervall]: see --help for the list"), String.join("\n", p));
        assertTrue(p.stream().anyMatch(l -> l.contains("web.listen-address") && l.contains("got [:99999]")
                && l.contains("flag --web.listen-address")));
        assertTrue(p.stream().anyMatch(l -> l.contains("unknown flag [-x]")));
        assertTrue(p.stream().anyMatch(l -> l.contains("unexpected argument [more]")));
    }

    @Test
    void badSyntaxAndMissingFilesAreOneLineEach() {
        List<String> syntax = problems(Map.of(), "--config.file=" + TESTDATA.resolve("config-bad-syntax.conf"));
        assertEquals(1, syntax.size());
        assertTrue(syntax.get(0).startsWith("config.file [") && syntax.get(0).contains("cannot be parsed"), syntax.get(0));
        assertFalse(syntax.get(0).contains("\n"));
        List<String> missing = problems(Map.of(), "--config.file=/nonexistent/x.conf");
        assertEquals(List.of("config.file must be a readable file, got [/nonexistent/x.conf]"), missing);
    }

    @Test
    void reservedPathsAndOutOfRangeDurationsAreRejected() {
        List<String> p = problems(Map.of(), "--web.telemetry-path=/-/ready", "--scan.interval=10ms",
                "--docker.timeout=2h");
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
        assertTrue(p.stream().anyMatch(l -> l.contains("missing ca.pem, cert.pem, key.pem") && l.contains(empty.toString())));
    }

    @Test
    void settingsListEveryKeyWithEnvDefaultAndDescription() {
        List<Setting> s = new ConfigLoader(Map.of()).settings();
        assertEquals(List.of("web.listen-address", "web.telemetry-path", "web.config.file", "docker.host",
                "docker.tls-verify", "docker.cert-path", "docker.timeout", "scan.interval", "scan.events",
                "scan.inspect-concurrency", "metrics.per-container", "compliance.exempt-system-containers"),
                s.stream().map(Setting::key).toList());
        Setting host = s.get(3);
        assertEquals("READONLY_ROOTFS_DOCKER_HOST", host.envVar());
        assertEquals("DOCKER_HOST", host.alias());
        assertEquals("unix:///var/run/docker.sock", host.defaultValue());
        assertEquals("\"\"", s.get(5).defaultValue());
        assertTrue(s.stream().noneMatch(x -> x.description().isBlank()));
    }
}
