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
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.config.ContainerLabels;
import org.readonlyrootfs.exporter.config.PerContainer;
import org.readonlyrootfs.exporter.scan.Snapshot;

/**
 * Golden exposition of a fixed inventory. Regenerate with {@code mvn test -Dgolden.update=true}
 * after an intended change, and review the diff.
 */
class ExporterCollectorTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden");

    private static String render(Snapshot snapshot, ExpositionFormatWriter writer) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new ExporterCollector(() -> snapshot));
        ScanCounters.register(registry, () -> snapshot);
        return render(registry, writer);
    }

    /** The registry's exposition in {@code writer}'s format. */
    static String render(PrometheusRegistry registry, ExpositionFormatWriter writer) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.write(out, registry.scrape(), EscapingScheme.ALLOW_UTF8);
        // the build labels change with every release and JVM: pin them
        return out.toString(StandardCharsets.UTF_8)
                .replaceAll("java_version=\"[^\"]*\"", "java_version=\"JAVA\"")
                .replaceAll("(readonly_rootfs_build_info\\{[^}]*)version=\"[^\"]*\"", "$1version=\"VERSION\"");
    }

    static void assertGolden(String name, String actual) throws IOException {
        Path file = GOLDEN.resolve(name);
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(GOLDEN);
            Files.writeString(file, actual);
        }
        assertEquals(Files.readString(file), actual, "golden file " + file + " (regenerate with -Dgolden.update=true)");
    }

    @Test
    void prometheusTextMatchesTheGoldenFile() throws IOException {
        assertGolden("metrics.prom", render(Fixtures.inventory(), PrometheusTextFormatWriter.create()));
    }

    @Test
    void openMetricsMatchesTheGoldenFile() throws IOException {
        assertGolden("metrics.openmetrics", render(Fixtures.inventory(), OpenMetricsTextFormatWriter.create()));
    }

    @Test
    void remediationSeriesFollowPerContainerButTheirCountsAlwaysStay() throws IOException {
        for (PerContainer mode : PerContainer.values()) {
            PrometheusRegistry registry = new PrometheusRegistry();
            registry.register(new ExporterCollector(Fixtures::inventory, mode));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrometheusTextFormatWriter.create().write(out, registry.scrape(), EscapingScheme.ALLOW_UTF8);
            String text = out.toString(StandardCharsets.UTF_8);
            long series = text.lines()
                    .filter(l -> l.startsWith("readonly_rootfs_remediation{"))
                    .count();
            assertEquals(mode == PerContainer.NONE ? 0 : 2, series, mode + "\n" + text);
            assertTrue(
                    text.contains("readonly_rootfs_remediation_plans{host=\"node-1\",plan=\"tmpfs_only\"} 1.0"),
                    mode + "\n" + text);
        }
    }

    @Test
    void configuredContainerLabelsAreOnEveryContainerAndRemediationSeriesEscapedAndEmptyWhenMissing()
            throws IOException {
        ContainerLabels labels =
                ContainerLabels.of(List.of("com.docker.compose.project", "com.docker.stack.namespace"));
        Snapshot inventory = Fixtures.inventory();
        ExporterCollector collector = new ExporterCollector(() -> inventory, PerContainer.ALL, labels);
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(collector);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape(), EscapingScheme.ALLOW_UTF8);
        String text = out.toString(StandardCharsets.UTF_8);
        List<String> series = text.lines()
                .filter(l -> l.startsWith("readonly_rootfs_container{") || l.startsWith("readonly_rootfs_remediation{"))
                .toList();
        assertEquals(10, series.size(), text);
        for (String line : series) {
            assertTrue(line.contains("label_com_docker_compose_project=\""), line);
            assertTrue(line.contains("label_com_docker_stack_namespace=\""), line);
        }
        assertTrue(text.contains("label_com_docker_compose_project=\"a\\\"b\\\\c\\nd ü\""), text);
        assertTrue(
                text.contains(
                        "readonly_rootfs_remediation{container_id=\"cccccccccccc\",container_name=\"shop_web.1.x7\","
                                + "host=\"node-1\",image=\"web@sha256:0f\",label_com_docker_compose_project=\"\","
                                + "label_com_docker_stack_namespace=\"shop\",plan=\"tmpfs_only\"} 1.0"),
                text);
        assertTrue(
                text.contains("container_id=\"aaaaaaaaaaaa\",container_name=\"api\",host=\"node-1\","
                        + "image=\"registry.local/api:1.2\",label_com_docker_compose_project=\"\","
                        + "label_com_docker_stack_namespace=\"\","),
                text);
        java.util.function.Supplier<Object> containerSeries = () -> collector.collect().stream()
                .filter(m -> m.getMetadata().getName().equals("readonly_rootfs_container"))
                .findFirst()
                .orElseThrow();
        Object first = containerSeries.get();
        assertTrue(first == containerSeries.get(), "same container list: same series object, labels and all");
    }

    @Test
    void beforeTheFirstScanEveryStatusCountIsZeroAndDockerIsDown() throws IOException {
        String text = render(Snapshot.initial("h"), PrometheusTextFormatWriter.create());
        for (String status : List.of("compliant", "finding", "exempt", "not_applicable")) {
            assertTrue(text.contains("readonly_rootfs_containers{host=\"h\",status=\"" + status + "\"} 0.0"), status);
        }
        assertTrue(text.contains("readonly_rootfs_docker_up{host=\"h\"} 0.0"));
        assertTrue(!text.contains("readonly_rootfs_container{"), "no container series");
    }

    @Test
    void seriesAreBuiltFreshPerScrapeSoARemovedContainerDisappears() throws IOException {
        Snapshot full = Fixtures.inventory();
        AtomicReference<Snapshot> current = new AtomicReference<>(full);
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new ExporterCollector(current::get));
        assertEquals(
                8,
                registry.scrape().stream()
                        .filter(m -> m.getMetadata().getName().equals("readonly_rootfs_container"))
                        .findFirst()
                        .orElseThrow()
                        .getDataPoints()
                        .size());
        current.set(new Snapshot(
                full.host(),
                full.daemonVersion(),
                true,
                true,
                "",
                full.containers().subList(0, 1),
                0,
                0.01,
                full.lastSuccessEpochSeconds(),
                8,
                2,
                3,
                full.dockerRequests(),
                true,
                12));
        assertEquals(
                1,
                registry.scrape().stream()
                        .filter(m -> m.getMetadata().getName().equals("readonly_rootfs_container"))
                        .findFirst()
                        .orElseThrow()
                        .getDataPoints()
                        .size());
    }

    @Test
    void unchangedPlansReuseTheirSeriesAndNewPlansRebuildThem() {
        Snapshot full = Fixtures.inventory();
        AtomicReference<Snapshot> current = new AtomicReference<>(full);
        ExporterCollector collector = new ExporterCollector(current::get);
        java.util.function.Supplier<Object> series = () -> collector.collect().stream()
                .filter(m -> m.getMetadata().getName().equals("readonly_rootfs_remediation"))
                .findFirst()
                .orElseThrow();
        Object first = series.get();
        assertTrue(first == series.get(), "same containers and plans: same series object");
        current.set(full.withRemediations(Map.of()));
        Object none = series.get();
        assertTrue(first != none, "other plans: rebuilt");
        assertEquals(
                0,
                ((io.prometheus.metrics.model.snapshots.MetricSnapshot) none)
                        .getDataPoints()
                        .size());
    }

    @Test
    void anUnchangedInventoryReusesItsSeriesAndAnotherHostRebuildsThem() {
        Snapshot full = Fixtures.inventory();
        AtomicReference<Snapshot> current = new AtomicReference<>(full);
        ExporterCollector collector = new ExporterCollector(current::get);
        java.util.function.Supplier<Object> series = () -> collector.collect().stream()
                .filter(m -> m.getMetadata().getName().equals("readonly_rootfs_container"))
                .findFirst()
                .orElseThrow();
        Object first = series.get();
        assertTrue(first == series.get(), "same container list: same series object");
        current.set(new Snapshot(
                "node-2",
                full.daemonVersion(),
                true,
                true,
                "",
                full.containers(),
                0,
                0.01,
                full.lastSuccessEpochSeconds(),
                8,
                2,
                3,
                full.dockerRequests(),
                true,
                12));
        Object renamed = series.get();
        assertTrue(first != renamed, "another host: rebuilt");
        assertTrue(collector.collect().stream()
                .filter(m -> m.getMetadata().getName().equals("readonly_rootfs_container"))
                .findFirst()
                .orElseThrow()
                .getDataPoints()
                .get(0)
                .getLabels()
                .get("host")
                .equals("node-2"));
    }
}
