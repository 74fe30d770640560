package org.readonlyrootfs.exporter.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The standard process and JVM metrics, on a fresh registry: the series the issue names, with real values. */
class ProcessAndJvmTest {
    @Test
    void theStandardSeriesAreThereWithValues() throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        assertTrue(ProcessAndJvm.register(registry), "this runtime has java.management");
        String text = ExporterCollectorTest.render(registry, PrometheusTextFormatWriter.create());
        for (String series : List.of(
                "process_resident_memory_bytes",
                "process_cpu_seconds_total",
                "process_open_fds",
                "process_start_time_seconds",
                "jvm_memory_used_bytes\\{area=\"heap\"}",
                "jvm_gc_collection_seconds_count\\{gc=\"[^\"]+\"}",
                "jvm_threads_current",
                "jvm_threads_state\\{state=\"RUNNABLE\"}")) {
            assertTrue(
                    Pattern.compile("(?m)^" + series + " [1-9][0-9.E+]*$")
                                    .matcher(text)
                                    .find()
                            || series.startsWith("jvm_gc")
                                    && Pattern.compile("(?m)^" + series + " ")
                                            .matcher(text)
                                            .find(),
                    series + " with a positive value in:\n" + text);
        }
    }
}
