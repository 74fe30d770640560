package org.readonlyrootfs.exporter.metrics;

import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The standard process and JVM metrics every Java exporter serves ({@code metrics.process-and-jvm}), from
 * {@code prometheus-metrics-instrumentation-jvm}: {@code process_*} (resident memory and open files from
 * {@code /proc/self}, CPU and start time from the JVM), {@code jvm_memory_*}, {@code jvm_buffer_pool_*},
 * {@code jvm_gc_*}, {@code jvm_threads_*}, {@code jvm_classes_*} and {@code jvm_runtime_info}. All read
 * the platform MXBeans and {@code /proc} when scraped: no perf data file, nothing written.
 *
 * <p>Left out: native memory tracking (it needs {@code -XX:NativeMemoryTracking} and a diagnostic command per
 * scrape), per-pool allocation counters (a listener on every garbage collection) and JIT compilation time.
 */
public final class ProcessAndJvm {
    private ProcessAndJvm() {}

    /**
     * Registers them into {@code registry}; returns false, having registered none or some, when the Java
     * runtime lacks the {@code java.management} module (a runtime made without it).
     */
    public static boolean register(PrometheusRegistry registry) {
        try {
            registerAll(registry);
            return true;
        } catch (LinkageError e) {
            return false;
        }
    }

    private static void registerAll(PrometheusRegistry registry) {
        ProcessMetrics.builder().register(registry);
        JvmMemoryMetrics.builder().register(registry);
        JvmBufferPoolMetrics.builder().register(registry);
        JvmGarbageCollectorMetrics.builder().register(registry);
        JvmThreadsMetrics.builder().register(registry);
        JvmClassLoadingMetrics.builder().register(registry);
        JvmRuntimeInfoMetric.builder().register(registry);
    }
}
