package org.readonlyrootfs.exporter.it.evidence;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.config.ConfigLoader;
import org.readonlyrootfs.exporter.config.Setting;
import org.readonlyrootfs.exporter.remediation.ContainerContext;
import org.readonlyrootfs.exporter.remediation.ObservedWrites;
import org.readonlyrootfs.exporter.remediation.Planner;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.Tools;

/** The packaged jar, run as a user runs it. */
class CliIT {
    private static final Path JAR =
            Path.of(System.getProperty("exporter.jar", "target/readonly-rootfs-exporter-0.1.0.jar"));

    private static List<String> java(String... args) {
        assertTrue(Files.isRegularFile(JAR), "run mvn package first: " + JAR);
        List<String> cmd = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static Tools.Run run(String... args) {
        return Tools.run(java(args), null, 60);
    }

    private static void assertNoStackTrace(String stderr) {
        assertFalse(stderr.contains("\tat ") || stderr.contains("Exception in thread"), stderr);
    }

    @Test
    void helpListsEveryKeyWithItsEnvironmentVariable() {
        Tools.Run r = run("--help");
        assertEquals(0, r.exitCode(), r.stderr());
        for (Setting s : new ConfigLoader(Map.of()).settings()) {
            if (s.fileOnly()) {
                assertTrue(
                        r.stdout().contains("  " + s.key() + " = " + s.defaultValue() + " (config file only)"),
                        s.key());
                continue;
            }
            assertTrue(r.stdout().contains("--" + s.key() + "=" + s.defaultValue()), s.key());
            assertTrue(r.stdout().contains(s.envVar()), s.envVar());
        }
        assertTrue(r.stdout().contains("check [--output.json=FILE] [--output.cklb=FILE] [--output.ckl=FILE]"));
        assertTrue(r.stdout().contains("--config.file") && r.stdout().contains("DOCKER_HOST"));
    }

    @Test
    void versionPrintsTheVersion() {
        Tools.Run r = run("--version");
        assertEquals(0, r.exitCode());
        assertTrue(r.stdout().startsWith("readonly-rootfs-exporter 0.1.0 (java "), r.stdout());
    }

    @Test
    void badFlagsGiveOneLineEachAllAtOnceAndExitTwo() {
        Tools.Run r = run("--scan.interval=15", "--web.listen-address=nope", "--bogus=1");
        assertEquals(2, r.exitCode());
        List<String> lines = r.stderr().lines().toList();
        assertEquals(3, lines.size(), r.stderr());
        assertTrue(lines.stream().allMatch(l -> l.startsWith("readonly-rootfs-exporter: error: ")), r.stderr());
        assertTrue(r.stderr().contains("scan.interval must be a duration with a unit such as 15s or 500ms, got [15]"));
        assertTrue(r.stderr().contains("got [nope]"));
        assertTrue(r.stderr().contains("unknown flag [--bogus]"));
        assertNoStackTrace(r.stderr());
        assertEquals("", r.stdout());
    }

    @Test
    void anUnknownCommandIsAnError() {
        Tools.Run r = run("frobnicate");
        assertEquals(2, r.exitCode());
        assertEquals(
                "readonly-rootfs-exporter: error: unknown command [frobnicate]: the commands are serve"
                        + " (the default), check and authz, see --help",
                r.stderr().trim());
    }

    @Test
    void aPortInUseIsOneLineAndExitOne() throws IOException {
        try (ServerSocket taken = new ServerSocket(0)) {
            Tools.Run r =
                    run("--web.listen-address=:" + taken.getLocalPort(), "--docker.host=unix:///nonexistent.sock");
            assertEquals(1, r.exitCode(), r.stderr());
            assertTrue(
                    r.stderr()
                            .trim()
                            .startsWith("readonly-rootfs-exporter: error: cannot listen on :" + taken.getLocalPort()),
                    r.stderr());
            assertEquals(1, r.stderr().trim().lines().count(), r.stderr());
        }
    }

    @Test
    void servesTheDaemonAndStopsCleanlyOnSigterm() throws Exception {
        PrivateDockerd dockerd = PrivateDockerd.shared();
        dockerd.createSleeper("cli-rw", false);
        int port = Tools.freePort();
        Path log = Files.createTempFile("rre-cli", ".log");
        Process p = new ProcessBuilder(java("--web.listen-address=127.0.0.1:" + port, "--scan.interval=1s"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            p.getOutputStream().close();
            Scrape s = await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(
                            () -> Scrape.metrics(port),
                            x -> x.value("readonly_rootfs_scans_total", Map.of("result", "failure")) >= 1);
            assertEquals(0, s.value("readonly_rootfs_docker_up", Map.of()), "the default socket is not ours");
        } finally {
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "exits on SIGTERM");
        }
        String output = Files.readString(log);
        assertNoStackTrace(output);
        assertTrue(
                output.lines()
                        .anyMatch(l -> l.contains(
                                "scan failed: cannot reach the Docker daemon at " + "unix:///var/run/docker.sock")),
                output);

        ProcessBuilder pb = new ProcessBuilder(java("--web.listen-address=127.0.0.1:" + port, "--scan.interval=1s"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("DOCKER_HOST", dockerd.host());
        Process q = pb.start();
        try {
            q.getOutputStream().close();
            Scrape s = await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(
                            () -> Scrape.metrics(port),
                            x -> x.container("cli-rw").isPresent());
            assertEquals("finding", s.container("cli-rw").orElseThrow().label("status"));
            assertEquals(1, s.value("readonly_rootfs_docker_up", Map.of()));
        } finally {
            q.destroy();
            assertTrue(q.waitFor(20, TimeUnit.SECONDS), "exits on SIGTERM");
            Files.deleteIfExists(log);
        }
    }

    // ---------------------------------------------------------------- check

    @Test
    void checkPrintsTheStigCommandsLinesWithVerdictsWritesTheEvidenceAndExitsByTheVerdict(@TempDir Path dir)
            throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (PrivateDockerd dockerd = PrivateDockerd.start()) {
            dockerd.createSleeper("chk-ro", true);
            Path findings = dir.resolve("findings.json");
            Path cklb = dir.resolve("host.cklb");
            Path ckl = dir.resolve("host.ckl");
            Tools.Run clean = run(
                    "check",
                    "--docker.host=" + dockerd.host(),
                    "--output.json=" + findings,
                    "--output.cklb",
                    cklb.toString(),
                    "--output.ckl=" + ckl);
            assertEquals(0, clean.exitCode(), clean.stderr());
            assertEquals(
                    List.of("/chk-ro: ReadonlyRootfs=true status=compliant"),
                    clean.stdout().lines().toList());
            String host = dockerd.docker("info", "--format", "{{.Name}}");
            assertEquals(
                    "readonly-rootfs-exporter: host " + host + ": 1 container: 0 findings, 1 compliant, 0 exempt,"
                            + " 0 not_applicable; V-260936 not_a_finding",
                    clean.stderr().trim());
            assertEquals(
                    "not_a_finding",
                    json.readTree(findings.toFile()).path("status").asText());
            JsonNode rule = json.readTree(cklb.toFile())
                    .path("stigs")
                    .path(0)
                    .path("rules")
                    .path(0);
            assertEquals("not_a_finding", rule.path("status").asText());
            assertTrue(rule.path("finding_details").asText().contains("/chk-ro: ReadonlyRootfs=true"));
            assertEquals(
                    "NotAFinding",
                    DocumentBuilderFactory.newInstance()
                            .newDocumentBuilder()
                            .parse(ckl.toFile())
                            .getElementsByTagName("STATUS")
                            .item(0)
                            .getTextContent());

            dockerd.createSleeper("chk-rw", false);
            dockerd.createSleeper("chk-legacy", false, "--label", "com.example.team=billing");
            dockerd.createSleeper("chk-k8s", false, "--label", "io.kubernetes.pod.name=web-0");
            Path conf = dir.resolve("exemptions.conf");
            Files.writeString(
                    conf,
                    "readonly-rootfs-exporter.compliance.exemptions = [\n"
                            + "  { id = legacy, name = \"chk-legacy\", label = \"com.example.team=billing\", reason = \"vendor image\","
                            + " ticket = CHG-1, expires = \"2999-01-01\" }\n]\n");
            Tools.Run open = run("check", "--docker.host=" + dockerd.host(), "--config.file=" + conf);
            assertEquals(1, open.exitCode(), open.stderr());
            assertEquals(
                    List.of(
                            "/chk-k8s: ReadonlyRootfs=false status=not_applicable reason=\"managed by Kubernetes: the STIG check"
                                    + " is Not Applicable under Kubernetes orchestration\"",
                            "/chk-legacy: ReadonlyRootfs=false status=exempt reason=\"exemption legacy: vendor image (ticket"
                                    + " CHG-1, expires 2999-01-01)\"",
                            "/chk-ro: ReadonlyRootfs=true status=compliant",
                            "/chk-rw: ReadonlyRootfs=false status=finding",
                            "  fix: not_observed: docker run --read-only …",
                            "  warning: "
                                    + new Planner()
                                            .plan(
                                                    new ContainerContext(
                                                            "chk-rw", "", "", "", List.of(), false, false, null, ""),
                                                    ObservedWrites.none())
                                            .warnings()
                                            .get(0)),
                    open.stdout().lines().toList());
            for (String stigLine : dockerd.stigCheck()) {
                assertTrue(
                        open.stdout().lines().anyMatch(l -> l.startsWith(stigLine + " status=")),
                        "the STIG command's own line, then the verdict: " + stigLine);
            }
            assertTrue(
                    open.stderr()
                            .trim()
                            .endsWith("1 finding, 1 compliant, 1 exempt, 1 not_applicable; V-260936" + " open"),
                    open.stderr());
            assertEquals(1, open.stderr().trim().lines().count(), open.stderr());
        }
    }

    @Test
    void checkOnAnUnreachableDaemonIsOneErrorLineAndExitTwo() {
        Tools.Run r = run("check", "--docker.host=unix:///nonexistent.sock", "--docker.timeout=2s");
        assertEquals(2, r.exitCode(), r.stderr());
        assertEquals("", r.stdout());
        assertEquals(1, r.stderr().trim().lines().count(), r.stderr());
        assertTrue(
                r.stderr()
                        .startsWith("readonly-rootfs-exporter: error: cannot reach the Docker daemon at"
                                + " unix:///nonexistent.sock"),
                r.stderr());
        assertNoStackTrace(r.stderr());
    }

    @Test
    void checkFlagsAndBadExemptionsAreConfigurationErrors(@TempDir Path dir) throws IOException {
        Tools.Run serve = run("--output.json=x.json");
        assertEquals(2, serve.exitCode());
        assertEquals(
                "readonly-rootfs-exporter: error: flag --output.json only applies to the check command",
                serve.stderr().trim());
        Path conf = dir.resolve("bad.conf");
        Files.writeString(
                conf,
                "readonly-rootfs-exporter.compliance.exemptions = [\n"
                        + "  { id = a, image = \"(\", reason = x }\n"
                        + "  { id = b, name = b, expires = tomorrow }\n]\n");
        Tools.Run check = run("check", "--config.file=" + conf, "--output.cklb");
        assertEquals(2, check.exitCode());
        List<String> lines = check.stderr().lines().toList();
        assertEquals(4, lines.size(), check.stderr());
        assertTrue(lines.stream().allMatch(l -> l.startsWith("readonly-rootfs-exporter: error: ")), check.stderr());
        assertTrue(lines.get(0).endsWith("flag --output.cklb must be a file name, got [true]"), lines.get(0));
        assertTrue(lines.get(1).contains("compliance.exemptions[0].image must be a regular expression"), lines.get(1));
        assertTrue(lines.get(1).endsWith("(" + conf + ": 2)"), lines.get(1));
        assertTrue(lines.get(2).contains("compliance.exemptions[1].reason must be a text"), lines.get(2));
        assertTrue(lines.get(3).contains("compliance.exemptions[1].expires must be a date"), lines.get(3));
        assertNoStackTrace(check.stderr());
        assertEquals("", check.stdout());
    }

    @Test
    void checkThatCannotWriteItsEvidenceExitsTwo() {
        PrivateDockerd dockerd = PrivateDockerd.shared();
        Tools.Run r = run("check", "--docker.host=" + dockerd.host(), "--output.ckl=/nonexistent/dir/x.ckl");
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(
                r.stderr()
                        .lines()
                        .anyMatch(l -> l.startsWith(
                                "readonly-rootfs-exporter: error: cannot write" + " /nonexistent/dir/x.ckl")),
                r.stderr());
        assertNoStackTrace(r.stderr());
    }
}
