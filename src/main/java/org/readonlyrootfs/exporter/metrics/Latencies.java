package org.readonlyrootfs.exporter.metrics;

import static org.readonlyrootfs.exporter.metrics.ExporterCollector.PREFIX;

import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.readonlyrootfs.exporter.docker.RequestListener;

/**
 * How slow the daemon is, and how late a change is seen: {@code readonly_rootfs_docker_request_duration_seconds}
 * by operation (every request, failed ones included, fed by {@link RequestListener#requestDone}) and {@code
 * readonly_rootfs_event_delay_seconds} (from the daemon's time of a container event to the inventory updated).
 *
 * <p>Two {@code prometheus-metrics-core} histograms, classic buckets only, without exemplars. They are observed
 * from the first request on, before the daemon has said its name; so the {@code host} label every series carries
 * is added when scraped, from the daemon's current name, as the snapshot's series have it.
 */
public final class Latencies implements RequestListener {
    static final String REQUEST_DURATION = PREFIX + "docker_request_duration_seconds";
    static final String EVENT_DELAY = PREFIX + "event_delay_seconds";

    /** Sub-millisecond (an inspect of a local daemon) to past the default 10 s call deadline. */
    static final double[] BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30
    };

    private final Histogram requests = Histogram.builder()
            .name(REQUEST_DURATION)
            .help("Duration of Docker API requests, by operation, from sent to answer read in full; failed ones"
                    + " (error status, call deadline, connection) included; the events stream counts its set-up only")
            .unit(Unit.SECONDS)
            .labelNames("operation")
            .classicOnly()
            .classicUpperBounds(BUCKETS)
            .withoutExemplars()
            .build();

    private final Histogram eventDelay = Histogram.builder()
            .name(EVENT_DELAY)
            .help("Detection delay: from a container event's time on the daemon (timeNano) to the inventory updated"
                    + " (a changed container inspected, a removed one gone); events replayed after a reconnection"
                    + " count from their own time")
            .unit(Unit.SECONDS)
            .classicOnly()
            .classicUpperBounds(BUCKETS)
            .withoutExemplars()
            .build();

    public Latencies() {
        for (String op : new String[] {"info", "list", "inspect", "events"}) {
            requests.initLabelValues(op); // the usual operations' series exist from the start, as their counts do
        }
    }

    @Override
    public void requestSent(String operation) {}

    @Override
    public void requestDone(String operation, long nanos, boolean ok) {
        requests.labelValues(operation).observe(Math.max(0, nanos) / 1e9);
    }

    /**
     * A container event was applied {@code nanos} after the daemon's time of it; a negative delay (the
     * daemon's clock ahead of ours) counts as 0.
     */
    public void eventDelay(long nanos) {
        eventDelay.observe(Math.max(0, nanos) / 1e9);
    }

    /** Both histograms, each series labelled with {@code host} as it is when scraped. */
    public MultiCollector collector(Supplier<String> host) {
        return new MultiCollector() {
            @Override
            public MetricSnapshots collect() {
                String h = host.get();
                return MetricSnapshots.of(withHost(requests.collect(), h), withHost(eventDelay.collect(), h));
            }

            @Override
            public List<String> getPrometheusNames() {
                return List.of(REQUEST_DURATION, EVENT_DELAY);
            }
        };
    }

    private static HistogramSnapshot withHost(HistogramSnapshot s, String host) {
        List<HistogramDataPointSnapshot> points =
                new ArrayList<>(s.getDataPoints().size());
        for (HistogramDataPointSnapshot p : s.getDataPoints()) {
            points.add(new HistogramDataPointSnapshot(
                    p.getClassicBuckets(),
                    p.getSum(),
                    p.getLabels().add("host", host),
                    p.getExemplars(),
                    p.hasCreatedTimestamp() ? p.getCreatedTimestampMillis() : 0L));
        }
        return new HistogramSnapshot(s.getMetadata(), points);
    }
}
