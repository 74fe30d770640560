package org.readonlyrootfs.exporter.benchmark;

import static org.readonlyrootfs.exporter.benchmark.ScanBenchmark.check;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.zip.GZIPOutputStream;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.Tools;

/**
 * Sizing, measured (docs/deployment.md, section Sizing).
 *
 * <p>Part 1, series per node: the exporter's real /metrics at a few container counts (a third of the
 * containers read-only, two thirds findings; swarm-task-like names; two Docker labels each), with
 * {@code metrics.per-container} {@code all}, {@code findings} and {@code none}, and {@code all} with
 * {@code metrics.container-labels} selecting both labels: series per family, bytes per scrape, and the
 * formula the counts follow.
 *
 * <p>Part 2, one Prometheus: a real Prometheus (the Debian package) with the shipped rules scrapes one
 * exporter of N containers as K targets (each its own {@code instance}, as K nodes would be), for K
 * growing step by step; after each step's scrapes, a forced GC ({@code /debug/pprof/heap?gc=1}), then
 * its own {@code prometheus_tsdb_head_series}, {@code go_memstats_heap_inuse_bytes} and {@code
 * process_resident_memory_bytes}. The bytes per head series (least squares over the steps) give what
 * 1,000 nodes × N containers cost one Prometheus.
 *
 * <p>Run with {@code scripts/benchmark.sh --sizing [--containers=0,100,200] [--targets=25,50,100]
 * [--interval=5s] [--rules=alerts/readonly-rootfs.rules.yml]} (about six minutes). Prints Markdown tables, and
 * the slowest rules.
 */
public final class SizingBenchmark {
    private static final String LABELS = "com.example.team,com.example.app";
    private static final double MIB = 1024 * 1024;

    private SizingBenchmark() {}

    public static void main(String[] args) throws Exception {
        run(args);
        System.exit(0);
    }

    /** What one /metrics said. */
    record Exposition(int series, int containerSeries, int remediationSeries, int bytes, int gzip) {}

