package org.readonlyrootfs.exporter.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.monitoring.MonitoringFiles.Rule;
import org.readonlyrootfs.exporter.testing.Tools;

/** The example deploy/prometheus.yml and deploy/alertmanager.yml, checked by promtool and amtool. */
class DeployConfigTest {
    private static final Map<String, String> RECEIVER_BY_SEVERITY =
            Map.of("critical", "pager", "warning", "ticket", "info", "null");

    @Test
    void prometheusConfigIsValidWithTheRulesInstalledNextToIt(@TempDir Path dir) throws IOException {
        Files.copy(MonitoringFiles.PROMETHEUS_CONFIG, dir.resolve("prometheus.yml"));
        Files.createDirectories(dir.resolve("rules"));
        Files.copy(MonitoringFiles.RULES, dir.resolve("rules").resolve(MonitoringFiles.RULES.getFileName()));
        Tools.Run r = Tools.run(
                List.of(
                        Tools.require("promtool").toString(),
                        "check",
                        "config",
                        dir.resolve("prometheus.yml").toString()),
                null,
                60);
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("SUCCESS: 1 rule files found"), r.stdout());
        assertTrue(r.stdout().contains("SUCCESS: " + MonitoringFiles.rules().size() + " rules found"), r.stdout());
    }

    /** A static target and swarm service discovery, both named so that the exporter-down alerts see them. */
    @Test
    void prometheusConfigScrapesStaticAndSwarmTargetsUnderJobsTheAlertsSelect() {
        JsonNode config = MonitoringFiles.readYaml(MonitoringFiles.PROMETHEUS_CONFIG);
        boolean staticJob = false;
        boolean swarmJob = false;
        for (JsonNode job : config.path("scrape_configs")) {
            String name = job.path("job_name").asText();
            assertTrue(
                    name.matches("readonly-rootfs.*") && !name.matches("readonly-rootfs-authz.*"),
                    "job " + name
                            + " is not matched by up{job=~\"readonly-rootfs.*\",job!~\"readonly-rootfs-authz.*\"}");
            staticJob |= job.has("static_configs");
            swarmJob |= "tasks"
                    .equals(job.path("dockerswarm_sd_configs")
                            .path(0)
                            .path("role")
                            .asText());
        }
        assertTrue(staticJob && swarmJob, "a static job and a dockerswarm_sd_configs (tasks) job");
        for (Rule a : MonitoringFiles.alerts()) {
            if (a.expr().contains("up{")) {
                // the exporter's jobs, or the authorization plugin's (readonly-rootfs-authz…), never both
                assertTrue(
                        a.expr().contains("up{job=~\"readonly-rootfs.*\",job!~\"readonly-rootfs-authz.*\"}")
                                || a.expr().contains("up{job=~\"readonly-rootfs-authz.*\"}"),
                        a.alert() + ": " + a.expr());
            }
        }
    }

    @Test
    void alertmanagerConfigIsValid() {
        Tools.Run r = Tools.run(
                List.of(
                        Tools.require("amtool").toString(),
                        "check-config",
                        MonitoringFiles.ALERTMANAGER_CONFIG.toString()),
                null,
                60);
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("SUCCESS"), r.stdout());
    }

    /** Every shipped alert reaches the receiver of its severity: critical pages, warning tickets, info nowhere. */
    @Test
    void everyAlertIsRoutedBySeverity() {
        List<String> wrong = new ArrayList<>();
        List<String[]> cases = new ArrayList<>();
        for (Rule a : MonitoringFiles.alerts()) {
            cases.add(new String[] {
                "alertname=" + a.alert(), "severity=" + a.labels().get("severity")
            });
        }
        cases.add(new String[] {"alertname=SomethingElse", "severity=info"});
        for (String[] labels : cases) {
            List<String> cmd = new ArrayList<>(List.of(
                    Tools.require("amtool").toString(),
                    "config",
                    "routes",
                    "test",
                    "--config.file=" + MonitoringFiles.ALERTMANAGER_CONFIG));
            cmd.addAll(List.of(labels));
            Tools.Run r = Tools.run(cmd, null, 60);
            String expected = RECEIVER_BY_SEVERITY.get(labels[1].substring("severity=".length()));
            if (r.exitCode() != 0 || !r.stdout().trim().equals(expected)) {
                wrong.add(String.join(" ", labels) + " -> " + r.stdout().trim()
                        + r.stderr().trim() + " (want " + expected + ")");
            }
        }
        assertEquals(List.of(), wrong);
    }

    /** Pages of a container labelled team=payments (label_team, metrics.container-labels) reach its team's pager. */
    @Test
    void pagesAreRoutedPerTeamByLabelTeamAndEverythingElseAsBefore() {
        List<String> wrong = new ArrayList<>();
        Map<String, String> cases = Map.of(
                "severity=critical label_team=payments", "pager-payments",
                "severity=critical label_team=search", "pager-search",
                "severity=critical label_team=unknown", "pager",
                "severity=critical", "pager",
                "severity=warning label_team=payments", "ticket",
                "severity=info label_team=payments", "null");
        cases.forEach((labels, expected) -> {
            List<String> cmd = new ArrayList<>(List.of(
                    Tools.require("amtool").toString(),
                    "config",
                    "routes",
                    "test",
                    "--config.file=" + MonitoringFiles.ALERTMANAGER_CONFIG,
                    "alertname=ReadonlyRootfsWritableContainer"));
            cmd.addAll(List.of(labels.split(" ")));
            Tools.Run r = Tools.run(cmd, null, 60);
            if (r.exitCode() != 0 || !r.stdout().trim().equals(expected)) {
                wrong.add(labels + " -> " + r.stdout().trim() + r.stderr().trim() + " (want " + expected + ")");
            }
        });
        assertEquals(List.of(), wrong);
    }
}
