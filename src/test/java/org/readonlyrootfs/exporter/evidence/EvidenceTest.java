package org.readonlyrootfs.exporter.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.compliance.ContainerFacts;
import org.readonlyrootfs.exporter.compliance.StigRule;
import org.readonlyrootfs.exporter.config.EvidenceAsset;
import org.readonlyrootfs.exporter.metrics.Fixtures;
import org.readonlyrootfs.exporter.scan.AuditedContainer;
import org.readonlyrootfs.exporter.scan.Snapshot;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The evidence outputs of the fixed inventory: the CKLB parsed as JSON and the CKL as XML, field by
 * field; golden files of all three (regenerate with {@code -Dgolden.update=true} and review the diff).
 */
class EvidenceTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden");
    private static final Instant GENERATED = Instant.parse("2023-11-14T22:16:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static void assertGolden(String name, String actual) throws IOException {
        Path file = GOLDEN.resolve(name);
        // the version changes with every release: pin it
        String pinned = actual.replace(
                "readonly-rootfs-exporter " + org.readonlyrootfs.exporter.product.BuildInfo.version(),
                "readonly-rootfs-exporter VERSION");
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(file, pinned);
        }
        assertEquals(Files.readString(file), pinned, "golden file " + file + " (regenerate with -Dgolden.update=true)");
    }

    private static final String AT_FINDINGS = Evidence.atEndpoint("/findings");

    private static String ckl(Snapshot s) {
        return Ckl.render(Evidence.of(s, GENERATED, EvidenceAsset.DEFAULT, AT_FINDINGS));
    }

    private static String cklb(Snapshot s) {
        return Cklb.render(Evidence.of(s, GENERATED, EvidenceAsset.DEFAULT, AT_FINDINGS));
    }

    private static Document xml(String text) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String child(Element e, String name) {
        NodeList l = e.getElementsByTagName(name);
        assertEquals(1, l.getLength(), name);
        return l.item(0).getTextContent();
    }

    private static Map<String, String> stigData(Document d) {
        Map<String, String> out = new LinkedHashMap<>();
        NodeList data = d.getElementsByTagName("STIG_DATA");
        for (int i = 0; i < data.getLength(); i++) {
            Element e = (Element) data.item(i);
            out.put(child(e, "VULN_ATTRIBUTE"), child(e, "ATTRIBUTE_DATA"));
        }
        return out;
    }

    @Test
    void theCklbIsAStigViewerChecklistOfTheHostWithTheRuleAndItsVerdict() throws Exception {
        String text = cklb(Fixtures.inventory());
        JsonNode root = JSON.readTree(text);
        assertEquals(
                List.of("title", "id", "stigs", "active", "mode", "has_path", "target_data", "cklb_version"),
                fieldNames(root),
                "STIG Viewer's order");
        assertEquals("1.0", root.path("cklb_version").asText());
        assertTrue(root.path("active").asBoolean());
        assertEquals(2, root.path("mode").asInt());
        assertEquals("node-1", root.path("target_data").path("host_name").asText());
        assertEquals("Computing", root.path("target_data").path("target_type").asText());
        assertEquals(
                "Docker Engine 20.10.24",
                root.path("target_data").path("comments").asText());
        JsonNode stig = root.path("stigs").path(0);
        assertEquals(1, root.path("stigs").size());
        assertEquals("Mirantis_Kubernetes_Engine_STIG", stig.path("stig_id").asText());
        assertEquals(StigRule.RELEASE_INFO, stig.path("release_info").asText());
        assertEquals(1, stig.path("size").asInt());
        assertEquals(1, stig.path("rules").size());
        JsonNode rule = stig.path("rules").path(0);
        assertEquals("V-260936", rule.path("group_id").asText());
        assertEquals("V-260936", rule.path("group_id_src").asText());
        assertEquals("SV-260936r966165_rule", rule.path("rule_id_src").asText(), "STIG Manager imports by this one");
        assertEquals("SV-260936r966165", rule.path("rule_id").asText(), "STIG Viewer 3 drops the suffix");
        assertEquals("CNTR-MK-001160", rule.path("rule_version").asText());
        assertEquals("SRG-APP-000342-CTR-000775", rule.path("group_title").asText(), "the SRG id, as DISA's");
        assertEquals(
                "SRG-APP-000342-CTR-000775",
                rule.path("group_tree").path(0).path("title").asText());
        assertEquals("medium", rule.path("severity").asText());
        assertEquals("[\"CCI-002233\"]", rule.path("ccis").toString());
        assertEquals(StigRule.TITLE, rule.path("rule_title").asText());
        assertEquals(StigRule.CHECK_TEXT, rule.path("check_content").asText());
        assertTrue(rule.path("check_content")
                .asText()
                .contains("If ReadonlyRootfs=false, it means the container's root"
                        + " filesystem is writable and this is a finding."));
        assertEquals(StigRule.FIX_TEXT, rule.path("fix_text").asText());
        assertTrue(rule.path("fix_text")
                .asText()
                .contains("docker run <Run arguments> --read-only <Container Image Name or ID> <Command>"));
        assertEquals(stig.path("uuid").asText(), rule.path("stig_uuid").asText());
        assertEquals("open", rule.path("status").asText());
        String details = rule.path("finding_details").asText();
        for (String line : List.of(
                "/worker: ReadonlyRootfs=false (id bbbbbbbbbbbb, image worker:latest, state exited)",
                "/shop_web.1.x7: ReadonlyRootfs=false (id cccccccccccc, image web@sha256:0f, state running, swarm stack"
                        + " shop, service shop_web)",
                "/batch-7: ReadonlyRootfs=false (id 222222222222, image batch:2, state exited, exemption batch-2023"
                        + " expired)",
                "shop_web: ReadOnly=false (replicated, stack shop, image web:1.0)",
                "/billing: ReadonlyRootfs=false, exemption billing-vendor (id 111111111111, image vendor/billing:7.2,"
                        + " state running)",
                "billing-vendor: Vendor image writes its license cache to /opt/billing (ticket CHG-1234, owner"
                        + " team-billing, expires 2030-06-30); selects image=~\"vendor/billing:.*\"; 1 match",
                "batch-2023 (EXPIRED): Batch jobs rewrite /app/cache until the Q4 refactoring (ticket RISK-77, expires"
                        + " 2023-11-01); selects name=~\"batch-.*\", label com.example.tier=~\"batch|etl\"; 1 match",
                "system-containers: MKE (ucp-*) and MSR (dtr-*) system containers: the STIG fix targets nonsystem"
                        + " containers (built-in); selects name ucp-* or dtr-*, or label com.docker.ucp.version or"
                        + " com.docker.dtr.version; 2 matches",
                "/k8s_POD_web: ReadonlyRootfs=false",
                "/api: ReadonlyRootfs=true")) {
            assertTrue(details.lines().anyMatch(line::equals), "finding_details lacks [" + line + "] in\n" + details);
        }
        assertTrue(
                details.startsWith("Host node-1 (Docker 20.10.24), scan of 2023-11-14T22:15:23Z: 8 containers: 3"
                        + " findings, 2 compliant, 2 exempt, 1 not_applicable."),
                details);
        String comments = rule.path("comments").asText();
        assertTrue(comments.startsWith("Evaluated automatically by readonly-rootfs-exporter "), comments);
        assertTrue(
                comments.contains("Scan: 2023-11-14T22:15:23Z; checklist generated 2023-11-14T22:16:00Z."), comments);
        assertGolden("checklist.cklb", text);
    }

    @Test
    void theCklIsTheSameChecklistAsXml() throws Exception {
        Snapshot s = Fixtures.inventory();
        String text = ckl(s);
        Document d = xml(text);
        assertEquals("CHECKLIST", d.getDocumentElement().getTagName());
        Element asset = (Element) d.getElementsByTagName("ASSET").item(0);
        assertEquals("node-1", child(asset, "HOST_NAME"));
        assertEquals("Computing", child(asset, "ASSET_TYPE"));
        Map<String, String> info = new LinkedHashMap<>();
        NodeList si = d.getElementsByTagName("SI_DATA");
        for (int i = 0; i < si.getLength(); i++) {
            Element e = (Element) si.item(i);
            NodeList data = e.getElementsByTagName("SID_DATA");
            info.put(
                    child(e, "SID_NAME"),
                    data.getLength() == 0 ? "" : data.item(0).getTextContent());
        }
        assertEquals("Mirantis_Kubernetes_Engine_STIG", info.get("stigid"));
        assertEquals("2", info.get("version"));
        assertEquals(StigRule.RELEASE_INFO, info.get("releaseinfo"));
        assertEquals(StigRule.STIG_NAME, info.get("title"));
        assertEquals(1, d.getElementsByTagName("VULN").getLength());
        Map<String, String> data = stigData(d);
        assertEquals("V-260936", data.get("Vuln_Num"));
        assertEquals("SV-260936r966165_rule", data.get("Rule_ID"));
        assertEquals("CNTR-MK-001160", data.get("Rule_Ver"));
        assertEquals("SRG-APP-000342-CTR-000775", data.get("Group_Title"), "the SRG id, as DISA's");
        assertEquals("medium", data.get("Severity"));
        assertEquals("CCI-002233", data.get("CCI_REF"));
        assertEquals(StigRule.TITLE, data.get("Rule_Title"));
        assertEquals(StigRule.CHECK_TEXT, data.get("Check_Content"));
        assertEquals(StigRule.FIX_TEXT, data.get("Fix_Text"));
        assertEquals(StigRule.DISCUSSION, data.get("Vuln_Discuss"));
        Element vuln = (Element) d.getElementsByTagName("VULN").item(0);
        assertEquals("Open", child(vuln, "STATUS"));
        JsonNode cklb =
                JSON.readTree(cklb(s)).path("stigs").path(0).path("rules").path(0);
        assertEquals(cklb.path("finding_details").asText(), child(vuln, "FINDING_DETAILS"), "the same content");
        assertEquals(cklb.path("comments").asText(), child(vuln, "COMMENTS"));
        assertGolden("checklist.ckl", text);
    }

    @Test
    void statusIsOpenNotAFindingOrNotApplicable() {
        Classifier c = new Classifier(true);
        Instant now = Fixtures.NOW;
        ContainerFacts ro = new ContainerFacts("a1", "api", "i", "running", Map.of(), 1, true);
        ContainerFacts ucp = new ContainerFacts("b2", "ucp-agent", "i", "running", Map.of(), 1, false);
        ContainerFacts pod =
                new ContainerFacts("c3", "k8s_web", "i", "running", Map.of("io.kubernetes.pod.name", "w"), 1, false);
        ContainerFacts rw = new ContainerFacts("d4", "web", "i", "running", Map.of(), 1, false);
        assertEquals(ChecklistStatus.NOT_A_FINDING, Evidence.status(snapshot(c, now, ro, ucp, pod)));
        assertEquals(ChecklistStatus.NOT_APPLICABLE, Evidence.status(snapshot(c, now, pod)));
        assertEquals(
                ChecklistStatus.NOT_A_FINDING, Evidence.status(snapshot(c, now)), "no container: nothing writable");
        assertEquals(ChecklistStatus.OPEN, Evidence.status(snapshot(c, now, ro, rw)));
        assertEquals("not_a_finding", ChecklistStatus.NOT_A_FINDING.cklb());
        assertEquals("NotAFinding", ChecklistStatus.NOT_A_FINDING.ckl());
        assertEquals("Not_Applicable", ChecklistStatus.NOT_APPLICABLE.ckl());
    }

    private static Snapshot snapshot(Classifier c, Instant now, ContainerFacts... facts) {
        List<AuditedContainer> audited = new ArrayList<>();
        for (ContainerFacts f : facts) {
            audited.add(new AuditedContainer(f, c.classify(f, now), 1));
        }
        return new Snapshot(
                "h", "20.10", true, true, "", audited, 0, 0.1, now.getEpochSecond(), 1, 0, 0, Map.of(), true, 0);
    }

    private static Snapshot manyFindings(int findings, int exempt, int compliant) {
        Classifier c = new Classifier(true);
        List<ContainerFacts> many = new ArrayList<>();
        for (int i = 0; i < findings; i++) {
            many.add(new ContainerFacts(
                    String.format("%064d", i),
                    "writable-container-with-a-long-name-" + i,
                    "registry.example.com/team/app:1." + i,
                    "running",
                    Map.of(),
                    1,
                    false));
        }
        for (int i = 0; i < exempt; i++) {
            many.add(new ContainerFacts("e" + i, "ucp-agent-" + i, "mirantis/ucp:3.7", "running", Map.of(), 1, false));
        }
        for (int i = 0; i < compliant; i++) {
            many.add(new ContainerFacts("c" + i, "read-only-" + i, "app:1", "running", Map.of(), 1, true));
        }
        return snapshot(c, Fixtures.NOW, many.toArray(ContainerFacts[]::new));
    }

    @Test
    void detailsLongerThanStigManagersLimitLoseFindingsNeverTheSummaryNorTheExemptions() throws Exception {
        Snapshot s = manyFindings(2000, 40, 30);
        assertTrue(Evidence.details(s, GENERATED).length() > Evidence.MAX_TEXT);
        Evidence e = Evidence.of(s, GENERATED, EvidenceAsset.DEFAULT, Evidence.atEndpoint("http://rre:9966/findings"));
        String d = e.findingDetails();
        assertTrue(d.length() <= Evidence.MAX_TEXT, "" + d.length());
        assertTrue(d.length() > Evidence.MAX_TEXT - 400, "as much as fits: " + d.length());
        List<String> lines = d.lines().toList();
        assertTrue(
                lines.get(0).endsWith(": 2070 containers: 2000 findings, 30 compliant, 40 exempt, 0 not_applicable."),
                lines.get(0));
        for (int i = 0; i < 40; i++) {
            String exempt = "/ucp-agent-" + i + ": ReadonlyRootfs=false, exemption system-containers (id e" + i
                    + ", image mirantis/ucp:3.7, state running)";
            assertTrue(lines.contains(exempt), "every exempt container survives the cut: " + exempt);
        }
        assertTrue(
                lines.stream()
                        .anyMatch(l -> l.startsWith("system-containers: MKE (ucp-*) and MSR (dtr-*) system"
                                        + " containers: the STIG fix targets nonsystem containers (built-in); selects")
                                && l.endsWith("; 40 matches")),
                "the exemption's justification survives the cut");
        assertFalse(lines.contains("Compliant containers:"), "the compliant list goes first");
        assertFalse(d.contains("  fix: "), "then the fix lines");
        long kept = lines.stream()
                .filter(l -> l.startsWith("/writable-container-with-a-long-name-"))
                .peek(l -> assertTrue(
                        l.matches("/writable-container-with-a-long-name-\\d+: ReadonlyRootfs=false \\(id 0+\\d*, image"
                                + " registry.example.com/team/app:1.\\d+, state running\\)"),
                        "whole lines only: " + l))
                .count();
        assertTrue(kept > 100 && kept < 2000, "then findings, from the end: " + kept);
        assertTrue(lines.contains("/writable-container-with-a-long-name-0: ReadonlyRootfs=false (id " + "0".repeat(12)
                + ", image registry.example.com/team/app:1.0, state running)"));
        assertEquals(
                "[cut: STIG Manager keeps 32767 characters; not listed here: " + (2000 - kept) + " of 2000 findings,"
                        + " the fixes of " + kept + " findings, 30 compliant containers; the complete list is at"
                        + " http://rre:9966/findings of the exporter]",
                lines.get(lines.size() - 1));
        Document x = xml(Ckl.render(e));
        assertEquals(d, child((Element) x.getElementsByTagName("VULN").item(0), "FINDING_DETAILS"));
    }

    @Test
    void fixLinesGoLongestFirstBeforeAnyFindingAndTheNoteSaysWhereEverythingIs() {
        Snapshot s = manyFindings(3, 0, 2);
        Details details = Details.of(s, GENERATED);
        String full = details.text();
        String json = Evidence.inFile("/srv/evidence/node-1.json");
        assertEquals(full, details.fit(full.length(), json), "fits: as it is");
        List<String> findings = full.lines()
                .filter(l -> l.startsWith("/writable-container-with-a-long-name-"))
                .toList();
        List<String> fixes = full.lines().filter(l -> l.startsWith("  fix: ")).toList();
        List<String> compliant =
                full.lines().filter(l -> l.startsWith("/read-only-")).toList();
        String summary = full.lines().findFirst().orElseThrow();
        for (int max = full.length() - 1; max > 560; max--) { // below, the kept part and the note do not fit
            String fit = details.fit(max, json);
            assertTrue(fit.length() <= max, max + ": " + fit.length());
            List<String> lines = fit.lines().toList();
            assertEquals(summary, lines.get(0), "the summary is never cut");
            assertTrue(
                    lines.get(lines.size() - 1)
                            .startsWith("[cut: STIG Manager keeps 32767 characters; not listed" + " here: "),
                    max + ": " + fit);
            assertTrue(lines.get(lines.size() - 1)
                    .endsWith("; the complete list is in /srv/evidence/node-1.json" + " (check --output.json)]"));
            long keptFindings = findings.stream().filter(lines::contains).count();
            long keptFixes = fixes.stream().filter(lines::contains).count();
            long keptCompliant = compliant.stream().filter(lines::contains).count();
            assertEquals(
                    findings.subList(0, (int) keptFindings),
                    lines.stream().filter(findings::contains).toList(),
                    "findings are cut from the end");
            if (keptFindings < findings.size()) {
                assertEquals(0, keptFixes, max + ": findings go after every fix line\n" + fit);
            }
            if (keptFixes < fixes.size()) {
                assertEquals(0, keptCompliant, max + ": fix lines go after the compliant list\n" + fit);
            }
        }
        String twoFixes = details.fit(full.length() - 60, Evidence.RUN_WITH_JSON);
        assertTrue(
                twoFixes.endsWith("not listed here: the fixes of 2 findings, 2 compliant containers; the complete list"
                        + " is in the JSON evidence: run check again with --output.json=FILE]"),
                twoFixes);
        assertTrue(
                details.fit(570, json).contains("not listed here: 3 of 3 findings, 2 compliant containers;"),
                "a finding's fix goes with it: " + details.fit(570, json));
        assertEquals(
                "abc\n[cut",
                Details.cut("abc\n" + "x".repeat(200), 150, "at /findings").substring(0, 8));
        assertEquals(150, Details.cut("y".repeat(500), 150, "at /findings").length(), "one huge line is cut inside");
        assertTrue(Details.cut("a\n" + "b".repeat(300), 200, "at /findings").contains("[cut: 1 more line: "));
    }

    @Test
    void theConfiguredAssetIsTheChecklistsTarget() throws Exception {
        EvidenceAsset asset = new EvidenceAsset(
                "node-1.example.com",
                "node-1.example.com",
                "192.0.2.10",
                "00:1a:2b:3c:4d:5e",
                "Member Server",
                "CUI//SP-X");
        Evidence e = Evidence.of(Fixtures.inventory(), GENERATED, asset, AT_FINDINGS);
        Element a = (Element) xml(Ckl.render(e)).getElementsByTagName("ASSET").item(0);
        assertEquals("node-1.example.com", child(a, "HOST_NAME"));
        assertEquals("node-1.example.com", child(a, "HOST_FQDN"));
        assertEquals("192.0.2.10", child(a, "HOST_IP"));
        assertEquals("00:1a:2b:3c:4d:5e", child(a, "HOST_MAC"));
        assertEquals("Member Server", child(a, "ROLE"));
        assertEquals("CUI//SP-X", child(a, "MARKING"));
        JsonNode t = JSON.readTree(Cklb.render(e)).path("target_data");
        assertEquals("node-1.example.com", t.path("host_name").asText());
        assertEquals("node-1.example.com", t.path("fqdn").asText());
        assertEquals("192.0.2.10", t.path("ip_address").asText());
        assertEquals("00:1a:2b:3c:4d:5e", t.path("mac_address").asText());
        assertEquals("Member Server", t.path("role").asText());
        assertTrue(e.findingDetails().startsWith("Host node-1 (Docker"), "the details name the daemon");
        assertEquals(
                "node-1",
                Evidence.of(Fixtures.inventory(), GENERATED, EvidenceAsset.DEFAULT, AT_FINDINGS)
                        .host());
    }

    @Test
    void hostileValuesStayWellFormedXmlAndJson() throws Exception {
        Classifier c = new Classifier(true);
        ContainerFacts evil = new ContainerFacts(
                "e1",
                "a<b>&\"c'\u0001]]>",
                "img:<1>",
                "running",
                Map.of("com.docker.compose.project", "p\u0000q\uD800"),
                1,
                false);
        Snapshot s = snapshot(c, Fixtures.NOW, evil);
        Document d = xml(ckl(s));
        String details = child((Element) d.getElementsByTagName("VULN").item(0), "FINDING_DETAILS");
        assertTrue(
                details.contains("/a<b>&\"c'\uFFFD]]>: ReadonlyRootfs=false (id e1, image img:<1>, state running,"
                        + " compose stack p\uFFFDq\uFFFD)"),
                details);
        JsonNode cklb = JSON.readTree(cklb(s));
        assertTrue(cklb.path("stigs")
                .path(0)
                .path("rules")
                .path(0)
                .path("finding_details")
                .asText()
                .contains("/a<b>&\"c'\u0001]]>: ReadonlyRootfs=false"));
        JsonNode findings = JSON.readTree(FindingsJson.render(s, GENERATED));
        assertEquals(
                "a<b>&\"c'\u0001]]>",
                findings.path("containers").path(0).path("name").asText());
    }

    @Test
    void findingsJsonHasEveryContainerServiceAndExemptionWithItsVerdict() throws Exception {
        String text = FindingsJson.render(Fixtures.inventory(), GENERATED);
        JsonNode root = JSON.readTree(text);
        assertEquals("2023-11-14T22:16:00Z", root.path("generated_at").asText());
        assertEquals("V-260936", root.path("stig").path("finding_id").asText());
        assertEquals("SV-260936r966165_rule", root.path("stig").path("rule_id").asText());
        assertEquals("CNTR-MK-001160", root.path("stig").path("stig_id").asText());
        assertEquals("CCI-002233", root.path("stig").path("ccis").path(0).asText());
        assertEquals("medium", root.path("stig").path("severity").asText());
        assertEquals("node-1", root.path("host").asText());
        assertEquals("2023-11-14T22:15:23.500Z", root.path("scan").path("time").asText());
        assertTrue(root.path("scan").path("docker_up").asBoolean());
        assertEquals(1, root.path("scan").path("unchecked").asInt());
        assertEquals("open", root.path("status").asText());
        assertEquals("not_applicable", root.path("kubernetes").asText());
        assertEquals(3, root.path("counts").path("finding").asInt());
        assertEquals(8, root.path("containers").size());
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        root.path("containers").forEach(n -> byName.put(n.path("name").asText(), n));
        JsonNode shop = byName.get("shop_web.1.x7");
        assertEquals("cccccccccccc3333", shop.path("id").asText());
        assertEquals("cccccccccccc", shop.path("short_id").asText());
        assertEquals("web@sha256:0f", shop.path("image").asText());
        assertEquals("running", shop.path("state").asText());
        assertFalse(shop.path("readonly_rootfs").asBoolean());
        assertEquals("finding", shop.path("status").asText());
        assertEquals(
                "root filesystem is writable (HostConfig.ReadonlyRootfs=false)",
                shop.path("reason").asText());
        assertEquals("swarm", shop.path("orchestrator").asText());
        assertEquals("shop", shop.path("stack").asText());
        assertEquals("shop_web", shop.path("service").asText());
        assertEquals(
                "{\"com.docker.stack.namespace\":\"shop\",\"com.docker.swarm.service.name\":\"shop_web\"}",
                shop.path("labels").toString());
        assertTrue(shop.path("exemption").isNull());
        assertEquals("2023-11-14T22:13:22Z", shop.path("created").asText());
        assertEquals("2023-11-14T22:15:00Z", shop.path("first_seen").asText());
        JsonNode billing = byName.get("billing");
        assertEquals("exempt", billing.path("status").asText());
        assertEquals("billing-vendor", billing.path("exemption").asText());
        assertEquals(
                "exemption billing-vendor: Vendor image writes its license cache to /opt/billing (ticket CHG-1234,"
                        + " owner team-billing, expires 2030-06-30)",
                billing.path("reason").asText());
        assertEquals(
                "{}", billing.path("labels").toString(), "only labels that matter: com.example.team decides nothing");
        JsonNode batch = byName.get("batch-7");
        assertEquals("finding", batch.path("status").asText());
        assertTrue(batch.path("exemption_expired").asBoolean());
        assertEquals(
                "{\"com.example.tier\":\"batch\"}",
                batch.path("labels").toString(),
                "a label an exemption looks at matters");
        assertTrue(byName.get("k8s_POD_web").path("reason").asText().contains("Not Applicable"));
        assertTrue(root.path("swarm_manager").asBoolean());
        assertEquals(3, root.path("services").size());
        JsonNode svc = root.path("services").path(1);
        assertEquals("shop_web", svc.path("name").asText());
        assertEquals("replicated", svc.path("mode").asText());
        assertEquals("finding", svc.path("status").asText());
        assertFalse(svc.path("read_only").asBoolean());
        assertEquals(3, root.path("exemptions").size());
        JsonNode builtIn = root.path("exemptions").path(0);
        assertEquals("system-containers", builtIn.path("id").asText());
        assertTrue(builtIn.path("built_in").asBoolean());
        assertEquals(2, builtIn.path("matches").asInt(), "ucp-proxy and the ucp-agent service");
        JsonNode expired = root.path("exemptions").path(2);
        assertEquals("batch-2023", expired.path("id").asText());
        assertEquals("2023-11-01T00:00:00Z", expired.path("expires").asText());
        assertTrue(expired.path("expired").asBoolean());
        assertEquals("RISK-77", expired.path("ticket").asText());
        assertTrue(text.contains("\n  \"host\": \"node-1\",\n"), "plain pretty JSON");
        assertGolden("findings.json", text);
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
