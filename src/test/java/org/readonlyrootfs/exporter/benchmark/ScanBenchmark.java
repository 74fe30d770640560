package org.readonlyrootfs.exporter.benchmark;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.config.CommandLine;
import org.readonlyrootfs.exporter.config.ConfigLoader;
import org.readonlyrootfs.exporter.config.ExporterConfig;
import org.readonlyrootfs.exporter.docker.EngineGateway;
import org.readonlyrootfs.exporter.scan.DockerRequestCounts;
import org.readonlyrootfs.exporter.scan.Scanner;
import org.readonlyrootfs.exporter.scan.Snapshot;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.Tools;

/**
 * Provisions N containers on a private dockerd and measures, in one run: the literal STIG command, a
 * batched {@code docker inspect}, the raw list call, and the exporter (as a separate process started
 * from the jar, so its cold start and memory are real): cold and warm scans, detection latency through
 * events, scrape time, resident memory; optionally a churn of create/remove cycles.
 *
 * <p>Run with {@code scripts/benchmark.sh [N] [--churn=C] [--skip-literal] [--churn-only]} ({@code --churn-only}:
 * provisioning and the churn alone).
 */
public final class ScanBenchmark {
    private static final int DETECTIONS = 50;
    private static final int COLD_RUNS = 5;
    /** The JVM flags of the container image's ENTRYPOINT (those before -jar): the exporter is measured as shipped. */
    private static final List<String> JVM_FLAGS = imageJvmFlags(Path.of("Dockerfile"));
    /** Those flags per jar, the class-data archive made for it (see {@link #shippedFlags}). */
    private static final Map<Path, List<String>> JVM_FLAGS_BY_JAR = new ConcurrentHashMap<>();
    /**
     * For the churn's exporter, in addition: every full GC compacts completely. The serial collector
     * otherwise leaves up to 5% of the old generation as "dead wood" (dead objects turned into int[]
     * fillers, which a class histogram counts as live), enough to fake a leak of several MiB.
     */
    private static final List<String> CHURN_JVM_FLAGS = List.of("-XX:MarkSweepDeadRatio=0");

    private static final Duration CHURN_SCAN_INTERVAL = Duration.ofSeconds(15);

    private static final int WARM_RUNS = 3;
    private static final int WARM_SCANS = 5;
    private static final String WARM_INTERVAL = "5s";

    private ScanBenchmark() {}

    public static void main(String[] args) throws Exception {
        run(args);
        System.exit(0);
    }