    private static void run(String[] args) throws Exception {
        List<Integer> counts = List.of(0, 100, 200);
        List<Integer> targets = List.of(25, 50, 100);
        int interval = 5;
        Path rules = Path.of("alerts/readonly-rootfs.rules.yml");
        for (String a : args) {
            if (a.startsWith("--containers=")) {
                counts = ints(a.substring("--containers=".length()));
            } else if (a.startsWith("--targets=")) {
                targets = ints(a.substring("--targets=".length()));
            } else if (a.startsWith("--rules=")) {
                rules = Path.of(a.substring("--rules=".length()));
            } else if (a.startsWith("--interval=")) {
                interval = Integer.parseInt(a.substring("--interval=".length()).replace("s", ""));
            } else if (!a.equals("--sizing")) {
                throw new IllegalArgumentException("unknown argument [" + a + "]");
            }
        }
        Path jar = Path.of(System.getProperty("exporter.jar", "target/readonly-rootfs-exporter-0.1.0.jar"));
        check(Files.isRegularFile(jar), "no " + jar + ": run mvn package first");
        Path work = Files.createTempDirectory("rre-sizing-");
        try (PrivateDockerd dockerd = PrivateDockerd.start()) {
            EngineWrites client = new EngineWrites(dockerd.host());
            String image = dockerd.image();

            // ---------------------------------------------------------------- part 1: series per node
            System.out.println("| containers | findings | per-container | container-labels | series | "
                    + "readonly_rootfs_container | readonly_rootfs_remediation | other | bytes (gzip) |");
            System.out.println("|---|---|---|---|---|---|---|---|---|");
            int fixedMin = -1; // the exporter's own series at 0 containers
            int fixed = 0;
            int created = 0;
            for (int n : counts) {
                provision(client, image, created, n);
                created = n;
                int findings = n - (n + 2) / 3;
                for (String[] mode : List.of(
                        new String[] {"all", ""},
                        new String[] {"findings", ""},
                        new String[] {"none", ""},
                        new String[] {"all", LABELS})) {
                    Exposition e = measure(jar, dockerd.host(), work, n, findings, mode[0], mode[1]);
                    String key = mode[0] + (mode[1].isEmpty() ? "" : "+labels");
                    if (fixedMin < 0) {
                        fixedMin = e.series();
                    }
                    System.out.printf(
                            Locale.ROOT,
                            "| %d | %d | %s | %s | %d | %d | %d | %d | %d (%d) |%n",
                            n,
                            findings,
                            mode[0],
                            mode[1].isEmpty() ? "(none)" : "2 labels",
                            e.series(),
                            e.containerSeries(),
                            e.remediationSeries(),
                            e.series() - e.containerSeries() - e.remediationSeries(),
                            e.bytes(),
                            e.gzip());
                    // the formula, checked against every measurement: per-container series as the settings say,
                    // and a fixed rest (a request counter appears once its first request is sent: +1 or 2)
                    int perContainer = switch (mode[0]) {
                        case "all" -> n + findings;
                        case "findings" -> 2 * findings; // finding (and exempt) containers, their plans
                        default -> 0;
                    };
                    int other = e.series() - e.containerSeries() - e.remediationSeries();
                    check(
                            e.containerSeries() + e.remediationSeries() == perContainer,
                            "per-container series " + (e.containerSeries() + e.remediationSeries()) + " at " + n
                                    + " containers (" + key + "), formula says " + perContainer);
                    check(other >= fixedMin && other <= fixedMin + 3, "fixed series " + other);
                    fixed = Math.max(fixed, other);
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "%nseries per node = %d + N + F (all), %d + 2·F (findings; + the exempt ones), %d (none); "
                            + "N containers, F findings (+1 per swarm service on a manager); container-labels add "
                            + "labels, not series%n",
                    fixed,
                    fixed,
                    fixed);

            // ---------------------------------------------------------------- part 2: one Prometheus
            int n = created;
            int port = ScanBenchmark.freePort();
            Process exporter = ScanBenchmark.exporter(
                    jar, dockerd.host(), port, work.resolve("exporter.log"), List.of(), "--scan.interval=15s");
            Process prometheus = null;
            try {
                waitUntil(() -> containers(port) == n && remediations(port) == n - (n + 2) / 3, Duration.ofMinutes(2));
                int perNode = seriesOf(Scrape.get(port, "/metrics").body());
                int promPort = ScanBenchmark.freePort();
                Path config = work.resolve("prometheus.yml");
                writeConfig(config, port, 0, interval, rules);
                prometheus = new ProcessBuilder(
                                Tools.require("prometheus").toString(),
                                "--config.file=" + config,
                                "--storage.tsdb.path=" + work.resolve("tsdb"),
                                "--web.listen-address=127.0.0.1:" + promPort,
                                "--web.enable-lifecycle")
                        .redirectErrorStream(true)
                        .redirectOutput(work.resolve("prometheus.log").toFile())
                        .start();
                Process prom = prometheus;
                waitUntil(
                        () -> prom.isAlive() && own(promPort, "prometheus_tsdb_head_series") >= 0,
                        Duration.ofMinutes(1));
                sleep(Duration.ofSeconds(3L * interval));

                System.out.println();
                System.out.printf(
                        Locale.ROOT,
                        "Prometheus %s, scrape and evaluation interval %d s, the shipped rules; one exporter of %d "
                                + "containers (%d series) scraped as K targets%n%n",
                        version(),
                        interval,
                        n,
                        perNode);
                System.out.println("| targets K | head series | heap in use MiB (after GC) | RSS MiB | "
                        + "samples appended/s | rule group readonly-rootfs-compliance ms | readonly-rootfs-fleet ms |");
                System.out.println("|---|---|---|---|---|---|---|");
                List<double[]> points = new ArrayList<>();
                List<Integer> steps = new ArrayList<>(List.of(0));
                steps.addAll(targets);
                for (int k : steps) {
                    writeConfig(config, port, k, interval, rules);
                    reload(promPort);
                    // every target's series, and the rules caught up: each finding's first-seen series and alert
                    long expected = (long) k * (perNode + 5 + 3L * (n - (n + 2) / 3));
                    waitUntil(() -> own(promPort, "prometheus_tsdb_head_series") >= expected, Duration.ofMinutes(4));
                    double appended0 = own(promPort, "prometheus_tsdb_head_samples_appended_total");
                    long t0 = System.nanoTime();
                    sleep(Duration.ofSeconds(4L * interval)); // every target scraped, every rule evaluated, a few times
                    double rate = (own(promPort, "prometheus_tsdb_head_samples_appended_total") - appended0)
                            / ((System.nanoTime() - t0) / 1e9);
                    slowGet(promPort, "/debug/pprof/heap?gc=1");
                    Scrape self = Scrape.of(slowGet(promPort, "/metrics"));
                    double series = self.value("prometheus_tsdb_head_series", Map.of());
                    double heap = self.value("go_memstats_heap_inuse_bytes", Map.of());
                    double rss = self.value("process_resident_memory_bytes", Map.of());
                    double compliance = ruleGroupMillis(self, "readonly-rootfs-compliance");
                    double fleet = ruleGroupMillis(self, "readonly-rootfs-fleet");
                    points.add(new double[] {series, heap, rss});
                    System.out.printf(
                            Locale.ROOT,
                            "| %d | %.0f | %.1f | %.1f | %.0f | %.1f | %.1f |%n",
                            k,
                            series,
                            heap / MIB,
                            rss / MIB,
                            rate,
                            compliance,
                            fleet);
                }
                System.out.println();
                System.out.println("slowest rules at the last step (evaluation ms):");
                var groups = new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(slowGet(promPort, "/api/v1/rules"))
                        .path("data")
                        .path("groups");
                List<Map.Entry<String, Double>> slowest = new ArrayList<>();
                for (var g : groups) {
                    for (var r : g.path("rules")) {
                        slowest.add(Map.entry(
                                g.path("name").asText() + " / " + r.path("name").asText(),
                                r.path("evaluationTime").asDouble() * 1000));
                    }
                }
                slowest.sort(Map.Entry.<String, Double>comparingByValue().reversed());
                slowest.stream()
                        .limit(4)
                        .forEach(e -> System.out.printf(Locale.ROOT, "  %.1f  %s%n", e.getValue(), e.getKey()));
                double heapPerSeries = slope(points, 1);
                double rssPerSeries = slope(points, 2);
                double[] first = points.get(0);
                // per node in Prometheus, with the shipped rules: the exporter's series (fixed + N + F), up and
                // scrape_* (5), and per finding its first-seen recording and its firing alert (ALERTS and
                // ALERTS_FOR_STATE): fixed + 5 + N + 4·F. Checked against the last step; then 1,000 nodes × 200
                // containers, two thirds of them findings (as measured) and a mostly compliant fleet (5 each).
                int measuredF = n - (n + 2) / 3;
                long perNodeInPrometheus = fixed + 5 + n + 4L * measuredF;
                double lastSeries = points.get(points.size() - 1)[0];
                System.out.printf(
                        Locale.ROOT,
                        "%nper node in Prometheus: %d + 5 + N + 4·F = %d; at the last step %.0f head series for %d "
                                + "targets (%.0f per target; fewer while rule evaluations lag behind the scrapes)%n",
                        fixed,
                        perNodeInPrometheus,
                        lastSeries,
                        steps.get(steps.size() - 1),
                        lastSeries / Math.max(1, steps.get(steps.size() - 1)));
                System.out.printf(
                        Locale.ROOT,
                        "per head series: %.0f bytes of heap in use, %.0f bytes of RSS (least squares over the "
                                + "steps); an empty Prometheus: %.0f MiB RSS%n",
                        heapPerSeries,
                        rssPerSeries,
                        first[2] / MIB);
                System.out.println();
                System.out.println("| 1,000 nodes × 200 containers | per-container | series per node | head series | "
                        + "samples/s (15 s) | heap in use GiB | RSS GiB |");
                System.out.println("|---|---|---|---|---|---|---|");
                for (int f : new int[] {133, 5}) {
                    for (String mode : List.of("all", "findings")) {
                        long nodeSeries = fixed + 5 + (mode.equals("all") ? 200 + f : 2L * f) + 3L * f;
                        long total = 1000 * nodeSeries;
                        System.out.printf(
                                Locale.ROOT,
                                "| %d findings per node | %s | %d | %d | %.0f | %.1f | %.1f |%n",
                                f,
                                mode,
                                nodeSeries,
                                total,
                                total / 15.0,
                                total * heapPerSeries / (1024 * MIB),
                                (total * rssPerSeries + first[2]) / (1024 * MIB));
                    }
                }
            } finally {
                if (prometheus != null) {
                    prometheus.destroy();
                    prometheus.waitFor();
                }
                exporter.destroy();
                exporter.waitFor();
            }
        } finally {
            deleteRecursively(work);
        }
    }

    /** One exporter run with the given settings: its /metrics once the scan and the plans are complete. */
    private static Exposition measure(
            Path jar, String host, Path work, int n, int findings, String perContainer, String labels)
            throws Exception {
        int port = ScanBenchmark.freePort();
        List<String> flags = new ArrayList<>(List.of("--metrics.per-container=" + perContainer));
        if (!labels.isEmpty()) {
            flags.add("--metrics.container-labels=" + labels);
        }
        Process p = ScanBenchmark.exporter(
                jar,
                host,
                port,
                work.resolve("exporter-" + perContainer + ".log"),
                List.of(),
                flags.toArray(String[]::new));
        try {
            int plans = perContainer.equals("none") ? 0 : findings;
            waitUntil(() -> containers(port) == n && remediations(port) == plans, Duration.ofMinutes(2));
            String text = Scrape.get(port, "/metrics").body();
            Scrape s = Scrape.of(text);
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
            }
            return new Exposition(
                    seriesOf(text),
                    s.samples("readonly_rootfs_container").size(),
                    s.samples("readonly_rootfs_remediation").size(),
                    text.getBytes(StandardCharsets.UTF_8).length,
                    gz.size());
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    /** A GET that may take a minute (a forced GC, a large answer, on a loaded machine). */
    private static String slowGet(int port, String path) throws IOException, InterruptedException {
        return java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path))
                                .timeout(Duration.ofSeconds(90))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** {@code POST /-/reload} (--web.enable-lifecycle). */
    private static void reload(int port) throws IOException, InterruptedException {
        var r = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(
                                        java.net.URI.create("http://127.0.0.1:" + port + "/-/reload"))
                                .POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        check(r.statusCode() == 200, "reload of Prometheus' configuration: " + r.statusCode() + " " + r.body());
    }

    /** Samples in an exposition: its lines that are not comments. */
    private static int seriesOf(String text) {
        return (int)
                text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).count();
    }

