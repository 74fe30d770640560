package org.readonlyrootfs.exporter.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The daemon's authorization chain as the exporter exports it: golden exposition of a protected node
 * (regenerate with {@code -Dgolden.update=true}), name matching with and without a tag, and nothing
 * about the chain before the daemon answered.
 */
class AuthzChainCollectorTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden");

    private static String render(AuthzChainCollector collector, ExpositionFormatWriter writer) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(collector);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.write(out, registry.scrape(), EscapingScheme.ALLOW_UTF8);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String prom(AuthzChainCollector.Chain chain) throws IOException {
        return render(new AuthzChainCollector(() -> chain), PrometheusTextFormatWriter.create());
    }

    private static void assertGolden(String name, String actual) throws IOException {
        Path file = GOLDEN.resolve(name);
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(file, actual);
        }
        assertEquals(Files.readString(file), actual, "golden file " + file + " (regenerate with -Dgolden.update=true)");
    }

    @Test
    void aProtectedNodeWithTwoPluginsInItsChain() throws IOException {
        AuthzChainCollector c = new AuthzChainCollector(() -> new AuthzChainCollector.Chain(
                "node-1", Optional.of(List.of("site-authz", "readonly-rootfs:latest")), "readonly-rootfs", true));
        assertGolden("authz-chain.prom", render(c, PrometheusTextFormatWriter.create()));
        assertGolden("authz-chain.openmetrics", render(c, OpenMetricsTextFormatWriter.create()));
    }

    @Test
    void aNodeWithoutPluginsIsNotProtectedAndListsNone() throws IOException {
        String text = prom(new AuthzChainCollector.Chain("node-2", Optional.of(List.of()), "readonly-rootfs", true));
        assertTrue(text.contains("readonly_rootfs_authz_protected{host=\"node-2\"} 0.0\n"), text);
        assertTrue(text.contains("readonly_rootfs_authz_required{host=\"node-2\"} 1.0\n"), text);
        assertFalse(text.contains("readonly_rootfs_authz_plugin_active{"), text);
    }

    @Test
    void beforeTheDaemonAnsweredOnlyTheSitesExpectationIsExported() throws IOException {
        String text = prom(new AuthzChainCollector.Chain("node-3", Optional.empty(), "readonly-rootfs", false));
        assertFalse(text.contains("readonly_rootfs_authz_protected"), "unknown is not 0: " + text);
        assertFalse(text.contains("readonly_rootfs_authz_plugin_active"), text);
        assertTrue(text.contains("readonly_rootfs_authz_required{host=\"node-3\"} 0.0\n"), text);
    }

    @Test
    void everyScrapeReadsTheChainAgain() throws IOException {
        AtomicReference<AuthzChainCollector.Chain> chain = new AtomicReference<>(
                new AuthzChainCollector.Chain("node-1", Optional.of(List.of()), "readonly-rootfs", true));
        AuthzChainCollector c = new AuthzChainCollector(chain::get);
        assertTrue(render(c, PrometheusTextFormatWriter.create()).contains("authz_protected{host=\"node-1\"} 0.0"));
        chain.set(new AuthzChainCollector.Chain(
                "node-1", Optional.of(List.of("readonly-rootfs")), "readonly-rootfs", true));
        assertTrue(render(c, PrometheusTextFormatWriter.create()).contains("authz_protected{host=\"node-1\"} 1.0"));
    }

    @Test
    void theNameMatchesWithOrWithoutItsTagButNotAnotherPlugin() {
        assertTrue(AuthzChainCollector.isOurs("readonly-rootfs", "readonly-rootfs"));
        assertTrue(AuthzChainCollector.isOurs("readonly-rootfs", "readonly-rootfs:latest"));
        assertTrue(AuthzChainCollector.isOurs("readonly-rootfs:1.2", "readonly-rootfs:1.2"));
        assertTrue(AuthzChainCollector.isOurs(
                "registry:5000/rre/readonly-rootfs", "registry:5000/rre/readonly-rootfs:v1"));
        assertFalse(AuthzChainCollector.isOurs("readonly-rootfs:1.2", "readonly-rootfs:latest"));
        assertFalse(AuthzChainCollector.isOurs("readonly-rootfs:1.2", "readonly-rootfs"));
        assertFalse(AuthzChainCollector.isOurs("readonly-rootfs", "readonly-rootfs-old"));
        assertFalse(AuthzChainCollector.isOurs("readonly-rootfs", "evil/readonly-rootfs"));
        assertFalse(AuthzChainCollector.isOurs("registry:5000/rre/readonly-rootfs", "registry:5000/rre/other"));
    }

    @Test
    void hostilePluginNamesAreEscapedDuplicatesOnceAndTheSeriesBounded() throws IOException {
        List<String> many = new java.util.ArrayList<>(List.of("a\"b\\c\nd", "a\"b\\c\nd"));
        IntStream.range(0, 100).forEach(i -> many.add("p" + i));
        String text = prom(new AuthzChainCollector.Chain("node-1", Optional.of(many), "readonly-rootfs", false));
        assertTrue(text.contains("plugin=\"a\\\"b\\\\c\\nd\"} 1.0\n"), text);
        long series = text.lines()
                .filter(l -> l.startsWith("readonly_rootfs_authz_plugin_active{"))
                .count();
        assertEquals(AuthzChainCollector.MAX_PLUGINS, series);
    }
}