    private static void run(String[] args) throws Exception {
        int n = 1000;
        int churn = 0;
        boolean literal = true;
        boolean churnOnly = false;
        for (String a : args) {
            if (a.equals("--churn-only")) {
                churnOnly = true;
            } else if (a.startsWith("--churn=")) {
                churn = Integer.parseInt(a.substring(8));
            } else if (a.equals("--skip-literal")) {
                literal = false;
            } else {
                n = Integer.parseInt(a);
            }
        }
        Path jar = Path.of(System.getProperty("exporter.jar", "target/readonly-rootfs-exporter-0.1.0.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no " + jar + ": run mvn package first");
        }
        List<String[]> rows = new ArrayList<>();
        try (PrivateDockerd dockerd = PrivateDockerd.start()) {
            String image = dockerd.image();
            EngineWrites client = new EngineWrites(dockerd.host());
            long t0 = System.nanoTime();
            provision(client, image, "bench-", n);
            System.err.printf(Locale.ROOT, "created %d containers in %.1f s%n", n, secs(t0));
            if (churnOnly) { // for iterating on the churn alone
                check(churn > 0, "--churn-only needs --churn=C");
                List<String[]> churned = churn(jar, dockerd, client, image, churn, n);
                System.out.println();
                System.out.println("| N = " + n + " containers | seconds |");
                System.out.println("|---|---|");
                for (String[] r : churned) {
                    System.out.println("| " + r[0] + " | " + r[1] + " |");
                }
                return; // closes the dockerd; nothing of ours is left running
            }
            String cli = Files.isExecutable(Path.of("/usr/bin/docker"))
                    ? "/usr/bin/docker"
                    : Tools.require("docker").toString();
            String cliVersion =
                    Tools.run(List.of(cli, "--version"), null, 30).stdout().trim();

            double stig = Double.NaN;
            if (literal) {
                String h = dockerd.host();
                stig = time(() -> {
                    Tools.Run r = Tools.run(
                            List.of(
                                    "sh",
                                    "-c",
                                    cli + " -H " + h + " ps --quiet --all | xargs -L 1 " + cli + " -H " + h
                                            + " inspect --format '{{ .Name }}: ReadonlyRootfs={{ .HostConfig.ReadonlyRootfs }}'"),
                            null,
                            3600);
                    check(r.exitCode() == 0, "STIG command: " + r.stderr());
                });
                System.err.printf(Locale.ROOT, "STIG command: %.1f s%n", stig);
            }
            int count = n;
            double batched = time(() -> {
                Tools.Run r = Tools.run(
                        List.of(
                                "sh",
                                "-c",
                                cli + " -H " + dockerd.host() + " inspect --format "
                                        + "'{{ .Name }}: ReadonlyRootfs={{ .HostConfig.ReadonlyRootfs }}' $(" + cli
                                        + " -H "
                                        + dockerd.host() + " ps --quiet --all)"),
                        null,
                        600);
                check(r.exitCode() == 0 && r.stdout().lines().count() == count, "batched inspect: " + r.stderr());
            });
            // no client library in between: curl over the socket
            CurlBaseline curl = new CurlBaseline(dockerd.host());
            double rawList = curl.rawList(7);
            List<String> ids = client.ids();
            check(ids.size() == count, "list: " + ids.size());

            // the exporter as a process, from the jar, as shipped: cold starts with events off (so the first
            // scan is the only one; with events on, the stream starts after it), the median of COLD_RUNS; curl's
            // inspects over one connection (the floor) right after each, for the ratio of the same moment
            int port = freePort();
            shippedFlags(jar); // the class-data archive made before the clock runs
            double[] coldScans = new double[COLD_RUNS];
            double[] floors = new double[COLD_RUNS];
            double[] coldRatios = new double[COLD_RUNS];
            double[] firstMetricsTimes = new double[COLD_RUNS];
            double scrape = 0;
            long rssKb = 0;
            long threads = 0;
            for (int run = 0; run < COLD_RUNS; run++) {
                long start = System.nanoTime();
                Process p = exporter(jar, dockerd.host(), port, "--scan.events=false", "--scan.interval=1h");
                try {
                    Scrape s = waitFor(
                            () -> tryScrape(port),
                            x -> x != null
                                    && x.value("readonly_rootfs_scans_total", Map.of("result", "success")) == 1
                                    && x.samples("readonly_rootfs_container").size() == count,
                            Duration.ofMinutes(5));
                    firstMetricsTimes[run] = secs(start);
                    coldScans[run] = s.value("readonly_rootfs_scan_duration_seconds", Map.of());
                    System.err.printf(
                            Locale.ROOT,
                            "cold start %d: scan %.3f s, first complete /metrics %.3f s%n",
                            run + 1,
                            coldScans[run],
                            firstMetricsTimes[run]);
                    if (run == 0) {
                        scrape = median(
                                21, () -> check(Scrape.get(port, "/metrics").statusCode() == 200, "scrape"));
                        rssKb = procStatus(p.pid(), "VmRSS:");
                        threads = procStatus(p.pid(), "Threads:");
                    }
                } finally {
                    p.destroy();
                    p.waitFor(20, TimeUnit.SECONDS);
                }
                floors[run] = curl.inspectsOverOneConnection(ids);
                coldRatios[run] = coldScans[run] / floors[run];
            }
            double floor = medianOf(floors);
            double coldRatio = medianOf(coldRatios);
            Arrays.sort(coldScans);
            Arrays.sort(firstMetricsTimes);
            double coldScan = coldScans[COLD_RUNS / 2];
            double firstMetrics = firstMetricsTimes[COLD_RUNS / 2];

            // warm scans: in-process, the same code; one list call and no inspect each
            ExporterConfig config = config(dockerd.host(), "127.0.0.1:0", "1h");
            DockerRequestCounts requests = new DockerRequestCounts();
            double warm;
            double warmLists;
            double warmRatio;
            try (EngineGateway gateway = new EngineGateway(config.docker(), requests)) {
                Scanner scanner = new Scanner(gateway, new Classifier(true), requests, Clock.systemUTC(), "x");
                Snapshot first = scanner.scan();
                check(first.dockerUp() && first.containers().size() == n, "scan: " + first.lastError());
                for (int i = 0; i < 3; i++) {
                    scanner.scan();
                }
                // alternated with curl's raw list call: the ratio of the same moments
                double[] scans = new double[9];
                double[] lists = new double[9];
                double[] ratios = new double[9];
                for (int i = 0; i < 9; i++) {
                    lists[i] = curl.rawList(1);
                    scans[i] = time(() -> check(scanner.scan().containers().size() == count, "warm scan"));
                    ratios[i] = scans[i] / lists[i];
                }
                warm = medianOf(scans);
                warmLists = medianOf(lists);
                warmRatio = medianOf(ratios);
                check(
                        scanner.current().dockerRequests().get("inspect") == n,
                        "inspects " + scanner.current().dockerRequests());
            }

            // warm scans as the exporter process runs them (its own scan_duration, scans 2 to 1 + WARM_SCANS
            // at a WARM_INTERVAL interval), with the image's JVM flags and with a plain java -jar, alternated
            double[][] processWarm = new double[2][WARM_RUNS];
            double[][] processWarmRatio = new double[2][WARM_RUNS];
            for (int run = 0; run < WARM_RUNS; run++) {
                for (int flags = 0; flags < 2; flags++) {
                    processWarm[flags][run] = processWarmScans(jar, dockerd.host(), port, flags == 0, count);
                    processWarmRatio[flags][run] = processWarm[flags][run] / curl.rawList(5);
                    System.err.printf(
                            Locale.ROOT,
                            "process warm scans, %s, run %d: median %.3f s%n",
                            flags == 0 ? "image flags" : "plain java -jar",
                            run + 1,
                            processWarm[flags][run]);
                }
            }
            Arrays.sort(processWarm[0]);
            Arrays.sort(processWarm[1]);
            double warmImage = processWarm[0][WARM_RUNS / 2];
            double warmPlain = processWarm[1][WARM_RUNS / 2];
            double warmImageRatio = medianOf(processWarmRatio[0]);
            double warmPlainRatio = medianOf(processWarmRatio[1]);

            // detection through events: writable containers created one by one, then removed one by one
            double[] create = new double[DETECTIONS];
            double[] remove = new double[DETECTIONS];
            Process q = exporter(jar, dockerd.host(), port, "--scan.interval=1h");
            try {
                waitFor(
                        () -> tryScrape(port),
                        x -> x != null
                                && x.value("readonly_rootfs_events_stream_up", Map.of()) == 1
                                && x.samples("readonly_rootfs_container").size() == count,
                        Duration.ofMinutes(5));
                for (int i = 0; i < DETECTIONS; i++) {
                    String name = "detect-" + i;
                    long c0 = System.nanoTime();
                    client.create(image, name, false, "/bin/sleep", "100000");
                    waitUntil(() -> Scrape.metrics(port)
                            .container(name)
                            .filter(x -> x.label("status").equals("finding"))
                            .isPresent());
                    create[i] = secs(c0);
                }
                for (int i = 0; i < DETECTIONS; i++) {
                    String name = "detect-" + i;
                    long r0 = System.nanoTime();
                    client.remove(name);
                    waitUntil(() -> Scrape.metrics(port).container(name).isEmpty());
                    remove[i] = secs(r0);
                }
            } finally {
                q.destroy();
                q.waitFor(20, TimeUnit.SECONDS);
            }
            Arrays.sort(create);
            Arrays.sort(remove);

            String header = "N = " + n + " containers, Engine "
                    + dockerd.docker("version", "--format", "{{.Server.Version}}") + ", " + cliVersion;
            rows.add(new String[] {"STIG command, literal (xargs -L 1 docker inspect)", fmt(stig), ratio(stig, stig)});
            rows.add(new String[] {"docker inspect, batched (all ids at once)", fmt(batched), ratio(stig, batched)});
            rows.add(new String[] {
                "raw list call (curl, GET /containers/json?all=1), median of 7", fmt(rawList), ratio(stig, rawList)
            });
            rows.add(new String[] {
                n + " inspects over one keep-alive connection (curl): the floor of a cold scan, median of " + COLD_RUNS
                        + " (one after each cold start)",
                fmt(floor),
                ratio(stig, floor)
            });
            rows.add(new String[] {
                "exporter cold scan (fresh JVM: 1 list + N inspects), median of " + COLD_RUNS + " (" + fmt(coldScans[0])
                        + " .. " + fmt(coldScans[COLD_RUNS - 1]) + ")",
                fmt(coldScan),
                ratio(stig, coldScan)
            });
            rows.add(new String[] {
                "exporter warm scan (1 list, 0 inspects), median of 9, each after a raw list call (median "
                        + fmt(warmLists) + ")",
                fmt(warm),
                ratio(stig, warm)
            });
            rows.add(new String[] {
                "exporter process warm scan (its scan_duration, " + WARM_INTERVAL + " interval), image flags / plain"
                        + " java -jar, median of " + WARM_RUNS + " runs of the median of " + WARM_SCANS,
                fmt(warmImage) + " / " + fmt(warmPlain),
                ""
            });
            rows.add(new String[] {
                "exporter process start to first complete /metrics, median",
                fmt(firstMetrics),
                ratio(stig, firstMetrics)
            });
            rows.add(new String[] {"/metrics scrape, median of 21", fmt(scrape), ""});
            rows.add(new String[] {
                "detection, create to finding series, p50 / p95",
                fmt(pct(create, 50)) + " / " + fmt(pct(create, 95)),
                ""
            });
            rows.add(new String[] {
                "detection, remove to series gone, p50 / p95", fmt(pct(remove, 50)) + " / " + fmt(pct(remove, 95)), ""
            });
            rows.add(new String[] {"exporter resident memory / threads", rssKb / 1024 + " MiB / " + threads, ""});
            if (churn > 0) {
                rows.addAll(churn(jar, dockerd, client, image, churn, n));
            }
            System.out.println();
            System.out.println("| " + header + " | seconds | STIG / this |");
            System.out.println("|---|---|---|");
            for (String[] r : rows) {
                System.out.println("| " + r[0] + " | " + r[1] + " | " + r[2] + " |");
            }
            System.out.printf(
                    Locale.ROOT,
                    "%nratios, medians of the ratios measured in the same moments: warm scan / raw list call = %.2f"
                            + " (process, image flags %.2f, plain java -jar %.2f); cold scan / floor = %.2f;"
                            + " cold scan / batched inspect = %.2f%n",
                    warmRatio,
                    warmImageRatio,
                    warmPlainRatio,
                    coldRatio,
                    coldScan / batched);
            System.out.println();
            if (n == 1000) {
                System.out.println("targets (issue 21, the stack we promised):");
                target(coldRatio <= 1.25, "cold scan <= 1.25x the keep-alive floor", fmt2(coldRatio) + "x");
                target(warmRatio <= 1.2, "warm scan <= 1.2x the raw list call", fmt2(warmRatio) + "x");
                target(
                        warmImageRatio <= 1.2 && warmPlainRatio <= 1.2,
                        "process warm scans <= 1.2x the raw list call, image flags and plain java -jar",
                        fmt2(warmImageRatio) + "x / " + fmt2(warmPlainRatio) + "x");
                target(
                        firstMetrics <= 1.2,
                        "process start to first complete /metrics <= 1.2 s",
                        fmt(firstMetrics) + " s");
                target(rssKb <= 70 * 1024, "resident memory <= 70 MiB", rssKb / 1024 + " MiB");
                target(
                        pct(create, 95) < 0.25 && pct(remove, 95) < 0.25,
                        "detection p95 < 0.25 s (create and remove)",
                        fmt(pct(create, 95)) + " / " + fmt(pct(remove, 95)) + " s");
                target(
                        java.nio.file.Files.size(jar) <= 20_000_000,
                        "jar <= 20 MB",
                        String.format(Locale.ROOT, "%.1f MB", java.nio.file.Files.size(jar) / 1e6));
            }
            System.out.println("targets (issue 3):");
            if (n == 1000) {
                target(coldScan <= 0.5, "cold scan of 1000 containers <= 0.5 s", fmt(coldScan) + " s");
            }
            if (literal) {
                target(
                        stig / coldScan >= 30,
                        "cold scan >= 30x faster than the literal STIG command",
                        String.format(Locale.ROOT, "%.1fx", stig / coldScan));
            }
            target(
                    coldScan <= batched,
                    "cold scan no slower than the batched inspect",
                    fmt(coldScan) + " vs " + fmt(batched) + " s");
            target(warmRatio <= 1.5, "warm scan <= 1.5x the raw list call", fmt2(warmRatio) + "x");
            target(
                    pct(create, 95) < 1 && pct(remove, 95) < 1,
                    "detection p95 < 1 s (create and remove)",
                    fmt(pct(create, 95)) + " / " + fmt(pct(remove, 95)) + " s");
            if (n >= 10_000) {
                target(scrape < 0.1, "/metrics median under 100 ms at " + n + " containers", fmt(scrape) + " s");
                target(
                        rssKb < 256 * 1024,
                        "resident memory under 256 MiB at " + n + " containers",
                        rssKb / 1024 + " MiB");
            }
        }
    }

