package org.readonlyrootfs.exporter.benchmark;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.readonlyrootfs.exporter.metrics.ProcessAndJvm;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;

/**
 * What the standard process and JVM metrics cost ({@code metrics.process-and-jvm} true vs false), in one run,
 * runs alternated: the jar with the image's JVM flags over N containers (default 1000), process start to first
 * complete {@code /metrics}, classes loaded by then, resident memory after settling, the scrape's duration and
 * size; and in-process, the time to collect and write the process and JVM series alone.
 * {@code scripts/benchmark.sh --process-and-jvm [N]}; {@code -Dbaseline.jar=JAR} adds an older build as a third column.
 */
public final class ProcessAndJvmBenchmark {
    private static final int RUNS = 5;
    private static final int SCRAPES = 21;

    private ProcessAndJvmBenchmark() {}

    public static void main(String[] args) throws Exception {
        // first, in this fresh JVM: what registering them and their first scrape cost, class loading included
        long cold = System.nanoTime();
        PrometheusRegistry registry = new PrometheusRegistry();
        ProcessAndJvm.register(registry);
        PrometheusTextFormatWriter.create()
                .write(new ByteArrayOutputStream(), registry.scrape(), EscapingScheme.ALLOW_UTF8);
        double coldSeconds = (System.nanoTime() - cold) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "process and JVM series, in-process: registered and first scraped in a fresh JVM %.0f ms;"
                        + " then %.0f µs per scrape (median)%n",
                coldSeconds * 1e3,
                inProcessScrapeSeconds(registry) * 1e6);
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        if (n == 0) {
            return;
        }
        Path jar = Path.of(System.getProperty("exporter.jar", "target/readonly-rootfs-exporter-0.1.0.jar"));
        ScanBenchmark.check(Files.isRegularFile(jar), "no " + jar + ": run mvn package first");
        // optional: an older build (without the process and JVM metrics, or prometheus-metrics-core) as a third column
        String baseline = System.getProperty("baseline.jar", "");
        int variants = baseline.isEmpty() ? 2 : 3;
        Path logs = Files.createTempDirectory("rre-jvm-bench-");
        double[][] first = new double[variants][RUNS];
        double[][] classes = new double[variants][RUNS];
        double[][] rss = new double[variants][RUNS];
        double[][] scrape = new double[variants][RUNS];
        double[][] bytes = new double[variants][RUNS];
        try (PrivateDockerd dockerd = PrivateDockerd.start()) {
            EngineWrites client = new EngineWrites(dockerd.host());
            ScanBenchmark.provision(client, dockerd.image(), "jvm-bench-", n);
            for (int run = 0; run < RUNS; run++) {
                for (int on = 0; on < variants; on++) { // alternated: the machine's noise hits all alike
                    Path classLog = logs.resolve("classes-" + run + "-" + on + ".log");
                    int port = ScanBenchmark.freePort();
                    long start = System.nanoTime();
                    List<String> flags = new ArrayList<>(List.of("--scan.events=false", "--scan.interval=1h"));
                    if (on < 2) {
                        flags.add("--metrics.process-and-jvm=" + (on == 1));
                    }
                    Process p = ScanBenchmark.exporter(
                            on < 2 ? jar : Path.of(baseline),
                            dockerd.host(),
                            port,
                            null,
                            List.of("-Xlog:class+load=info:file=" + classLog),
                            flags.toArray(String[]::new));
                    try {
                        while (true) {
                            Scrape s = ScanBenchmark.tryScrape(port);
                            if (s != null
                                    && s.value("readonly_rootfs_scans_total", Map.of("result", "success")) == 1
                                    && s.samples("readonly_rootfs_container").size() == n) {
                                break;
                            }
                            ScanBenchmark.check(p.isAlive(), "exporter exited");
                            ScanBenchmark.check(
                                    System.nanoTime() - start
                                            < Duration.ofMinutes(5).toNanos(),
                                    "no first scrape");
                            Thread.onSpinWait();
                        }
                        first[on][run] = (System.nanoTime() - start) / 1e9;
                        classes[on][run] = Files.readAllLines(classLog).size();
                        double[] times = new double[SCRAPES];
                        for (int i = 0; i < SCRAPES; i++) {
                            long t = System.nanoTime();
                            bytes[on][run] = Scrape.get(port, "/metrics").body().length();
                            times[i] = (System.nanoTime() - t) / 1e9;
                        }
                        Arrays.sort(times);
                        scrape[on][run] = times[SCRAPES / 2];
                        Thread.sleep(5000); // settle: the first GCs after start-up
                        rss[on][run] = ScanBenchmark.procStatus(p.pid(), "VmRSS:") / 1024.0;
                    } finally {
                        p.destroy();
                        p.waitFor(20, TimeUnit.SECONDS);
                    }
                    System.err.printf(
                            Locale.ROOT,
                            "run %d, %s: first /metrics %.3f s, %d classes, RSS %.1f MiB, scrape %.4f s%n",
                            run + 1,
                            on == 2 ? "baseline " + baseline : "process-and-jvm=" + (on == 1),
                            first[on][run],
                            (long) classes[on][run],
                            rss[on][run],
                            scrape[on][run]);
                }
            }
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(row("process start to first complete /metrics, s (median of " + RUNS + ")", first, "%.3f"));
        rows.add(row("classes loaded by then", classes, "%.0f"));
        rows.add(row("resident memory 5 s after, MiB", rss, "%.1f"));
        rows.add(row("/metrics scrape, s (median of " + SCRAPES + ", median of runs)", scrape, "%.4f"));
        rows.add(row("/metrics size, bytes", bytes, "%.0f"));
        System.out.println();
        System.out.println("| N = " + n + " containers, image JVM flags | process-and-jvm = false | = true | ratio |"
                + (variants == 3 ? " baseline jar |" : ""));
        System.out.println("|---|---|---|---|" + (variants == 3 ? "---|" : ""));
        rows.forEach(r -> System.out.println("| " + String.join(" | ", r) + " |"));
    }

    private static String[] row(String what, double[][] values, String format) {
        double off = median(values[0]);
        double on = median(values[1]);
        List<String> cells = new ArrayList<>(List.of(
                what,
                String.format(Locale.ROOT, format, off),
                String.format(Locale.ROOT, format, on),
                String.format(Locale.ROOT, "%.2fx", on / off)));
        if (values.length == 3) {
            cells.add(String.format(Locale.ROOT, format, median(values[2])));
        }
        return cells.toArray(String[]::new);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /** Median time of collecting and writing the registry's series, after a warm-up. */
    private static double inProcessScrapeSeconds(PrometheusRegistry registry) throws IOException {
        PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
        double[] t = new double[2001];
        for (int i = 0; i < t.length; i++) {
            long start = System.nanoTime();
            writer.write(new ByteArrayOutputStream(), registry.scrape(), EscapingScheme.ALLOW_UTF8);
            t[i] = (System.nanoTime() - start) / 1e9;
        }
        return median(Arrays.copyOfRange(t, 1000, t.length));
    }
}
