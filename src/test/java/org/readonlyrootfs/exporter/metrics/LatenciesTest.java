package org.readonlyrootfs.exporter.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.scan.DockerRequestCounts;

/** The two histograms, fed as the gateway and the events follower feed them, on a fresh registry each. */
class LatenciesTest {
    /** A daemon's usual traffic: fast inspects, a slower list, a failed call at its deadline, three events. */
    private static Latencies observed() {
        Latencies l = new Latencies();
        l.requestDone("info", 2_000_000, true);
        l.requestDone("list", 4_000_000, true);
        l.requestDone("inspect", 300_000, true);
        l.requestDone("inspect", 700_000, true);
        l.requestDone("inspect", 10_000_000_000L, false);
        l.requestDone("changes", 40_000_000, true);
        l.eventDelay(3_000_000);
        l.eventDelay(120_000_000);
        l.eventDelay(-5_000_000); // the daemon's clock ahead of ours
        return l;
    }

    private static String render(Latencies l, String host, boolean openMetrics) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(l.collector(() -> host));
        return ExporterCollectorTest.render(
                registry, openMetrics ? OpenMetricsTextFormatWriter.create() : PrometheusTextFormatWriter.create());
    }

    @Test
    void prometheusTextMatchesTheGoldenFile() throws IOException {
        ExporterCollectorTest.assertGolden("latencies.prom", render(observed(), "node-1", false));
    }

    @Test
    void openMetricsMatchesTheGoldenFile() throws IOException {
        ExporterCollectorTest.assertGolden("latencies.openmetrics", render(observed(), "node-1", true));
    }

    @Test
    void theUsualOperationsAndTheEventDelayExistBeforeAnyRequest() throws IOException {
        String text = render(new Latencies(), "h", false);
        for (String op : new String[] {"events", "info", "inspect", "list"}) {
            assertTrue(
                    text.contains("readonly_rootfs_docker_request_duration_seconds_count{host=\"h\",operation=\"" + op
                            + "\"} 0"),
                    op + "\n" + text);
        }
        assertTrue(text.contains("readonly_rootfs_event_delay_seconds_count{host=\"h\"} 0"), text);
    }

    @Test
    void requestsTimedBeforeTheDaemonSaidItsNameCarryItsNameOnceKnown() throws IOException {
        Latencies l = new Latencies();
        AtomicReference<String> host = new AtomicReference<>("exporter-container");
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(l.collector(host::get));
        l.requestDone("info", 1_000_000, true); // the first scan's info, before its answer names the daemon
        host.set("node-7");
        String text = ExporterCollectorTest.render(registry, PrometheusTextFormatWriter.create());
        assertTrue(
                text.contains(
                        "readonly_rootfs_docker_request_duration_seconds_count{host=\"node-7\",operation=\"info\"} 1"),
                text);
        assertFalse(text.contains("exporter-container"), "no series left under the fallback name:\n" + text);
    }

    @Test
    void theRequestCountsPassEveryDurationOnOnceTold() throws IOException {
        DockerRequestCounts counts = new DockerRequestCounts();
        Latencies l = new Latencies();
        counts.requestDone("list", 1_000_000, true); // not yet told: dropped
        counts.timeTo(l);
        counts.requestSent("list");
        counts.requestDone("list", 2_000_000, true);
        String text = render(l, "h", false);
        assertTrue(
                text.contains("readonly_rootfs_docker_request_duration_seconds_count{host=\"h\",operation=\"list\"} 1"),
                text);
        assertTrue(
                text.contains(
                        "readonly_rootfs_docker_request_duration_seconds_sum{host=\"h\",operation=\"list\"} 0.002"),
                text);
        assertEquals(1L, counts.snapshot().get("list"));
    }
}
