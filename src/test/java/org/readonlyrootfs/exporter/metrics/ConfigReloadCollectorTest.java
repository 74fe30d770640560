package org.readonlyrootfs.exporter.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The reload metrics, as Prometheus exports its own: golden exposition after a failed reload (the
 * timestamp stays that of the last success). Regenerate with {@code -Dgolden.update=true}.
 */
class ConfigReloadCollectorTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden");

    private static String render(ConfigReloadCollector collector, ExpositionFormatWriter writer) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(collector);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.write(out, registry.scrape(), EscapingScheme.ALLOW_UTF8);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void assertGolden(String name, String actual) throws IOException {
        Path file = GOLDEN.resolve(name);
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(file, actual);
        }
        assertEquals(Files.readString(file), actual, "golden file " + file + " (regenerate with -Dgolden.update=true)");
    }

    @Test
    void afterAFailedReloadTheTimestampIsThatOfTheLastSuccess() throws IOException {
        ConfigReloadCollector c =
                new ConfigReloadCollector(() -> new ConfigReloadCollector.Status(false, 1764547200.5), () -> "node-1");
        assertGolden("config-reload.prom", render(c, PrometheusTextFormatWriter.create()));
        assertGolden("config-reload.openmetrics", render(c, OpenMetricsTextFormatWriter.create()));
    }

    @Test
    void everyScrapeReadsTheCurrentStatus() throws IOException {
        AtomicReference<ConfigReloadCollector.Status> status =
                new AtomicReference<>(new ConfigReloadCollector.Status(true, 100));
        ConfigReloadCollector c = new ConfigReloadCollector(status::get, () -> "node-1");
        String first = render(c, PrometheusTextFormatWriter.create());
        assertTrue(first.contains("readonly_rootfs_config_last_reload_successful{host=\"node-1\"} 1.0\n"), first);
        status.set(new ConfigReloadCollector.Status(false, 100));
        String second = render(c, PrometheusTextFormatWriter.create());
        assertTrue(second.contains("readonly_rootfs_config_last_reload_successful{host=\"node-1\"} 0.0\n"), second);
        assertTrue(
                second.contains(
                        "readonly_rootfs_config_last_reload_success_timestamp_seconds{host=\"node-1\"} 100.0\n"),
                second);
    }
}
