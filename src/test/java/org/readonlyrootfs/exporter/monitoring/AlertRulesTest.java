package org.readonlyrootfs.exporter.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.monitoring.MonitoringFiles.Rule;
import org.readonlyrootfs.exporter.testing.Tools;

/** The shipped alert and recording rules: promtool's checks and unit tests, and the mixin conventions. */
class AlertRulesTest {
    private static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");

    private static Tools.Run promtool(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Tools.require("promtool").toString());
        cmd.addAll(args);
        return Tools.run(cmd, null, 120);
    }

    @Test
    void promtoolCheckRulesAcceptsTheRuleFile() {
        Tools.Run r = promtool(List.of("check", "rules", MonitoringFiles.RULES.toString()));
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("SUCCESS: " + MonitoringFiles.rules().size() + " rules found"), r.stdout());
    }

    @Test
    void promtoolUnitTestsPass() {
        List<String> args = new ArrayList<>(List.of("test", "rules"));
        MonitoringFiles.ruleTestFiles().forEach(f -> args.add(f.toString()));
        assertTrue(args.size() > 2, "no rule tests in " + MonitoringFiles.RULE_TESTS);
        Tools.Run r = promtool(args);
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertFalse(r.stdout().contains("FAILED"), r.stdout());
    }

    /**
     * Every alert has a test where it fires with exact labels and annotations, and one where it is
     * quiet (before its {@code for}, or for a case that must not fire); every recording rule has an
     * expression test.
     */
    @Test
    void everyRuleIsUnitTested() {
        Set<String> firing = new HashSet<>();
        Set<String> quiet = new HashSet<>();
        Set<String> exprs = new HashSet<>();
        for (Path f : MonitoringFiles.ruleTestFiles()) {
            JsonNode file = MonitoringFiles.readYaml(f);
            assertEquals(
                    "../" + MonitoringFiles.RULES.getFileName(),
                    file.path("rule_files").path(0).asText(),
                    f.toString());
            for (JsonNode test : file.path("tests")) {
                for (JsonNode a : test.path("alert_rule_test")) {
                    String name = a.path("alertname").asText();
                    JsonNode exp = a.path("exp_alerts");
                    if (exp.isEmpty()) {
                        quiet.add(name);
                    }
                    for (JsonNode e : exp) {
                        assertTrue(e.path("exp_labels").has("severity"), f + ": " + name + " without exact labels");
                        for (String key : List.of("summary", "description", "runbook_url")) {
                            assertTrue(e.path("exp_annotations").has(key), f + ": " + name + " without " + key);
                        }
                        firing.add(name);
                    }
                }
                for (JsonNode e : test.path("promql_expr_test")) {
                    exprs.add(e.path("expr").asText());
                }
            }
        }
        List<String> missing = new ArrayList<>();
        for (Rule r : MonitoringFiles.rules()) {
            if (r.isAlert()) {
                if (!firing.contains(r.alert())) {
                    missing.add(r.alert() + " never tested firing");
                }
                if (!quiet.contains(r.alert())) {
                    missing.add(r.alert() + " never tested quiet");
                }
            } else if (exprs.stream().noneMatch(e -> e.contains(r.record()))) {
                missing.add(r.record() + " never tested");
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void alertsFollowTheMixinConventions() {
        List<Rule> alerts = MonitoringFiles.alerts();
        assertFalse(alerts.isEmpty());
        Set<String> names = new HashSet<>();
        for (Rule a : alerts) {
            String n = a.alert();
            assertTrue(n.matches("ReadonlyRootfs[A-Z][A-Za-z]+"), n + ": CamelCase with the shared prefix");
            assertTrue(names.add(n), n + " defined twice");
            assertTrue(a.group().startsWith("readonly-rootfs-"), n + " in group " + a.group());
            assertNotNull(a.forDuration(), n + " without for");
            assertTrue(SEVERITIES.contains(a.labels().get("severity")), n + " severity " + a.labels());
            assertEquals(
                    Set.of("summary", "description", "runbook_url"),
                    a.annotations().keySet(),
                    n);
            String summary = a.annotations().get("summary");
            assertFalse(summary.contains("{{"), n + ": summary must be static: " + summary);
            assertTrue(summary.endsWith("."), n + ": one sentence: " + summary);
            if (!a.expr().trim().startsWith("absent(")) {
                assertTrue(a.annotations().get("description").contains("$labels."), n + ": description from $labels");
            }
            assertEquals(
                    MonitoringFiles.RUNBOOK_BASE + MonitoringFiles.githubAnchor(n),
                    a.annotations().get("runbook_url"),
                    n);
        }
        for (Rule r : MonitoringFiles.rules()) {
            if (!r.isAlert()) {
                assertTrue(
                        r.record().matches("[a-z_]+:readonly_rootfs_[a-z_]+:[a-z_]+"),
                        r.record() + ": level:metric:operations");
            }
        }
    }

    /** Only findings (containers and swarm service specs) page; exempt and not_applicable ones never can (the promtool tests prove it by example). */
    @Test
    void onlyFindingsPage() {
        for (Rule a : MonitoringFiles.alerts()) {
            if ("critical".equals(a.labels().get("severity"))) {
                assertTrue(
                        a.expr().contains("readonly_rootfs_container{status=\"finding\"")
                                || a.expr().contains("readonly_rootfs_service{status=\"finding\""),
                        a.alert() + ": " + a.expr());
                assertFalse(a.expr().contains("exempt") || a.expr().contains("not_applicable"), a.alert());
            }
        }
        assertEquals(
                List.of("ReadonlyRootfsWritableContainer", "ReadonlyRootfsWritableService"),
                MonitoringFiles.alerts().stream()
                        .filter(a -> "critical".equals(a.labels().get("severity")))
                        .map(Rule::alert)
                        .toList());
    }

    /** Every alert's runbook_url lands on its own {@code ##} section of docs/alerts.md that says what to do. */
    @Test
    void everyAlertHasARunbookInTheAlertsDoc() {
        Map<String, String> sections = MonitoringFiles.docSections(MonitoringFiles.ALERTS_DOC, 2);
        Set<String> anchors = new TreeSet<>();
        sections.keySet().forEach(h -> anchors.add(MonitoringFiles.githubAnchor(h)));
        for (Rule a : MonitoringFiles.alerts()) {
            String anchor = a.annotations().get("runbook_url").substring(MonitoringFiles.RUNBOOK_BASE.length());
            assertTrue(
                    anchors.contains(anchor),
                    a.alert() + ": no " + MonitoringFiles.ALERTS_DOC + " heading for #" + anchor + " in " + anchors);
            String body = sections.get(a.alert());
            assertNotNull(body, a.alert());
            assertTrue(body.contains(a.labels().get("severity")), a.alert() + ": runbook names the severity");
            assertTrue(body.length() > 200, a.alert() + ": runbook too short");
        }
        for (String finding : List.of("ReadonlyRootfsWritableContainer", "ReadonlyRootfsFindingsPersist")) {
            String body = sections.get(finding);
            for (String fix : List.of(
                    "docker run --read-only --tmpfs /run --tmpfs /tmp",
                    "docker service update --read-only",
                    "readonly_rootfs_container{status=\"finding\"")) {
                assertTrue(body.contains(fix), finding + " runbook lacks: " + fix);
            }
        }
    }
}
