package org.readonlyrootfs.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.config.ConfigLoader;
import org.readonlyrootfs.exporter.config.Setting;
import org.readonlyrootfs.exporter.metrics.ConfigReloadCollector;
import org.readonlyrootfs.exporter.metrics.ExporterCollector;
import org.readonlyrootfs.exporter.metrics.Fixtures;

/**
 * The documentation has every setting and every metric the code has: the tables of
 * docs/configuration.md and docs/metrics.md, and the README's summary names only real metrics.
 */
class ReadmeTest {
    private static final Path README = Path.of("README.md");
    private static final Path CONFIGURATION = Path.of("docs", "configuration.md");
    private static final Path METRICS = Path.of("docs", "metrics.md");
    private static final Pattern METRIC_ROW = Pattern.compile("(?m)^\\| `(readonly_rootfs_[a-z_]+)` \\|");

    private static String read(Path file) throws IOException {
        return Files.readString(file);
    }

    /** Every metric name the exporter exposes (with a label pattern: all of them), with its _total or _info suffix. */
    private static Set<String> exposedMetrics() {
        return java.util.stream.Stream.concat(
                        new ExporterCollector(
                                        Fixtures::inventory,
                                        org.readonlyrootfs.exporter.config.PerContainer.ALL,
                                        org.readonlyrootfs.exporter.config.ContainerLabels.of(java.util.List.of("*")))
                                .collect().stream(),
                        java.util.stream.Stream.concat(
                                new ConfigReloadCollector(
                                                () -> new ConfigReloadCollector.Status(true, 0), () -> "node-1")
                                        .collect().stream(),
                                authzMetrics().stream()))
                .map(m -> {
                    String name = m.getMetadata().getPrometheusName();
                    return switch (m.getClass().getSimpleName()) {
                        case "CounterSnapshot" -> name + "_total";
                        case "InfoSnapshot" -> name + "_info";
                        default -> name;
                    };
                })
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The authz command's own metrics. */
    private static io.prometheus.metrics.model.snapshots.MetricSnapshots authzMetrics() {
        io.prometheus.metrics.model.registry.PrometheusRegistry registry =
                new io.prometheus.metrics.model.registry.PrometheusRegistry();
        new org.readonlyrootfs.exporter.metrics.AuthzMetrics(
                registry, () -> org.readonlyrootfs.exporter.authz.AuthzMode.AUDIT);
        return registry.scrape();
    }

    @Test
    void everySettingIsInTheConfigurationTable() throws IOException {
        String doc = read(CONFIGURATION);
        for (Setting s : new ConfigLoader(Map.of()).settings()) {
            String env = s.fileOnly() ? "config file only" : "`" + s.envVar() + "`";
            assertTrue(doc.contains("| `" + s.key() + "` | " + env), CONFIGURATION + ": " + s.key() + " / " + env);
            assertTrue(
                    doc.contains("`" + s.defaultValue() + "`"),
                    CONFIGURATION + ": " + s.key() + " default " + s.defaultValue());
        }
    }

    @Test
    void everyMetricIsInTheMetricsTable() throws IOException {
        String doc = read(METRICS);
        for (String exposed : exposedMetrics()) {
            assertTrue(doc.contains("| `" + exposed + "` |"), METRICS + ": " + exposed);
        }
        Matcher m = METRIC_ROW.matcher(doc);
        Set<String> documented = new TreeSet<>();
        while (m.find()) {
            documented.add(m.group(1));
        }
        documented.removeAll(exposedMetrics());
        assertEquals(Set.of(), documented, METRICS + " documents metrics the exporter does not expose");
    }

    /** The README's short metrics table lists only metrics that exist (and is not empty). */
    @Test
    void theReadmeSummaryNamesRealMetrics() throws IOException {
        Set<String> exposed = exposedMetrics();
        Matcher m = METRIC_ROW.matcher(read(README));
        Set<String> summary = new TreeSet<>();
        while (m.find()) {
            summary.add(m.group(1));
        }
        assertFalse(summary.isEmpty(), README + " has no metrics table");
        for (String name : summary) {
            assertTrue(
                    exposed.contains(name),
                    README + " names " + name + ", which the exporter does not expose: " + exposed);
        }
    }
}
