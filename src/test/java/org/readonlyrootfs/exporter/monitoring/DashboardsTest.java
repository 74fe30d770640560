package org.readonlyrootfs.exporter.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Walks every dashboard JSON: provisionable, one data source variable, job/host selection, units. */
class DashboardsTest {
    private static final Pattern RANGE = Pattern.compile("\\[([^\\]]*)\\]");
    private static final Pattern RATE = Pattern.compile("\\b(rate|irate)\\s*\\(");
    /** The authorization plugin's scrape jobs, as the alerts select them (its metrics carry no host). */
    private static final String PLUGIN_JOBS = "job=~\"readonly-rootfs-authz.*\"";

    private static final Pattern DASHBOARD_LINK = Pattern.compile("/d/([A-Za-z0-9_-]+)");

    private static List<JsonNode> dashboards() {
        List<Path> files = MonitoringFiles.dashboardFiles();
        assertFalse(files.isEmpty(), "no dashboards in " + MonitoringFiles.DASHBOARDS);
        return files.stream().map(MonitoringFiles::readJson).toList();
    }

    @Test
    void dashboardsAreProvisionableWithFixedUidsAndTags() {
        Set<String> uids = new HashSet<>();
        for (Path f : MonitoringFiles.dashboardFiles()) {
            JsonNode d = MonitoringFiles.readJson(f);
            String uid = d.path("uid").asText();
            assertTrue(uid.matches("readonly-rootfs-[a-z-]+") && uid.length() <= 40, f + ": uid " + uid);
            assertTrue(uids.add(uid), f + ": uid " + uid + " used twice");
            assertFalse(d.has("__inputs"), f + ": __inputs breaks file provisioning; use the datasource variable");
            assertTrue(d.path("id").isMissingNode() || d.path("id").isNull(), f + ": no fixed numeric id");
            assertFalse(d.path("title").asText().isBlank(), f + ": title");
            List<String> tags = new ArrayList<>();
            d.path("tags").forEach(t -> tags.add(t.asText()));
            assertTrue(tags.contains("readonly-rootfs") && tags.contains("V-260936"), f + ": tags " + tags);
        }
    }

    @Test
    void everyDashboardHasDatasourceJobAndHostVariables() {
        for (JsonNode d : dashboards()) {
            String title = d.path("title").asText();
            Map<String, JsonNode> vars = MonitoringFiles.variables(d);
            JsonNode ds = vars.get("datasource");
            assertTrue(
                    ds != null
                            && "datasource".equals(ds.path("type").asText())
                            && "prometheus".equals(ds.path("query").asText()),
                    title + ": datasource variable");
            JsonNode job = vars.get("job");
            assertTrue(
                    job != null
                            && "label_values(readonly_rootfs_docker_up, job)"
                                    .equals(job.path("query").asText()),
                    title + ": job variable " + job);
            JsonNode host = vars.get("host");
            assertTrue(
                    host != null
                            && "label_values(readonly_rootfs_docker_up{job=~\"$job\"}, host)"
                                    .equals(host.path("query").asText()),
                    title + ": host variable " + host);
            for (JsonNode v : vars.values()) {
                if ("query".equals(v.path("type").asText())) {
                    assertEquals(
                            MonitoringFiles.DATASOURCE_UID,
                            v.path("datasource").path("uid").asText(),
                            title + ": variable " + v.path("name").asText());
                    assertEquals(
                            v.path("query").asText(), v.path("definition").asText(), title + ": " + v.path("name"));
                }
                if (v.path("includeAll").asBoolean()) {
                    // "All" as a regex that also matches label values Grafana cannot list (empty stack)
                    assertTrue(
                            v.path("allValue").asText().matches("\\.[*+]"), title + ": allValue of " + v.path("name"));
                }
            }
        }
    }

