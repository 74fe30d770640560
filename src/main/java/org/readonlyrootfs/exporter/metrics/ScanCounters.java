package org.readonlyrootfs.exporter.metrics;

import static org.readonlyrootfs.exporter.metrics.ExporterCollector.PREFIX;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.readonlyrootfs.exporter.scan.Snapshot;

/**
 * The scans' counters as {@code prometheus-metrics-core} counters: scans by result, Docker requests by
 * operation, findings detected, events applied. The scan counts them (it cannot depend on Prometheus, see
 * {@code ArchitectureTest}), so each is a counter read from the current {@link Snapshot} at scrape time:
 * one source of truth, the values the snapshot's tests and {@code check} see.
 */
public final class ScanCounters {
    private ScanCounters() {}

    /** Registers the four counters into {@code registry}, each reading {@code snapshots} when scraped. */
    public static void register(PrometheusRegistry registry, Supplier<Snapshot> snapshots) {
        CounterWithCallback.builder()
                .name(PREFIX + "scans")
                .help("Scans run, by result")
                .labelNames("host", "result")
                .callback(cb -> {
                    Snapshot s = snapshots.get();
                    cb.call(s.scansSucceeded(), s.host(), "success");
                    cb.call(s.scansFailed(), s.host(), "failure");
                })
                .register(registry);
        CounterWithCallback.builder()
                .name(PREFIX + "docker_requests")
                .help("Docker API requests sent, by operation")
                .labelNames("host", "operation")
                .callback(cb -> {
                    Snapshot s = snapshots.get();
                    for (Map.Entry<String, Long> e : s.dockerRequests().entrySet()) {
                        cb.call(e.getValue(), s.host(), e.getKey());
                    }
                })
                .register(registry);
        perHost(
                registry,
                snapshots,
                "findings_detected",
                "Containers first seen as a finding (writable root filesystem); each container id counted once",
                Snapshot::findingsDetected);
        perHost(
                registry,
                snapshots,
                "events",
                "Docker container events applied to the inventory",
                Snapshot::eventsApplied);
    }

    /** A counter with one series, labelled with the host. */
    private static void perHost(
            PrometheusRegistry registry,
            Supplier<Snapshot> snapshots,
            String name,
            String help,
            ToLongFunction<Snapshot> value) {
        CounterWithCallback.builder()
                .name(PREFIX + name)
                .help(help)
                .labelNames("host")
                .callback(cb -> {
                    Snapshot s = snapshots.get();
                    cb.call(value.applyAsLong(s), s.host());
                })
                .register(registry);
    }
}
