package org.readonlyrootfs.exporter.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.compliance.ContainerFacts;
import org.readonlyrootfs.exporter.config.ContainerLabels;
import org.readonlyrootfs.exporter.config.PerContainer;
import org.readonlyrootfs.exporter.scan.AuditedContainer;
import org.readonlyrootfs.exporter.scan.Snapshot;

/** The pattern form of metrics.container-labels: which label_* an inventory gets, and what is left out. */
class ContainerLabelColumnsTest {
    private static List<AuditedContainer> containers(List<Map<String, String>> labels) {
        Classifier c = new Classifier(true);
        List<AuditedContainer> out = new ArrayList<>();
        int i = 0;
        for (Map<String, String> l : labels) {
            ContainerFacts f = new ContainerFacts("c" + i, "n" + i, "img", "running", l, 1, false);
            out.add(new AuditedContainer(f, c.classify(f, Fixtures.NOW), 1));
            i++;
        }
        return out;
    }

    @Test
    void entriesWithAStarArePatternsAndAStarMatchesAnyRun() {
        ContainerLabels l = ContainerLabels.of(List.of("team", "com.example.*", "*.owner", "com.example.*"));
        assertEquals(Map.of("team", "label_team"), l.names());
        assertEquals(List.of("com.example.*", "*.owner"), l.patterns(), "a pattern given twice counts once");
        assertTrue(l.patternMatches("com.example.team"));
        assertTrue(l.patternMatches("com.example."), "* matches none too");
        assertTrue(l.patternMatches("io.acme.owner"));
        assertFalse(l.patternMatches("com.examplex.team"));
        assertFalse(l.patternMatches("team"), "exact names are not a pattern's");
        assertTrue(ContainerLabels.of(List.of("*")).patternMatches(""));
        assertTrue(ContainerLabels.of(List.of("a*b*c")).patternMatches("aXbYbZc"));
        assertFalse(ContainerLabels.of(List.of("a*b*c")).patternMatches("aXbYcZ"));
        assertTrue(ContainerLabels.of(List.of("**x")).patternMatches("x"));
    }

    @Test
    void exactNamesFirstThenPatternNamesSortedAndACollisionIsLeftOutFirstWins() {
        ContainerLabels config = ContainerLabels.of(List.of("team", "com.example.*"));
        List<AuditedContainer> inventory = containers(List.of(
                Map.of("team", "payments", "com.example.owner", "alice", "com.example.cost_centre", "7"),
                Map.of("com.example.cost-centre", "9", "com.example.tier", "web", "other", "x"),
                Map.of()));
        ContainerLabelColumns c = ContainerLabelColumns.of(config, inventory);
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("team", "label_team");
        expected.put("com.example.cost-centre", "label_com_example_cost_centre");
        expected.put("com.example.owner", "label_com_example_owner");
        expected.put("com.example.tier", "label_com_example_tier");
        assertEquals(expected, c.columns());
        assertEquals(List.of(expList()), c.collisions());
        assertEquals(0, c.overLimit());
        ContainerLabelColumns reversed =
                ContainerLabelColumns.of(config, List.of(inventory.get(2), inventory.get(1), inventory.get(0)));
        assertEquals(c, reversed, "the containers' order does not matter");
        ContainerLabelColumns exactWins =
                ContainerLabelColumns.of(ContainerLabels.of(List.of("com_example_tier", "com.example.*")), inventory);
        assertEquals(
                "com_example_tier",
                exactWins.columns().entrySet().stream()
                        .filter(e -> e.getValue().equals("label_com_example_tier"))
                        .findFirst()
                        .orElseThrow()
                        .getKey());
        assertTrue(exactWins
                .collisions()
                .contains("com.example.tier (label_com_example_tier, taken by com_example_tier)"));
    }

    private static String expList() {
        return "com.example.cost_centre (label_com_example_cost_centre, taken by com.example.cost-centre)";
    }

    @Test
    void patternLabelsStopAtTheLimitAndTheRestIsCounted() {
        Map<String, String> many = new LinkedHashMap<>();
        for (int i = 0; i < ContainerLabelColumns.MAX_PATTERN_LABELS + 10; i++) {
            many.put(String.format("x.%03d", i), "v");
        }
        ContainerLabelColumns c =
                ContainerLabelColumns.of(ContainerLabels.of(List.of("team", "*")), containers(List.of(many)));
        assertEquals(ContainerLabelColumns.MAX_PATTERN_LABELS + 1, c.columns().size(), "team and the first 64");
        assertTrue(c.columns().containsKey("x.063"));
        assertFalse(c.columns().containsKey("x.064"));
        assertEquals(10, c.overLimit());
    }

    @Test
    void everySeriesCarriesEveryColumnAndTheDroppedNamesAreAMetric() throws Exception {
        List<AuditedContainer> inventory = containers(List.of(
                Map.of("com.example.a.b", "1", "com.example.a_b", "2"), Map.of("com.example.team", "payments")));
        Snapshot s = new Snapshot(
                "h",
                "20.10",
                true,
                true,
                "",
                inventory,
                0,
                0.1,
                Fixtures.NOW.getEpochSecond(),
                1,
                0,
                0,
                Map.of(),
                true,
                0);
        String text =
                render(new ExporterCollector(() -> s, PerContainer.ALL, ContainerLabels.of(List.of("com.example.*"))));
        assertTrue(
                text.contains("readonly_rootfs_container{container_id=\"c0\",container_name=\"n0\",host=\"h\","
                        + "image=\"img\",label_com_example_a_b=\"1\",label_com_example_team=\"\","),
                text);
        assertTrue(
                text.contains("readonly_rootfs_container{container_id=\"c1\",container_name=\"n1\",host=\"h\","
                        + "image=\"img\",label_com_example_a_b=\"\",label_com_example_team=\"payments\","),
                text);
        assertTrue(
                text.contains("readonly_rootfs_container_labels_dropped{host=\"h\",reason=\"collision\"} 1.0"), text);
        assertTrue(text.contains("readonly_rootfs_container_labels_dropped{host=\"h\",reason=\"limit\"} 0.0"), text);
        String exact = render(
                new ExporterCollector(() -> s, PerContainer.ALL, ContainerLabels.of(List.of("com.example.team"))));
        assertFalse(exact.contains("readonly_rootfs_container_labels_dropped"), "no pattern: no such series");
    }

    private static String render(ExporterCollector collector) throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(collector);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape(), EscapingScheme.ALLOW_UTF8);
        return out.toString(StandardCharsets.UTF_8);
    }
}
