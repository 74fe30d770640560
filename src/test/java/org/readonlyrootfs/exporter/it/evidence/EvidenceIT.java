package org.readonlyrootfs.exporter.it.evidence;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.testing.MutableClock;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.TestConfig;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** Exemptions and the evidence endpoints against a real private dockerd (not a swarm: no services). */
class EvidenceIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static PrivateDockerd dockerd;
    private static String prefix;

    @BeforeAll
    static void start() {
        dockerd = PrivateDockerd.shared();
        prefix = "ev" + UUID.randomUUID().toString().substring(0, 6) + "-";
    }

    private static Path exemptions(Path dir, String body) throws Exception {
        Path conf = dir.resolve("exemptions.conf");
        Files.writeString(conf, "readonly-rootfs-exporter.compliance.exemptions = [\n" + body + "\n]\n");
        return conf;
    }

    private static JsonNode container(JsonNode findings, String name) {
        for (JsonNode c : findings.path("containers")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no container " + name + " in /findings");
    }

    private static Document xml(String text) throws Exception {
        return DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void findingsAndChecklistsDescribeTheDaemonFieldByField(@TempDir Path dir) throws Exception {
        dockerd.createSleeper(
                prefix + "rw",
                false,
                "--label",
                "com.docker.compose.project=shop",
                "--label",
                "com.docker.compose.service=web",
                "--label",
                "com.example.unrelated=x");
        dockerd.createSleeper(prefix + "ro", true);
        dockerd.createSleeper(prefix + "legacy", false, "--label", "com.example.team=billing");
        Path conf = exemptions(
                dir,
                "{ id = legacy, name = \"" + prefix + "legacy\", label = \"com.example.team=billing\","
                        + " reason = \"vendor image writes to /opt\", ticket = CHG-7, owner = team-billing, expires = \"2999-12-31\" }");
        try (Exporter exporter = Exporter.start(TestConfig.config(dockerd.host(), "--config.file=" + conf))) {
            int port = exporter.port();
            await().atMost(WAIT)
                    .until(() ->
                            Scrape.metrics(port).container(prefix + "legacy").isPresent());
            String host = dockerd.docker("info", "--format", "{{.Name}}");

            HttpResponse<String> f = Scrape.get(port, "/findings");
            assertEquals(200, f.statusCode());
            assertEquals(
                    "application/json; charset=utf-8",
                    f.headers().firstValue("Content-Type").orElseThrow());
            JsonNode findings = JSON.readTree(f.body());
            assertEquals(host, findings.path("host").asText());
            assertEquals(
                    dockerd.docker("version", "--format", "{{.Server.Version}}"),
                    findings.path("daemon_version").asText());
            assertEquals("V-260936", findings.path("stig").path("finding_id").asText());
            assertEquals(
                    "SV-260936r966165_rule",
                    findings.path("stig").path("rule_id").asText());
            assertTrue(findings.path("scan").path("docker_up").asBoolean());
            Instant scan = Instant.parse(findings.path("scan").path("time").asText());
            assertTrue(Duration.between(scan, Instant.now()).abs().getSeconds() < 60, scan.toString());
            assertEquals("open", findings.path("status").asText());
            assertFalse(findings.path("swarm_manager").asBoolean());
            assertEquals(0, findings.path("services").size(), "not a swarm: no services, no error");

            JsonNode rw = container(findings, prefix + "rw");
            assertEquals(
                    dockerd.docker("inspect", "--format", "{{.Id}}", prefix + "rw"),
                    rw.path("id").asText());
            assertEquals(
                    rw.path("id").asText().substring(0, 12), rw.path("short_id").asText());
            assertEquals(dockerd.image(), rw.path("image").asText());
            assertEquals("created", rw.path("state").asText());
            assertFalse(rw.path("readonly_rootfs").asBoolean());
            assertEquals("finding", rw.path("status").asText());
            assertEquals(
                    "root filesystem is writable (HostConfig.ReadonlyRootfs=false)",
                    rw.path("reason").asText());
            assertEquals("compose", rw.path("orchestrator").asText());
            assertEquals("shop", rw.path("stack").asText());
            assertEquals("web", rw.path("service").asText());
            assertEquals(
                    Map.of("com.docker.compose.project", "shop", "com.docker.compose.service", "web"),
                    JSON.convertValue(rw.path("labels"), Map.class),
                    "only the labels that matter");
            Instant created = Instant.parse(dockerd.docker("inspect", "--format", "{{.Created}}", prefix + "rw"));
            assertEquals(
                    created.truncatedTo(ChronoUnit.SECONDS).toString(),
                    rw.path("created").asText());
            assertFalse(rw.path("first_seen").isNull());
            JsonNode ro = container(findings, prefix + "ro");
            assertEquals("compliant", ro.path("status").asText());
            assertTrue(ro.path("readonly_rootfs").asBoolean());
            JsonNode legacy = container(findings, prefix + "legacy");
            assertEquals("exempt", legacy.path("status").asText());
            assertEquals("legacy", legacy.path("exemption").asText());
            assertEquals(
                    "exemption legacy: vendor image writes to /opt (ticket CHG-7, owner team-billing, expires"
                            + " 2999-12-31)",
                    legacy.path("reason").asText());
            assertEquals(
                    "billing",
                    legacy.path("labels").path("com.example.team").asText(),
                    "a label an exemption looks at matters");
            JsonNode ex = findings.path("exemptions");
            assertEquals("system-containers", ex.path(0).path("id").asText());
            assertEquals("legacy", ex.path(1).path("id").asText());
            assertEquals(1, ex.path(1).path("matches").asInt());
            assertEquals("2999-12-31T00:00:00Z", ex.path(1).path("expires").asText());
            assertEquals(
                    dockerd.stigCheckByName().size(),
                    findings.path("containers").size(),
                    "every container the STIG command lists");

            HttpResponse<String> b = Scrape.get(port, "/checklist.cklb");
            assertEquals(200, b.statusCode());
            assertEquals(
                    "attachment; filename=\"" + host.replaceAll("[^A-Za-z0-9._-]", "_") + "_MKE_V-260936.cklb\"",
                    b.headers().firstValue("Content-Disposition").orElseThrow());
            JsonNode cklb = JSON.readTree(b.body());
            assertEquals("1.0", cklb.path("cklb_version").asText());
            assertEquals(host, cklb.path("target_data").path("host_name").asText());
            JsonNode rule = cklb.path("stigs").path(0).path("rules").path(0);
            assertEquals("V-260936", rule.path("group_id").asText());
            assertEquals("SV-260936r966165_rule", rule.path("rule_id_src").asText());
            assertEquals("CNTR-MK-001160", rule.path("rule_version").asText());
            assertEquals("open", rule.path("status").asText());
            String details = rule.path("finding_details").asText();
            assertTrue(
                    details.contains("/" + prefix + "rw: ReadonlyRootfs=false (id "
                            + rw.path("short_id").asText()),
                    details);
            assertTrue(details.contains("/" + prefix + "legacy: ReadonlyRootfs=false, exemption legacy"), details);
            assertTrue(
                    details.contains("legacy: vendor image writes to /opt (ticket CHG-7, owner team-billing, expires"
                            + " 2999-12-31)"),
                    details);
            assertTrue(details.contains("/" + prefix + "ro: ReadonlyRootfs=true"), details);
            assertTrue(rule.path("comments").asText().contains("readonly-rootfs-exporter"));

            HttpResponse<String> l = Scrape.get(port, "/checklist.ckl");
            assertEquals(200, l.statusCode());
            assertEquals(
                    "application/xml; charset=utf-8",
                    l.headers().firstValue("Content-Type").orElseThrow());
            Document ckl = xml(l.body());
            assertEquals(host, ckl.getElementsByTagName("HOST_NAME").item(0).getTextContent());
            assertEquals("Open", ckl.getElementsByTagName("STATUS").item(0).getTextContent());
            NodeList data = ckl.getElementsByTagName("STIG_DATA");
            boolean ruleId = false;
            for (int i = 0; i < data.getLength(); i++) {
                Element e = (Element) data.item(i);
                if (e.getElementsByTagName("VULN_ATTRIBUTE")
                        .item(0)
                        .getTextContent()
                        .equals("Rule_ID")) {
                    ruleId = e.getElementsByTagName("ATTRIBUTE_DATA")
                            .item(0)
                            .getTextContent()
                            .equals("SV-260936r966165_rule");
                }
            }
            assertTrue(ruleId);
            assertTrue(ckl.getElementsByTagName("FINDING_DETAILS")
                    .item(0)
                    .getTextContent()
                    .contains("/" + prefix + "rw: ReadonlyRootfs=false"));

            Scrape m = Scrape.metrics(port);
            assertEquals(0, m.samples("readonly_rootfs_service").size());
            assertEquals(1, m.value("readonly_rootfs_exemption_matches", Map.of("exemption", "legacy")));
            assertEquals(
                    Instant.parse("2999-12-31T00:00:00Z").getEpochSecond(),
                    m.value("readonly_rootfs_exemption_expiry_timestamp_seconds", Map.of("exemption", "legacy")));
        }
    }

    @Test
    void anExemptionExpiringDuringTheRunTurnsItsContainerIntoAFindingWithoutAnyDockerChange(@TempDir Path dir)
            throws Exception {
        dockerd.createSleeper(prefix + "soon", false);
        Instant expires = Instant.now().plusSeconds(6).truncatedTo(ChronoUnit.SECONDS);
        Path conf = exemptions(
                dir,
                "{ id = soon, name = \"" + prefix + "soon\", reason = \"until the fix ships\"," + " expires = \""
                        + expires + "\" }");
        // one scan in an hour, no events: only the passing time can change the verdict
        try (Exporter exporter = Exporter.start(TestConfig.config(
                dockerd.host(), "--config.file=" + conf, "--scan.interval=1h", "--scan.events=false"))) {
            int port = exporter.port();
            Scrape before = await().atMost(WAIT)
                    .until(
                            () -> Scrape.metrics(port),
                            s -> s.container(prefix + "soon").isPresent());
            assertEquals(
                    "exempt", before.container(prefix + "soon").orElseThrow().label("status"));
            assertEquals(
                    expires.getEpochSecond(),
                    before.value("readonly_rootfs_exemption_expiry_timestamp_seconds", Map.of("exemption", "soon")));
            assertEquals(1, before.value("readonly_rootfs_scans_total", Map.of("result", "success")));
            Scrape after = await().atMost(WAIT)
                    .until(
                            () -> Scrape.metrics(port),
                            s -> s.container(prefix + "soon")
                                    .orElseThrow()
                                    .label("status")
                                    .equals("finding"));
            assertFalse(Instant.now().isBefore(expires));
            assertEquals(
                    1,
                    after.value("readonly_rootfs_scans_total", Map.of("result", "success")),
                    "no scan ran: the snapshot itself applied the expiry");
            assertEquals(1, after.value("readonly_rootfs_exemption_matches", Map.of("exemption", "soon")));
            JsonNode c = container(JSON.readTree(Scrape.get(port, "/findings").body()), prefix + "soon");
            assertTrue(c.path("exemption_expired").asBoolean());
            assertEquals(
                    "root filesystem is writable (HostConfig.ReadonlyRootfs=false); exemption soon expired at "
                            + expires,
                    c.path("reason").asText());
        }
    }

    @Test
    void withAnInjectedClockDaysPassInNoTime(@TempDir Path dir) throws Exception {
        dockerd.createSleeper(prefix + "month", false);
        MutableClock clock = new MutableClock(Instant.parse("2031-01-01T00:00:00Z"));
        Path conf = exemptions(
                dir,
                "{ id = month, name = \"" + prefix + "month\", reason = \"one month\"," + " expires = 2031-02-01 }");
        try (Exporter exporter = Exporter.start(TestConfig.config(dockerd.host(), "--config.file=" + conf), clock)) {
            int port = exporter.port();
            await().atMost(WAIT)
                    .until(() -> Scrape.metrics(port)
                            .container(prefix + "month")
                            .map(s -> s.label("status").equals("exempt"))
                            .orElse(false));
            clock.advance(Duration.ofDays(31));
            assertEquals(
                    "finding",
                    Scrape.metrics(port)
                            .container(prefix + "month")
                            .orElseThrow()
                            .label("status"));
            JsonNode findings = JSON.readTree(Scrape.get(port, "/findings").body());
            assertEquals("2031-02-01T00:00:00Z", findings.path("generated_at").asText(), "evidence is dated by it too");
        }
    }

    @Test
    void evidenceNeedsASuccessfulScan() throws Exception {
        try (Exporter exporter = Exporter.start(TestConfig.config("unix:///nonexistent.sock"))) {
            for (String path : List.of("/findings", "/checklist.cklb", "/checklist.ckl")) {
                HttpResponse<String> r = Scrape.get(exporter.port(), path);
                assertEquals(503, r.statusCode(), path);
                assertTrue(r.body().startsWith("No evidence yet: no scan has succeeded"), r.body());
            }
        }
    }
}
