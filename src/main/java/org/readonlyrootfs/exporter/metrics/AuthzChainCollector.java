package org.readonlyrootfs.exporter.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Whether the daemon has the readonly-rootfs authorization plugin in its chain ({@code GET /info}, {@code
 * Plugins.Authorization}, read when the daemon may have changed: see {@code Scanner}), which plugins the
 * chain holds, and whether the site expects protection ({@code authz.required}): the SOC's view of which
 * nodes refuse writable containers before they exist. Nothing about the chain is exported until the daemon first answered.
 */
public final class AuthzChainCollector implements MultiCollector {
    static final String PLUGIN_ACTIVE = ExporterCollector.PREFIX + "authz_plugin_active";
    static final String PROTECTED = ExporterCollector.PREFIX + "authz_protected";
    static final String REQUIRED = ExporterCollector.PREFIX + "authz_required";
    /** More plugins than this in one chain are not exported one by one (a chain holds one to three). */
    static final int MAX_PLUGINS = 32;

    /**
     * What one scrape renders.
     *
     * @param host       the daemon's name, the {@code host} label of every series
     * @param plugins    the daemon's authorization plugin chain as its last {@code GET /info} said; empty
     *                   until the daemon first answered
     * @param pluginName the readonly-rootfs plugin's name ({@code authz.plugin-name}), tag optional
     * @param required   whether the site expects the node to be protected ({@code authz.required})
     */
    public record Chain(String host, Optional<List<String>> plugins, String pluginName, boolean required) {}

    private final Supplier<Chain> chain;

    public AuthzChainCollector(Supplier<Chain> chain) {
        this.chain = chain;
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of(PLUGIN_ACTIVE, PROTECTED, REQUIRED);
    }

    @Override
    public MetricSnapshots collect() {
        Chain c = chain.get();
        Labels host = Labels.of("host", c.host());
        List<io.prometheus.metrics.model.snapshots.MetricSnapshot> out = new ArrayList<>();
        c.plugins().ifPresent(plugins -> {
            GaugeSnapshot.Builder active = GaugeSnapshot.builder()
                    .name(PLUGIN_ACTIVE)
                    .help(
                            "1 for every authorization plugin in the Docker daemon's chain as GET /info lists it"
                                    + " (Plugins.Authorization, read when the daemon may have changed: at start, after each"
                                    + " reconnection of the events stream, every 5 minutes; the chain the daemon started with,"
                                    + " a SIGHUP does not change it), named as the daemon names it; no series when it has none");
            new LinkedHashSet<>(plugins)
                    .stream()
                            .limit(MAX_PLUGINS)
                            .forEach(p -> active.dataPoint(GaugeDataPointSnapshot.builder()
                                    .value(1)
                                    .labels(host.add("plugin", p))
                                    .build()));
            out.add(active.build());
            out.add(GaugeSnapshot.builder()
                    .name(PROTECTED)
                    .help("1 if the Docker daemon's authorization chain holds the readonly-rootfs plugin"
                            + " (authz.plugin-name, with or without its tag), so writable containers can be refused"
                            + " before they exist; 0 if not; no series until the daemon first answered")
                    .dataPoint(GaugeDataPointSnapshot.builder()
                            .value(plugins.stream().anyMatch(p -> isOurs(c.pluginName(), p)) ? 1 : 0)
                            .labels(host)
                            .build())
                    .build());
        });
        out.add(GaugeSnapshot.builder()
                .name(REQUIRED)
                .help("1 if this site expects the node to have the readonly-rootfs authorization plugin in its chain"
                        + " (authz.required), 0 if not")
                .dataPoint(GaugeDataPointSnapshot.builder()
                        .value(c.required() ? 1 : 0)
                        .labels(host)
                        .build())
                .build());
        return new MetricSnapshots(out);
    }

    /**
     * Whether {@code listed}, a name of the daemon's chain, is the plugin configured as {@code configured}:
     * the same name, or the same name with a tag when {@code configured} has none ({@code readonly-rootfs}
     * is {@code readonly-rootfs:latest}; {@code readonly-rootfs:1.2} is only itself).
     */
    static boolean isOurs(String configured, String listed) {
        if (configured.equals(listed)) {
            return true;
        }
        return !hasTag(configured) && hasTag(listed) && untagged(listed).equals(configured);
    }

    private static boolean hasTag(String name) {
        return name.lastIndexOf(':') > name.lastIndexOf('/');
    }

    private static String untagged(String name) {
        return name.substring(0, name.lastIndexOf(':'));
    }
}