    /**
     * Create/remove cycles against the exporter run from the jar as a process of its own (nothing of
     * this benchmark's JVM is counted): nothing may stay behind. Measured, each time at rest (see
     * {@link #settle}): its live heap after a full GC (the total of {@code jcmd GC.class_histogram},
     * which collects first), its threads (from /proc), its container series and inventory entries. The
     * two histograms, and their largest differences, are written to {@code target/churn-histogram-*.txt}.
     */
    private static List<String[]> churn(
            Path jar, PrivateDockerd dockerd, EngineWrites client, String image, int cycles, int n) throws Exception {
        List<String[]> rows = new ArrayList<>();
        int port = freePort();
        Path log = Path.of("target", "churn-exporter.log");
        Process p = exporter(
                jar,
                dockerd.host(),
                port,
                log,
                CHURN_JVM_FLAGS,
                "--scan.interval=" + CHURN_SCAN_INTERVAL.toSeconds() + "s");
        try {
            waitFor(
                    () -> tryScrape(port),
                    x -> x != null
                            && x.samples("readonly_rootfs_container").size() == n
                            && x.value("readonly_rootfs_events_stream_up", Map.of()) == 1,
                    Duration.ofMinutes(5));
            churnCycles(client, image, 200); // warm up
            waitUntil(() ->
                    Scrape.metrics(port).samples("readonly_rootfs_container").size() == n);
            AtRest first = AtRest.measure(p.pid(), port, "before");
            long c0 = System.nanoTime();
            churnCycles(client, image, cycles);
            double seconds = secs(c0);
            waitUntil(() ->
                    Scrape.metrics(port).samples("readonly_rootfs_container").size() == n);
            AtRest last = AtRest.measure(p.pid(), port, "after");
            check(p.isAlive(), "exporter exited during churn, see " + log);
            Histogram before = first.heap();
            Histogram after = last.heap();
            List<String> threads0 = first.threads();
            List<String> threads1 = last.threads();
            Files.writeString(Path.of("target", "churn-histogram-before.txt"), before.text());
            Files.writeString(Path.of("target", "churn-histogram-after.txt"), after.text());
            String deltas = after.largestDifferences(before, 25);
            Files.writeString(Path.of("target", "churn-histogram-diff.txt"), deltas);
            System.err.printf(
                    Locale.ROOT,
                    "churn: live heap %d -> %d bytes (%+d); largest histogram differences:%n%s",
                    before.bytes(),
                    after.bytes(),
                    after.bytes() - before.bytes(),
                    deltas);
            System.err.printf(Locale.ROOT, "churn: threads before %s%nchurn: threads after  %s%n", threads0, threads1);
            String entry = "org.readonlyrootfs.exporter.scan.Inventory$Entry";
            rows.add(new String[] {"churn: " + cycles + " create/remove cycles (exporter process)", fmt(seconds), ""});
            rows.add(new String[] {
                "churn: live heap after full GC before / after",
                mib(before.bytes()) + " / "
                        + mib(after.bytes()) + " MiB ("
                        + String.format(
                                Locale.ROOT, "%+.1f%%", 100.0 * (after.bytes() - before.bytes()) / before.bytes())
                        + ")",
                ""
            });
            rows.add(new String[] {
                "churn: threads before / after (all; the HTTP worker pool idle, its threads ended)",
                threads0.size() + " / " + threads1.size(),
                ""
            });
            rows.add(new String[] {"churn: container series before / after", first.series() + " / " + last.series(), ""
            });
            rows.add(new String[] {
                "churn: inventory entries (live Inventory$Entry objects) before / after",
                before.instances(entry) + " / " + after.instances(entry),
                ""
            });
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }
        return rows;
    }