    private static double containers(int port) {
        Scrape s = ScanBenchmark.tryScrape(port);
        return s == null
                ? -1
                : s.samples("readonly_rootfs_containers").stream()
                        .mapToDouble(Scrape.Sample::value)
                        .sum();
    }

    private static int remediations(int port) {
        Scrape s = ScanBenchmark.tryScrape(port);
        return s == null ? -1 : s.samples("readonly_rootfs_remediation").size();
    }

    /** The last evaluation of one of the shipped rule groups, in milliseconds. */
    private static double ruleGroupMillis(Scrape self, String group) {
        return 1000
                * self
                        .samples(
                                "prometheus_rule_group_last_duration_seconds",
                                x -> x.label("rule_group").endsWith(";" + group))
                        .stream()
                        .mapToDouble(Scrape.Sample::value)
                        .sum();
    }

    /** A metric of Prometheus itself (summed over its labels), -1 while it does not answer. */
    private static double own(int port, String name) {
        try {
            return Scrape.of(Scrape.get(port, "/metrics").body()).samples(name).stream()
                    .mapToDouble(Scrape.Sample::value)
                    .sum();
        } catch (AssertionError e) {
            return -1;
        }
    }

    /**
     * Containers {@code from}..{@code to}-1, created (not started), named like swarm tasks, each with a team
     * and an app label; every third read-only.
     */
    private static void provision(EngineWrites client, String image, int from, int to) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (int i = from; i < to; i++) {
            int k = i;
            String name = String.format(Locale.ROOT, "shop_service-%03d.1.%025d", k % 40, k);
            Map<String, String> labels = Map.of(
                    "com.example.team", "team-" + (k % 10),
                    "com.example.app", "app-" + (k % 40));
            done.add(pool.submit(() -> client.create(image, name, k % 3 == 0, null, labels, "/bin/sleep", "100000")));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
    }

