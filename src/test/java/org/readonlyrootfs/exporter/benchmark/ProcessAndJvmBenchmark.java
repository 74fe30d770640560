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
 * {@code scripts/benchmark.sh --process-and-jvm [N]}.
 */
public final class ProcessAndJvmBenchmark {
    private static final int RUNS = 5;
    private static final int SCRAPES = 21;

    private ProcessAndJvmBenchmark() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        Path jar = Path.of(System.getProperty("exporter.jar", "target/readonly-rootfs-exporter-0.1.0.jar"));
        ScanBenchmark.check(Files.isRegularFile(jar), "no " + jar + ": run mvn package first");
        Path logs = Files.createTempDirectory("rre-jvm-bench-");
        double[][] first = new double[2][RUNS];
        double[][] classes = new double[2][RUNS];
        double[][] rss = new double[2][RUNS];
        double[][] scrape = new double[2][RUNS];
        double[][] bytes = new double[2][RUNS];
        try (PrivateDockerd dockerd = PrivateDockerd.start()) {
            EngineWrites client = new EngineWrites(dockerd.host());
            ScanBenchmark.provision(client, dockerd.image(), "jvm-bench-", n);
            for (int run = 0; run < RUNS; run++) {
                for (int on = 0; on < 2; on++) { // alternated: the machine's noise hits both alike
                    Path classLog = logs.resolve("classes-" + run + "-" + on + ".log");
                    int port = ScanBenchmark.freePort();
                    long start = System.nanoTime();
                    Process p = ScanBenchmark.exporter(
                            jar,
                            dockerd.host(),
                            port,
                            null,
                            List.of("-Xlog:class+load=info:file=" + classLog),
                            "--scan.events=false",
                            "--scan.interval=1h",
                            "--metrics.process-and-jvm=" + (on == 1));
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
                            "run %d, process-and-jvm=%b: first /metrics %.3f s, %d classes, RSS %.1f MiB, scrape %.4f s%n",
                            run + 1,
                            on == 1,
                            first[on][run],
                            (long) classes[on][run],
                            rss[on][run],
                            scrape[on][run]);
                }
            }
        }
        double inProcess = inProcessScrapeSeconds();
        List<String[]> rows = new ArrayList<>();
        rows.add(row("process start to first complete /metrics, s (median of " + RUNS + ")", first, "%.3f"));
        rows.add(row("classes loaded by then", classes, "%.0f"));
        rows.add(row("resident memory 5 s after, MiB", rss, "%.1f"));
        rows.add(row("/metrics scrape, s (median of " + SCRAPES + ", median of runs)", scrape, "%.4f"));
        rows.add(row("/metrics size, bytes", bytes, "%.0f"));
        System.out.println();
        System.out.println("| N = " + n + " containers, image JVM flags | process-and-jvm = false | = true | ratio |");
        System.out.println("|---|---|---|---|");
        rows.forEach(r -> System.out.println("| " + String.join(" | ", r) + " |"));
        System.out.printf(
                Locale.ROOT,
                "%nprocess and JVM series alone, collected and written in-process: %.0f µs per scrape%n",
                inProcess * 1e6);
    }

    private static String[] row(String what, double[][] values, String format) {
        double off = median(values[0]);
        double on = median(values[1]);
        return new String[] {
            what,
            String.format(Locale.ROOT, format, off),
            String.format(Locale.ROOT, format, on),
            String.format(Locale.ROOT, "%.2fx", on / off)
        };
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /** Median time of collecting and writing the process and JVM series, after a warm-up. */
    private static double inProcessScrapeSeconds() throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        ProcessAndJvm.register(registry);
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