    /** The churn's exporter at rest (see {@link #settle}): its live heap, threads and container series. */
    private record AtRest(Histogram heap, List<String> threads, int series) {
        static AtRest measure(long pid, int port, String when) throws Exception {
            settle(port);
            Histogram heap = Histogram.of(pid);
            heapDump(pid, when);
            return new AtRest(
                    heap,
                    threadNames(pid),
                    Scrape.metrics(port).samples("readonly_rootfs_container").size());
        }
    }

    /** With {@code -Dchurn.heapdump=true}: target/churn-{when}.hprof, live objects only. */
    private static void heapDump(long pid, String when) {
        if (Boolean.getBoolean("churn.heapdump")) {
            Path file = Path.of("target", "churn-" + when + ".hprof").toAbsolutePath();
            Tools.run(List.of("rm", "-f", file.toString()), null, 10);
            Tools.Run r = Tools.run(
                    List.of(
                            Path.of(System.getProperty("java.home"), "bin", "jcmd")
                                    .toString(),
                            Long.toString(pid),
                            "GC.heap_dump",
                            file.toString()),
                    null,
                    300);
            check(r.exitCode() == 0, "jcmd GC.heap_dump: " + r.stderr() + r.stdout());
        }
    }

    /**
     * Waits for a full scan (which forgets remembered destroys), then, without scraping, until the HTTP
     * workers have ended (idle for {@code sun.net.httpserver.idleInterval} = 30 s) and mid-way between
     * two scans: what is measured then is the exporter at rest, not a scan's or a scrape's garbage or
     * threads.
     */
    private static void settle(int port) throws InterruptedException {
        double scans = Scrape.metrics(port).value("readonly_rootfs_scans_total", Map.of("result", "success"));
        Scrape s = waitFor(
                () -> Scrape.metrics(port),
                x -> x.value("readonly_rootfs_scans_total", Map.of("result", "success")) > scans,
                Duration.ofMinutes(2));
        // a scan starts CHURN_SCAN_INTERVAL after the previous one ended: the second from now ends after
        // 2 intervals + 2 durations, the third starts after 3 intervals + 2 durations
        double d = s.value("readonly_rootfs_scan_duration_seconds", Map.of());
        Thread.sleep((long) ((2.5 * CHURN_SCAN_INTERVAL.toSeconds() + 2 * d) * 1000));
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1024.0 / 1024.0);
    }

    /** The names of a process's threads, sorted (Linux's, which the JVM sets from Java's, cut to 15 characters). */
    private static List<String> threadNames(long pid) throws IOException {
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            return tasks.map(t -> {
                        try {
                            return Files.readString(t.resolve("comm")).trim();
                        } catch (IOException e) {
                            return null; // ended meanwhile
                        }
                    })
                    .filter(Objects::nonNull)
                    .sorted()
                    .toList();
        }
    }

    /** A {@code jcmd <pid> GC.class_histogram} (live objects only: it runs a full GC first). */
    record Histogram(String text, Map<String, long[]> classes, long bytes) {
        static Histogram of(long pid) {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Tools.Run r = Tools.run(List.of(jcmd.toString(), Long.toString(pid), "GC.class_histogram"), null, 120);
            check(r.exitCode() == 0, "jcmd GC.class_histogram: " + r.stderr() + r.stdout());
            Map<String, long[]> classes = new HashMap<>();
            long total = -1;
            for (String line : r.stdout().lines().toList()) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 4 && f[0].endsWith(":")) {
                    classes.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
                } else if (f.length == 3 && f[0].equals("Total")) {
                    total = Long.parseLong(f[2]);
                }
            }
            check(total > 0, "no total in the class histogram: " + r.stdout());
            return new Histogram(r.stdout(), classes, total);
        }

        long instances(String className) {
            return classes.getOrDefault(className, new long[2])[0];
        }

        /** The classes whose live bytes differ most from {@code before}'s, one a line. */
        String largestDifferences(Histogram before, int limit) {
            Set<String> names = new TreeSet<>(classes.keySet());
            names.addAll(before.classes.keySet());
            StringBuilder b =
                    new StringBuilder(String.format(Locale.ROOT, "%12s %14s  %s%n", "instances", "bytes", "class"));
            names.stream()
                    .map(c -> new Object[] {
                        c,
                        classes.getOrDefault(c, new long[2])[0] - before.classes.getOrDefault(c, new long[2])[0],
                        classes.getOrDefault(c, new long[2])[1] - before.classes.getOrDefault(c, new long[2])[1]
                    })
                    .filter(d -> (long) d[2] != 0 || (long) d[1] != 0)
                    .sorted(Comparator.comparingLong((Object[] d) -> -Math.abs((long) d[2])))
                    .limit(limit)
                    .forEach(d -> b.append(String.format(Locale.ROOT, "%+12d %+14d  %s%n", d[1], d[2], d[0])));
            b.append(String.format(Locale.ROOT, "%12s %+14d  total%n", "", bytes - before.bytes));
            return b.toString();
        }
    }

    private static void churnCycles(EngineWrites client, String image, int cycles) {
        for (int i = 0; i < cycles; i++) {
            client.remove(client.create(image, null, false, "/bin/true"));
        }
    }

    static void provision(EngineWrites client, String image, String prefix, int n) throws Exception {
        provision(client, image, prefix, n, k -> k % 3 == 0);
    }

    /** N sleepers, created (not started) 4 at a time; the k-th read-only if {@code readOnly} says so. */
    static void provision(EngineWrites client, String image, String prefix, int n, IntPredicate readOnly)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i;
            done.add(pool.submit(() -> client.create(image, prefix + k, readOnly.test(k), "/bin/sleep", "100000")));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
    }

    private static Process exporter(Path jar, String host, int port, String... flags) throws IOException {
        return exporter(jar, host, port, null, List.of(), flags);
    }

    /** The exporter from the jar, with extra JVM flags; its output to {@code log}, or discarded if null. */
    static Process exporter(Path jar, String host, int port, Path log, List<String> jvmFlags, String... flags)
            throws IOException {
        return exporter(true, jar, host, port, log, jvmFlags, flags);
    }

    /**
     * The image's JVM flags for this jar: its class-data archive made for this jar and this Java runtime,
     * as the image has it (see {@link ClassDataArchive}).
     */
    static List<String> shippedFlags(Path jar) {
        return JVM_FLAGS_BY_JAR.computeIfAbsent(
                jar,
                j -> ClassDataArchive.flags(JVM_FLAGS, Path.of(System.getProperty("java.home"), "bin", "java"), j));
    }

    /** As above; {@code imageFlags} false runs a plain {@code java -jar}, without the image's JVM flags. */
    static Process exporter(
            boolean imageFlags, Path jar, String host, int port, Path log, List<String> jvmFlags, String... flags)
            throws IOException {
        List<String> cmd = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (imageFlags) {
            cmd.addAll(shippedFlags(jar));
        }
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of(
                "-jar",
                jar.toString(),
                "--docker.host=" + host,
                "--web.listen-address=127.0.0.1:" + port,
                "--docker.timeout=60s"));
        cmd.addAll(List.of(flags));
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(
                        log == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(log.toFile()))
                .start();
    }

    /** The median scan_duration of WARM_SCANS scans after the first, in a fresh exporter process. */
    private static double processWarmScans(Path jar, String host, int port, boolean imageFlags, int count)
            throws Exception {
        Process p = exporter(
                imageFlags,
                jar,
                host,
                port,
                null,
                List.of(),
                "--scan.events=false",
                "--scan.interval=" + WARM_INTERVAL);
        try {
            double[] d = new double[WARM_SCANS];
            for (int i = 0; i < WARM_SCANS; i++) {
                int scans = i + 2;
                Scrape s = waitFor(
                        () -> {
                            // a light poll, once a second (the scans are 5 s apart): a scrape that
                            // overlaps a scan competes with it for the 2 cores (with 4 polls a second
                            // a third of the scans overlapped one; Prometheus scrapes every 15 s)
                            java.util.concurrent.locks.LockSupport.parkNanos(
                                    Duration.ofMillis(1000).toNanos());
                            return tryScrape(port);
                        },
                        x -> x != null
                                && x.value("readonly_rootfs_scans_total", Map.of("result", "success")) == scans
                                && x.samples("readonly_rootfs_container").size() == count,
                        Duration.ofMinutes(2));
                d[i] = s.value("readonly_rootfs_scan_duration_seconds", Map.of());
            }
            Arrays.sort(d);
            return d[WARM_SCANS / 2];
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }
    }

    static Scrape tryScrape(int port) {
        try {
            return Scrape.metrics(port);
        } catch (AssertionError e) {
            return null;
        }
    }

    private static <T> T waitFor(
            java.util.function.Supplier<T> probe, java.util.function.Predicate<T> done, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            T t = probe.get();
            if (done.test(t)) {
                return t;
            }
            Thread.onSpinWait();
        }
        throw new IllegalStateException("benchmark step did not finish within " + max);
    }

    private static void waitUntil(BooleanSupplier done) {
        waitFor(done::getAsBoolean, b -> b, Duration.ofMinutes(2));
    }

    private static ExporterConfig config(String host, String listen, String interval) {
        return new ConfigLoader(Map.of())
                .load(CommandLine.parse(
                        "--docker.host=" + host,
                        "--web.listen-address=" + listen,
                        "--scan.interval=" + interval,
                        "--docker.timeout=60s"));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static long procStatus(long pid, String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    static double pct(double[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static String fmt2(double ratio) {
        return String.format(Locale.ROOT, "%.2f", ratio);
    }

    static String fmt(double seconds) {
        return Double.isNaN(seconds) ? "skipped" : String.format(Locale.ROOT, "%.3f", seconds);
    }

    private static String ratio(double stig, double t) {
        return Double.isNaN(stig) ? "" : String.format(Locale.ROOT, "%.1fx", stig / t);
    }

    public static List<String> imageJvmFlags(Path dockerfile) {
        try {
            String text = Files.readString(dockerfile).replace("\\\n", " ");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^ENTRYPOINT\\s*\\[(.*)\\]\\s*$")
                    .matcher(text);
            check(m.find(), "no ENTRYPOINT [...] in " + dockerfile);
            List<String> flags = java.util.regex.Pattern.compile("\"(-[^\"]+)\"")
                    .matcher(m.group(1).substring(0, m.group(1).indexOf("\"-jar\"")))
                    .results()
                    .map(r -> r.group(1))
                    .toList();
            check(!flags.isEmpty(), "no -XX flags in the ENTRYPOINT of " + dockerfile);
            return flags;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + dockerfile + ": " + e.getMessage(), e);
        }
    }

    static void target(boolean met, String what, String measured) {
        System.out.println("  " + (met ? "met    " : "MISSED ") + what + ": " + measured);
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("benchmark check failed: " + what);
        }
    }

    private static double time(Runnable r) {
        long t = System.nanoTime();
        r.run();
        return secs(t);
    }

    /** The median of an odd-sized sample (sorted in place). */
    private static double medianOf(double[] sample) {
        Arrays.sort(sample);
        return sample[sample.length / 2];
    }

    private static double median(int runs, Runnable r) {
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            t[i] = time(r);
        }
        Arrays.sort(t);
        return t[runs / 2];
    }

    private static double secs(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