    /** A job of K static targets, all the one exporter, each with its own instance label. */
    private static void writeConfig(Path file, int exporterPort, int targets, int interval, Path rules)
            throws IOException {
        StringBuilder y = new StringBuilder()
                .append("global:\n  scrape_interval: ")
                .append(interval)
                .append("s\n  evaluation_interval: ")
                .append(interval)
                .append("s\nrule_files:\n  - ")
                .append(rules.toAbsolutePath())
                .append("\nscrape_configs:\n  - job_name: readonly-rootfs\n    static_configs:\n");
        for (int k = 0; k < targets; k++) {
            y.append("      - targets: ['127.0.0.1:")
                    .append(exporterPort)
                    .append("']\n        labels: {instance: 'node-")
                    .append(String.format(Locale.ROOT, "%04d", k))
                    .append(".example.com:9966'}\n");
        }
        if (targets == 0) {
            y.append("      - targets: []\n");
        }
        Files.writeString(file, y.toString());
    }

    /** Least-squares slope of column {@code y} over column 0. */
    private static double slope(List<double[]> points, int y) {
        double mx = points.stream().mapToDouble(p -> p[0]).average().orElseThrow();
        double my = points.stream().mapToDouble(p -> p[y]).average().orElseThrow();
        double num = 0;
        double den = 0;
        for (double[] p : points) {
            num += (p[0] - mx) * (p[y] - my);
            den += (p[0] - mx) * (p[0] - mx);
        }
        return num / den;
    }

    private static String version() {
        Tools.Run r = Tools.run(List.of(Tools.require("prometheus").toString(), "--version"), null, 30);
        String out = (r.stdout() + r.stderr()).lines().findFirst().orElse("?");
        return out.replaceAll("^prometheus, version (\\S+).*$", "$1");
    }

    private static List<Integer> ints(String csv) {
        return java.util.Arrays.stream(csv.split(","))
                .map(String::trim)
                .map(Integer::parseInt)
                .toList();
    }

    private static void waitUntil(BooleanSupplier done, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!done.getAsBoolean()) {
            check(System.nanoTime() < deadline, "benchmark step did not finish within " + max);
            Thread.sleep(200);
        }
    }

    private static void sleep(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis()); // a measurement window, not a wait for a condition
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
