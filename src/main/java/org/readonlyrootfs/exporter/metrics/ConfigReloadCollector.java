package org.readonlyrootfs.exporter.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.List;
import java.util.function.Supplier;

/**
 * Whether the last reload of the configuration files succeeded, and when one last did, as Prometheus and
 * Alertmanager export them ({@code prometheus_config_last_reload_successful} and {@code
 * ..._success_timestamp_seconds}): 1 and the start time at start-up.
 */
public final class ConfigReloadCollector implements MultiCollector {
    static final String SUCCESSFUL = ExporterCollector.PREFIX + "config_last_reload_successful";
    static final String SUCCESS_TIMESTAMP = ExporterCollector.PREFIX + "config_last_reload_success_timestamp_seconds";

    /**
     * The state of reloads.
     *
     * @param successful              whether the last reload succeeded (true before any)
     * @param successEpochSeconds     unix time of the last successful reload, or of the start
     */
    public record Status(boolean successful, double successEpochSeconds) {}

    private final Supplier<Status> status;
    private final Supplier<String> host;

    /** @param host the daemon's name, the {@code host} label of every series */
    public ConfigReloadCollector(Supplier<Status> status, Supplier<String> host) {
        this.status = status;
        this.host = host;
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of(SUCCESSFUL, SUCCESS_TIMESTAMP);
    }

    @Override
    public MetricSnapshots collect() {
        Status s = status.get();
        Labels labels = Labels.of("host", host.get());
        return MetricSnapshots.of(
                GaugeSnapshot.builder()
                        .name(SUCCESSFUL)
                        .help("1 if the last reload of the configuration files (SIGHUP or POST /-/reload) succeeded,"
                                + " 0 if it failed and the configuration before it still runs; 1 at start-up")
                        .dataPoint(GaugeDataPointSnapshot.builder()
                                .value(s.successful() ? 1 : 0)
                                .labels(labels)
                                .build())
                        .build(),
                GaugeSnapshot.builder()
                        .name(SUCCESS_TIMESTAMP)
                        .help("Unix time of the last successful reload of the configuration files; the start time"
                                + " before any")
                        .unit(Unit.SECONDS)
                        .dataPoint(GaugeDataPointSnapshot.builder()
                                .value(s.successEpochSeconds())
                                .labels(labels)
                                .build())
                        .build());
    }
}
