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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.TestConfig;
import org.readonlyrootfs.exporter.testing.Tools;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The checklists, as the server serves them and as {@code check} writes them, read by STIG Manager's
 * own parser (the npm package {@code @nuwcdivnpt/stig-manager-client-modules}, which its web client and
 * STIGMan Watcher import checklists with), run by node over a private daemon: a clean host, a host with
 * findings and an exemption, and a host with 300 more findings, whose details must be cut. The
 * importer must see the configured asset, rule SV-260936r966165_rule, the right result and the details.
 * Node and the module (installed by scripts/install-test-deps.sh) missing: the test fails.
 */
class StigManagerImportIT {
    /** Pinned in scripts/install-test-deps.sh. */
    private static final String MODULE_VERSION = "1.6.7";

    private static final Path MODULE = Path.of(
            System.getenv().getOrDefault("RRE_NPM_CACHE", "/var/cache/rre-npm"),
            "stig-manager-client-modules-" + MODULE_VERSION,
            "node_modules",
            "@nuwcdivnpt",
            "stig-manager-client-modules");
    private static final Path SCRIPT = Path.of("src/test/resources/stigman/import-checklists.mjs");
    private static final Path JAR =
            Path.of(System.getProperty("exporter.jar", "target/readonly-rootfs-exporter-0.1.0.jar"));
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RULE = "SV-260936r966165_rule";
    private static final List<String> ASSET = List.of(
            "--evidence.asset.name=node-1",
            "--evidence.asset.fqdn=node-1.example.com",
            "--evidence.asset.ip=192.0.2.10",
            "--evidence.asset.mac=00:1a:2b:3c:4d:5e",
            "--evidence.asset.role=Member Server");
    private static final String MANY = "imp-many-writable-container-with-a-long-name-";

    private static PrivateDockerd dockerd;
    private static Path node;

    @BeforeAll
    static void start() throws Exception {
        node = Tools.require("node");
        assertTrue(
                Files.isRegularFile(MODULE.resolve("index.js")),
                "STIG Manager's parser is not installed at " + MODULE + ": run scripts/install-test-deps.sh as root");
        JsonNode pkg = JSON.readTree(MODULE.resolve("package.json").toFile());
        assertEquals(MODULE_VERSION, pkg.path("version").asText(), "the pinned version of " + MODULE);
        dockerd = PrivateDockerd.start();
    }

    @AfterAll
    static void stop() {
        if (dockerd != null) {
            dockerd.close();
        }
    }

