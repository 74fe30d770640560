package org.readonlyrootfs.exporter.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.readonlyrootfs.exporter.testing.Markdown;

/** The shipped alert rules, rule tests, dashboards and deploy examples, read for tests. */
public final class MonitoringFiles {
    public static final Path RULES = Path.of("alerts/readonly-rootfs.rules.yml");
    public static final Path RULE_TESTS = Path.of("alerts/tests");
    public static final Path DASHBOARDS = Path.of("grafana/dashboards");
    public static final Path PROVISIONING = Path.of("grafana/provisioning");
    public static final Path PROMETHEUS_CONFIG = Path.of("deploy/prometheus.yml");
    public static final Path ALERTMANAGER_CONFIG = Path.of("deploy/alertmanager.yml");
    /** The alerts' documentation: one {@code ##} section per alert, its runbook. */
    public static final Path ALERTS_DOC = Path.of("docs", "alerts.md");

    public static final String RUNBOOK_BASE =
            "https://github.com/readonly-rootfs-exporter/readonly-rootfs-exporter/blob/main/docs/alerts.md#";
    /** The data source variable every panel and query must use. */
    public static final String DATASOURCE_UID = "${datasource}";

    public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    public static final ObjectMapper JSON = new ObjectMapper();

    private static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private MonitoringFiles() {}

    /** One alerting or recording rule. */
    public record Rule(
            String group,
            String alert,
            String record,
            String expr,
            String forDuration,
            Map<String, String> labels,
            Map<String, String> annotations) {
        public boolean isAlert() {
            return alert != null;
        }

        public String name() {
            return isAlert() ? alert : record;
        }
    }

    /** A panel's query, as written in the dashboard. */
    public record Query(String dashboard, String panel, String refId, String expr) {
        @Override
        public String toString() {
            return dashboard + " / " + panel + " / " + refId + ": " + expr;
        }
    }

    public static JsonNode readYaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    public static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Every rule of {@link #RULES}, in file order. */
    public static List<Rule> rules() {
        List<Rule> rules = new ArrayList<>();
        for (JsonNode group : readYaml(RULES).path("groups")) {
            for (JsonNode r : group.path("rules")) {
                rules.add(new Rule(
                        group.path("name").asText(),
                        text(r, "alert"),
                        text(r, "record"),
                        r.path("expr").asText(),
                        text(r, "for"),
                        strings(r.path("labels")),
                        strings(r.path("annotations"))));
            }
        }
        return rules;
    }

    public static List<Rule> alerts() {
        return rules().stream().filter(Rule::isAlert).toList();
    }

    public static List<Path> ruleTestFiles() {
        return list(RULE_TESTS, ".yml");
    }

    public static List<Path> dashboardFiles() {
        return list(DASHBOARDS, ".json");
    }

    /** Every panel of a dashboard, those nested in collapsed rows included, rows themselves included. */
    public static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            out.add(p);
            p.path("panels").forEach(out::add);
        }
        return out;
    }

    public static boolean isRow(JsonNode panel) {
        return "row".equals(panel.path("type").asText());
    }

    /** Every panel query of a dashboard. */
    public static List<Query> queries(JsonNode dashboard) {
        List<Query> out = new ArrayList<>();
        for (JsonNode p : panels(dashboard)) {
            for (JsonNode t : p.path("targets")) {
                out.add(new Query(
                        dashboard.path("title").asText(),
                        p.path("title").asText(),
                        t.path("refId").asText(),
                        t.path("expr").asText()));
            }
        }
        return out;
    }

    /** The template variables of a dashboard, by name. */
    public static Map<String, JsonNode> variables(JsonNode dashboard) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        dashboard
                .path("templating")
                .path("list")
                .forEach(v -> out.put(v.path("name").asText(), v));
        return out;
    }

    /**
     * The exporter's metric selectors of a PromQL expression (metric names with the prefix
     * {@code readonly_rootfs_}, recorded ones included), each with its matchers ({@code null} if
     * the name has no braces).
     */
    public static Map<Integer, String[]> selectors(String expr) {
        Map<Integer, String[]> out = new LinkedHashMap<>();
        Matcher m = METRIC.matcher(expr);
        int from = 0;
        while (m.find(from)) {
            int end = m.end();
            String name = m.group();
            from = end;
            if (isInString(expr, m.start()) || !name.contains("readonly_rootfs_")) {
                continue;
            }
            int i = end;
            while (i < expr.length() && Character.isWhitespace(expr.charAt(i))) {
                i++;
            }
            String matchers = null;
            if (i < expr.length() && expr.charAt(i) == '{') {
                int close = expr.indexOf('}', i);
                matchers = expr.substring(i + 1, close);
                from = close + 1;
            }
            out.put(m.start(), new String[] {name, matchers});
        }
        return out;
    }

    private static boolean isInString(String expr, int index) {
        boolean in = false;
        for (int i = 0; i < index; i++) {
            char c = expr.charAt(i);
            if (c == '\\' && in) {
                i++;
            } else if (c == '"') {
                in = !in;
            }
        }
        return in;
    }

    /** GitHub's anchor of a Markdown heading. */
    public static String githubAnchor(String heading) {
        return Markdown.anchor(heading);
    }

    /**
     * The sections of a Markdown file at one heading level ({@code 2} for {@code ##}), each with its
     * text up to the next heading of that level or above.
     */
    public static Map<String, String> docSections(Path file, int level) {
        try {
            return Markdown.sections(Files.readString(file), level);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static List<Path> list(Path dir, String suffix) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Map<String, String> strings(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }
}
