package org.readonlyrootfs.exporter.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.readonlyrootfs.exporter.authz.Action;
import org.readonlyrootfs.exporter.authz.AuthzMode;
import org.readonlyrootfs.exporter.authz.Decision;
import org.readonlyrootfs.exporter.authz.Outcome;
import org.readonlyrootfs.exporter.product.BuildInfo;

/**
 * The authorization plugin's own metrics ({@code readonly-rootfs-exporter authz}): every decision by
 * action and outcome, the time to decide, the mode, the build. Registered into the registry it is given.
 */
public final class AuthzMetrics {
    static final String REQUESTS = ExporterCollector.PREFIX + "authz_requests";
    static final String DURATION = ExporterCollector.PREFIX + "authz_decision_duration_seconds";
    static final String MODE = ExporterCollector.PREFIX + "authz_mode";
    static final String BUILD = ExporterCollector.PREFIX + "build";
    static final String BAD_REQUESTS = ExporterCollector.PREFIX + "authz_bad_requests";

    /** Buckets from 10 µs: a decision takes microseconds, the daemon waits for each one. */
    static final double[] BUCKETS = {
        0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1
    };

    /** The outcomes each action can have: these series exist from the start, at 0. */
    static final Map<Action, List<Outcome>> MEANINGFUL = Map.of(
            Action.CONTAINER_CREATE, List.of(Outcome.values()),
            Action.SERVICE_CREATE, List.of(Outcome.values()),
            Action.SERVICE_UPDATE, List.of(Outcome.values()),
            Action.CONTAINER_START, List.of(Outcome.ALLOWED, Outcome.REFUSED, Outcome.WOULD_REFUSE),
            Action.PLUGIN, List.of(Outcome.ALLOWED, Outcome.REFUSED, Outcome.WOULD_REFUSE),
            Action.OTHER, List.of(Outcome.ALLOWED, Outcome.REFUSED, Outcome.WOULD_REFUSE));

    private final Counter requests;
    private final Histogram duration;
    private final Counter badRequests;

    /** @param mode the mode in force, read on every scrape (a reload may change it) */
    public AuthzMetrics(PrometheusRegistry registry, Supplier<AuthzMode> mode) {
        requests = Counter.builder()
                .name(REQUESTS)
                .help("Requests the daemon asked the authorization plugin about, by action (container_create,"
                        + " container_start, service_create, service_update, plugin, other) and decision (allowed,"
                        + " exempt, refused, would_refuse: allowed in audit mode, refused in enforce mode)")
                .labelNames("action", "decision")
                .register(registry);
        for (Action a : Action.values()) {
            for (Outcome o : MEANINGFUL.get(a)) {
                requests.labelValues(a.label(), o.label());
            }
        }
        duration = Histogram.builder()
                .name(DURATION)
                .help("Time the authorization plugin took to decide a request (from the request read to the"
                        + " answer ready), by action")
                .unit(Unit.SECONDS)
                .classicUpperBounds(BUCKETS)
                .classicOnly()
                .labelNames("action")
                .register(registry);
        for (Action a : Action.values()) {
            duration.labelValues(a.label());
        }
        badRequests = Counter.builder()
                .name(BAD_REQUESTS)
                .help("Connections to the plugin's socket closed with a 4xx or 5xx answer because what came was not"
                        + " HTTP as the daemon sends it (garbage, oversized, malformed); none from a healthy daemon")
                .register(registry);
        registry.register(new ModeCollector(mode));
        Info build = Info.builder()
                .name(BUILD)
                .help("Build information of readonly-rootfs-exporter")
                .labelNames("version", "java_version")
                .register(registry);
        build.addLabelValues(BuildInfo.version(), BuildInfo.javaVersion());
    }

    /** Counts a request on the socket that was not HTTP as the daemon sends it. */
    public void badRequest() {
        badRequests.inc();
    }

    /** Counts one decision and the time it took. */
    public void record(Decision d, long nanos) {
        requests.labelValues(d.action().label(), d.outcome().label()).inc();
        duration.labelValues(d.action().label()).observe(nanos / 1e9);
    }

    /** {@code readonly_rootfs_authz_mode{mode}}: 1 for the mode in force, 0 for the other. */
    private static final class ModeCollector implements Collector {
        private final Supplier<AuthzMode> mode;

        ModeCollector(Supplier<AuthzMode> mode) {
            this.mode = mode;
        }

        @Override
        public String getPrometheusName() {
            return MODE;
        }

        @Override
        public MetricSnapshot collect() {
            AuthzMode current = mode.get();
            GaugeSnapshot.Builder b = GaugeSnapshot.builder()
                    .name(MODE)
                    .help("The authorization plugin's mode (authz.mode), 1 for the mode in force: audit (allow, count"
                            + " what enforce would refuse) or enforce (refuse)");
            for (AuthzMode m : AuthzMode.values()) {
                b.dataPoint(GaugeDataPointSnapshot.builder()
                        .labels(Labels.of("mode", m.label()))
                        .value(m == current ? 1 : 0)
                        .build());
            }
            return b.build();
        }
    }
}