    /** What the importer made of each file: {@code [{file, target, checklists, errors} | {file, error}]}. */
    private static JsonNode importer(Path... files) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(node.toString(), SCRIPT.toString(), MODULE.toString()));
        for (Path f : files) {
            cmd.add(f.toString());
        }
        Tools.Run r = Tools.run(cmd, null, 120);
        assertEquals(0, r.exitCode(), "node: " + r.stderr() + r.stdout());
        JsonNode out = JSON.readTree(r.stdout());
        assertEquals(files.length, out.size(), r.stdout());
        for (JsonNode one : out) {
            assertFalse(one.has("error"), "the importer rejected " + one.path("file") + ": " + one.path("error"));
            assertEquals(0, one.path("errors").size(), one.toString());
        }
        return out;
    }

    /** The one review of the one checklist, after asserting the asset and the STIG. */
    private static JsonNode review(JsonNode parsed, String expectedDescription) {
        JsonNode t = parsed.path("target");
        assertEquals("node-1", t.path("name").asText(), parsed.toString());
        assertEquals("node-1.example.com", t.path("fqdn").asText());
        assertEquals("192.0.2.10", t.path("ip").asText());
        assertEquals("00:1a:2b:3c:4d:5e", t.path("mac").asText());
        assertFalse(t.path("noncomputing").asBoolean());
        assertEquals("Member Server", t.path("metadata").path("cklRole").asText());
        if (expectedDescription != null) {
            assertEquals(expectedDescription, t.path("description").asText());
        }
        assertEquals(1, parsed.path("checklists").size());
        JsonNode checklist = parsed.path("checklists").path(0);
        assertEquals(
                "Mirantis_Kubernetes_Engine_STIG", checklist.path("benchmarkId").asText());
        assertEquals("V2R1", checklist.path("revisionStr").asText());
        assertEquals(1, checklist.path("reviews").size());
        JsonNode review = checklist.path("reviews").path(0);
        assertEquals(RULE, review.path("ruleId").asText());
        assertEquals("submitted", review.path("status").asText(), "detail and comment as STIG Manager requires");
        assertTrue(
                review.path("comment").asText().startsWith("Evaluated automatically by readonly-rootfs-exporter"),
                review.toString());
        return review;
    }

    /** The checklist's own V-260936 and SRG id, which the importer does not read: from the files. */
    private static void assertRuleIdentifiers(Path ckl, Path cklb) throws Exception {
        Document d = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(Files.readAllBytes(ckl)));
        NodeList data = d.getElementsByTagName("STIG_DATA");
        Map<String, String> pairs = new java.util.HashMap<>();
        for (int i = 0; i < data.getLength(); i++) {
            Element e = (Element) data.item(i);
            pairs.put(
                    e.getElementsByTagName("VULN_ATTRIBUTE").item(0).getTextContent(),
                    e.getElementsByTagName("ATTRIBUTE_DATA").item(0).getTextContent());
        }
        assertEquals("V-260936", pairs.get("Vuln_Num"));
        assertEquals(RULE, pairs.get("Rule_ID"));
        assertEquals("SRG-APP-000342-CTR-000775", pairs.get("Group_Title"));
        JsonNode rule =
                JSON.readTree(cklb.toFile()).path("stigs").path(0).path("rules").path(0);
        assertEquals("V-260936", rule.path("group_id").asText());
        assertEquals(RULE, rule.path("rule_id_src").asText());
        assertEquals("SRG-APP-000342-CTR-000775", rule.path("group_title").asText());
    }

    private static Path save(Path dir, String name, HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        Path p = dir.resolve(name);
        Files.writeString(p, r.body(), StandardCharsets.UTF_8);
        return p;
    }

    private static List<String> java(String... args) {
        assertTrue(Files.isRegularFile(JAR), "run mvn package first: " + JAR);
        List<String> cmd = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static double findings(int port, String host) {
        return Scrape.metrics(port).value("readonly_rootfs_containers", Map.of("host", host, "status", "finding"));
    }

    @Test
    void stigManagersParserReadsTheAssetRuleResultAndDetailsOfACleanHostFindingsAnd300Findings(@TempDir Path dir)
            throws Exception {
        String host = dockerd.docker("info", "--format", "{{.Name}}");
        String version = dockerd.docker("version", "--format", "{{.Server.Version}}");
        Path conf = dir.resolve("exemptions.conf");
        Files.writeString(
                conf,
                "readonly-rootfs-exporter.compliance.exemptions = [ { id = legacy-vendor, name = \"imp-legacy\","
                        + " reason = \"vendor image writes its license cache to /opt/vendor\", ticket = CHG-42,"
                        + " owner = team-vendor, expires = \"2999-12-31\" } ]\n");
        List<String> flags = new ArrayList<>(ASSET);
        flags.add("--config.file=" + conf);
        dockerd.createSleeper("imp-ro", true);
        try (Exporter exporter = Exporter.start(TestConfig.config(dockerd.host(), flags.toArray(String[]::new)))) {
            int port = exporter.port();

            // a clean host: pass
            await().atMost(WAIT)
                    .ignoreExceptions()
                    .until(() -> Scrape.metrics(port).container("imp-ro").isPresent());
            Path ckl = save(dir, "clean.ckl", Scrape.get(port, "/checklist.ckl"));
            Path cklb = save(dir, "clean.cklb", Scrape.get(port, "/checklist.cklb"));
            JsonNode clean = importer(ckl, cklb);
            for (JsonNode parsed : clean) {
                JsonNode r = review(
                        parsed, parsed.path("file").asText().endsWith(".cklb") ? "Docker Engine " + version : null);
                assertEquals("pass", r.path("result").asText());
                assertEquals(
                        "Host " + host + " (Docker " + version + "), scan of ",
                        r.path("detail")
                                .asText()
                                .substring(0, ("Host " + host + " (Docker " + version + "), scan of ").length()));
                assertTrue(
                        r.path("detail").asText().contains(": 1 container: 0 findings, 1 compliant, 0 exempt,"),
                        r.path("detail").asText());
                assertTrue(r.path("detail").asText().contains("\n/imp-ro: ReadonlyRootfs=true"));
            }
            assertRuleIdentifiers(ckl, cklb);

            // findings and an exemption: fail, with the findings, the exempt container and its reason
            dockerd.createSleeper("imp-rw-1", false);
            dockerd.createSleeper("imp-rw-2", false);
            dockerd.createSleeper("imp-legacy", false);
            await().atMost(WAIT)
                    .ignoreExceptions()
                    .until(() -> findings(port, host) == 2
                            && Scrape.metrics(port).container("imp-legacy").isPresent());
            ckl = save(dir, "findings.ckl", Scrape.get(port, "/checklist.ckl"));
            cklb = save(dir, "findings.cklb", Scrape.get(port, "/checklist.cklb"));
            JsonNode withFindings = importer(ckl, cklb);
            System.out.println("STIG Manager's parser on a .ckl with findings:\n" + withFindings.path(0));
            for (JsonNode parsed : withFindings) {
                JsonNode r = review(parsed, null);
                assertEquals("fail", r.path("result").asText());
                String d = r.path("detail").asText();
                assertTrue(d.contains(": 4 containers: 2 findings, 1 compliant, 1 exempt, 0 not_applicable."), d);
                assertTrue(d.contains("\n/imp-rw-1: ReadonlyRootfs=false (id "), d);
                assertTrue(d.contains("\n/imp-rw-2: ReadonlyRootfs=false (id "), d);
                assertTrue(d.contains("\n/imp-legacy: ReadonlyRootfs=false, exemption legacy-vendor (id "), d);
                assertTrue(
                        d.contains("\nlegacy-vendor: vendor image writes its license cache to /opt/vendor (ticket"
                                + " CHG-42, owner team-vendor, expires 2999-12-31); selects"),
                        d);
                assertFalse(d.contains("[cut"), d);
            }
            assertRuleIdentifiers(ckl, cklb);

            // 300 more findings: the details are cut, never the summary nor the exemption
            long t0 = System.nanoTime();
            Tools.Run created = Tools.run(
                    List.of(
                            "bash",
                            "-c",
                            "seq 1 300 | xargs -P 8 -I{} " + Tools.require("docker") + " -H " + dockerd.host()
                                    + " create --network none --name " + MANY + "{} " + dockerd.image()
                                    + " /bin/sleep 100000 >/dev/null"),
                    null,
                    600);
            assertEquals(0, created.exitCode(), created.stderr());
            System.out.printf("created 300 containers in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            await().atMost(WAIT).ignoreExceptions().until(() -> findings(port, host) == 302);
            ckl = save(dir, "many.ckl", Scrape.get(port, "/checklist.ckl"));
            cklb = save(dir, "many.cklb", Scrape.get(port, "/checklist.cklb"));
            for (JsonNode parsed : importer(ckl, cklb)) {
                JsonNode r = review(parsed, null);
                assertEquals("fail", r.path("result").asText());
                assertCut(
                        r.path("detail").asText(),
                        "; the complete list is at http://127.0.0.1:" + port + "/findings of the exporter]");
            }
            assertRuleIdentifiers(ckl, cklb);
        }

        // check writes the same checklists, its pointer to the JSON it wrote, or how to get one
        List<String> args = new ArrayList<>(List.of("check", "--docker.host=" + dockerd.host()));
        args.addAll(ASSET);
        args.add("--config.file=" + conf);
        Path json = dir.resolve("node-1.json");
        Path ckl = dir.resolve("check.ckl");
        Path cklb = dir.resolve("check.cklb");
        List<String> withJson = new ArrayList<>(args);
        withJson.addAll(List.of("--output.ckl=" + ckl, "--output.cklb=" + cklb, "--output.json=" + json));
        Tools.Run check = Tools.run(java(withJson.toArray(String[]::new)), null, 300);
        assertEquals(1, check.exitCode(), check.stderr());
        assertTrue(
                check.stderr().contains(": 304 containers: 302 findings, 1 compliant, 1 exempt, 0 not_applicable;"),
                check.stderr());
        for (JsonNode parsed : importer(ckl, cklb)) {
            JsonNode r = review(parsed, null);
            assertEquals("fail", r.path("result").asText());
            assertCut(r.path("detail").asText(), "; the complete list is in " + json + " (check --output.json)]");
        }
        assertEquals(304, JSON.readTree(json.toFile()).path("containers").size(), "the complete list");
        List<String> noJson = new ArrayList<>(args);
        Path onlyCkl = dir.resolve("only.ckl");
        noJson.add("--output.ckl=" + onlyCkl);
        assertEquals(
                1, Tools.run(java(noJson.toArray(String[]::new)), null, 300).exitCode());
        JsonNode r = review(importer(onlyCkl).path(0), null);
        assertCut(
                r.path("detail").asText(),
                "; the complete list is in the JSON evidence: run check again with --output.json=FILE]");
    }

    /** Details of the host with 302 findings: cut to STIG Manager's size, the summary and exemption kept. */
    private static void assertCut(String d, String pointer) {
        assertTrue(d.length() <= 32_767, "" + d.length());
        assertTrue(d.length() > 32_767 - 400, "as much as fits: " + d.length());
        List<String> lines = d.lines().toList();
        assertTrue(
                lines.get(0).endsWith(": 304 containers: 302 findings, 1 compliant, 1 exempt, 0 not_applicable."),
                lines.get(0));
        assertTrue(
                lines.stream()
                        .anyMatch(l ->
                                l.startsWith("/imp-legacy: ReadonlyRootfs=false, exemption" + " legacy-vendor (id ")),
                "the exempt container survives the cut");
        assertTrue(
                lines.stream()
                        .anyMatch(l -> l.startsWith("legacy-vendor: vendor image writes its license cache to"
                                + " /opt/vendor (ticket CHG-42, owner team-vendor, expires 2999-12-31); selects")),
                "its justification too");
        long listed = lines.stream()
                .filter(l -> l.startsWith("/" + MANY) || l.startsWith("/imp-rw-"))
                .count();
        assertTrue(listed > 100 && listed < 302, "findings listed: " + listed);
        assertFalse(d.contains("Compliant containers:"), "the compliant list goes first");
        String last = lines.get(lines.size() - 1);
        System.out.println("cut details end with: " + last);
        assertTrue(
                last.startsWith("[cut: STIG Manager keeps 32767 characters; not listed here: " + (302 - listed)
                        + " of 302 findings, the fixes of " + listed + " findings, 1 compliant container"),
                last);
        assertTrue(last.endsWith(pointer), last);
    }
}
