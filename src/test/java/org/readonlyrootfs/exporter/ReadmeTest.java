package org.readonlyrootfs.exporter;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.config.ConfigLoader;
import org.readonlyrootfs.exporter.config.Setting;
import org.readonlyrootfs.exporter.metrics.ExporterCollector;
import org.readonlyrootfs.exporter.metrics.Fixtures;

/** The README documents every setting and every metric the code has. */
class ReadmeTest {
    private static String readme() throws IOException {
        return Files.readString(Path.of("README.md"));
    }

    @Test
    void everySettingIsInTheConfigurationTable() throws IOException {
        String readme = readme();
        for (Setting s : new ConfigLoader(Map.of()).settings()) {
            String env = s.fileOnly() ? "config file only" : "`" + s.envVar() + "`";
            assertTrue(readme.contains("| `" + s.key() + "` | " + env), s.key() + " / " + env);
            assertTrue(readme.contains("`" + s.defaultValue() + "`"), s.key() + " default " + s.defaultValue());
        }
    }

    @Test
    void everyMetricIsInTheMetricsTable() throws IOException {
        String readme = readme();
        new ExporterCollector(Fixtures::inventory).collect().forEach(m -> {
            String name = m.getMetadata().getPrometheusName();
            String exposed = switch (m.getClass().getSimpleName()) {
                case "CounterSnapshot" -> name + "_total";
                case "InfoSnapshot" -> name + "_info";
                default -> name;
            };
            assertTrue(readme.contains("| `" + exposed + "` |"), exposed);
        });
    }
}