    @Test
    void everyPanelHasATitleTheDatasourceVariableAndAUnit() {
        for (JsonNode d : dashboards()) {
            String title = d.path("title").asText();
            Set<Integer> ids = new HashSet<>();
            for (JsonNode p : MonitoringFiles.panels(d)) {
                String panel = title + " / " + p.path("title").asText() + " (id " + p.path("id") + ")";
                assertFalse(p.path("title").asText().isBlank(), title + ": panel " + p.path("id") + " without title");
                assertTrue(ids.add(p.path("id").asInt(-1)) && p.path("id").asInt(-1) > 0, panel + ": id not unique");
                assertTrue(p.path("gridPos").has("w") && p.path("gridPos").has("h"), panel + ": gridPos");
                if (MonitoringFiles.isRow(p)) {
                    continue;
                }
                assertFalse(p.path("description").asText().isBlank(), panel + ": description");
                assertEquals(
                        MonitoringFiles.DATASOURCE_UID,
                        p.path("datasource").path("uid").asText(),
                        panel + ": datasource");
                assertEquals("prometheus", p.path("datasource").path("type").asText(), panel);
                assertFalse(
                        p.path("fieldConfig")
                                .path("defaults")
                                .path("unit")
                                .asText()
                                .isBlank(),
                        panel + ": unit");
                assertFalse(p.path("targets").isEmpty(), panel + ": no query");
                for (JsonNode t : p.path("targets")) {
                    assertEquals(
                            MonitoringFiles.DATASOURCE_UID,
                            t.path("datasource").path("uid").asText(),
                            panel + " " + t.path("refId") + ": datasource");
                }
            }
        }
    }

    @Test
    void everyQuerySelectsByJobAndHost() {
        List<String> problems = new ArrayList<>();
        for (JsonNode d : dashboards()) {
            for (MonitoringFiles.Query q : MonitoringFiles.queries(d)) {
                Map<Integer, String[]> selectors = MonitoringFiles.selectors(q.expr());
                if (selectors.isEmpty()) {
                    problems.add(q + ": selects no exporter metric");
                }
                for (String[] s : selectors.values()) {
                    if (s[1] != null && s[1].contains(PLUGIN_JOBS)) {
                        continue; // the authorization plugin's own metrics: its own jobs, no host label
                    }
                    if (s[1] == null || !s[1].contains("job=~\"$job\"") || !s[1].contains("host=~\"$host\"")) {
                        problems.add(q + ": " + s[0] + " not selected by job=~\"$job\" and host=~\"$host\"");
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void ratesUseRateIntervalAndRangesAreVariables() {
        List<String> problems = new ArrayList<>();
        for (JsonNode d : dashboards()) {
            for (MonitoringFiles.Query q : MonitoringFiles.queries(d)) {
                Matcher range = RANGE.matcher(q.expr());
                while (range.find()) {
                    if (!Set.of("$__rate_interval", "$__range").contains(range.group(1))) {
                        problems.add(q + ": range [" + range.group(1) + "]");
                    }
                }
                Matcher rate = RATE.matcher(q.expr());
                while (rate.find()) {
                    int close = q.expr().indexOf(']', rate.end());
                    if (close < 0 || !q.expr().substring(rate.end(), close + 1).endsWith("[$__rate_interval]")) {
                        problems.add(q + ": " + rate.group(1) + " without [$__rate_interval]");
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void linksPointAtShippedDashboards() throws Exception {
        Set<String> uids = new HashSet<>();
        dashboards().forEach(d -> uids.add(d.path("uid").asText()));
        for (Path f : MonitoringFiles.dashboardFiles()) {
            Matcher m = DASHBOARD_LINK.matcher(Files.readString(f));
            while (m.find()) {
                assertTrue(uids.contains(m.group(1)), f + ": link to unknown dashboard " + m.group(1));
            }
        }
    }

    @Test
    void provisioningFilesLoadTheDashboardsFromDisk() throws Exception {
        Path dashboards = MonitoringFiles.PROVISIONING.resolve("dashboards");
        Path datasources = MonitoringFiles.PROVISIONING.resolve("datasources");
        try (Stream<Path> files = Files.list(dashboards)) {
            List<Path> yml = files.filter(f -> f.toString().endsWith(".yml")).toList();
            assertEquals(1, yml.size(), yml.toString());
            JsonNode p = MonitoringFiles.readYaml(yml.get(0));
            assertEquals(1, p.path("apiVersion").asInt());
            JsonNode provider = p.path("providers").path(0);
            assertEquals("file", provider.path("type").asText());
            assertFalse(provider.path("options").path("path").asText().isBlank());
        }
        try (Stream<Path> files = Files.list(datasources)) {
            for (Path f : files.toList()) {
                JsonNode ds = MonitoringFiles.readYaml(f).path("datasources").path(0);
                assertEquals("prometheus", ds.path("type").asText(), f.toString());
            }
        }
    }
}
