package org.readonlyrootfs.exporter.benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.config.CommandLine;
import org.readonlyrootfs.exporter.config.ConfigLoader;
import org.readonlyrootfs.exporter.config.ExporterConfig;
import org.readonlyrootfs.exporter.docker.EngineGateway;
import org.readonlyrootfs.exporter.remediation.Plan;
import org.readonlyrootfs.exporter.remediation.PlanKind;
import org.readonlyrootfs.exporter.scan.DockerRequestCounts;
import org.readonlyrootfs.exporter.scan.RemediationObserver;
import org.readonlyrootfs.exporter.scan.Scanner;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.Tools;

/**
 * The cost of remediation plans: starts N writable containers on a private dockerd, each writing a few
 * files before it sleeps (10% nothing, 50% a pid file in a new {@code /run} and a file in {@code /tmp},
 * 40% a file appended under a new {@code /var/lib/x} and one in {@code /tmp}; without {@code docker-init}, see
 * {@link #provision}), then runs the exporter from
 * the jar, as shipped (the image's {@code -XX} flags), and measures: process start until every finding has
 * a plan, the Docker calls that took, one refresh pass after {@code --remediation.refresh} (the
 * {@code changes} counter rising by N) with its calls and CPU time (exporter and dockerd), resident memory,
 * and {@code /metrics} scrape time and size with remediation on and off (runs alternated: on, off, on,
 * off), {@code /findings} size. Also one pass with every finding due at once, in this JVM, back to back:
 * the cost of an observation without the pacing of the refresh. Prints numbers, asserts no timings.
 *
 * <p>Run with {@code scripts/benchmark.sh --remediation [N] [--refresh=60s]}.
 */
public final class RemediationBenchmark {
    private static final int SCRAPES = 200;
    private static final int WARMUP_SCRAPES = 30;
    private static final long POLL_MILLIS = 200;
    private static final int PARALLEL_STARTS = 4;
    private static final int BATCH = 50;
    private static final Duration PROVISION_LIMIT = Duration.ofMinutes(15);
    private static final String PREFIX = "rem-";

    private RemediationBenchmark() {}

    public static void main(String[] args) throws Exception {
        run(args);
        System.exit(0);
    }

    /**
     * What a container writes before it sleeps, by its number: the plan it should get. The shell stays PID 1
     * with a TERM trap, so that a stop ends it at once (a PID 1 without a handler ignores SIGTERM).
     */
    static String script(int k) {
        String sleep = "trap 'exit 0' TERM; sleep 100000 & wait";
        if (k % 10 == 0) {
            return sleep; // no_writes
        }
        if (k % 2 == 1) { // tmpfs_only: a pid file in a new /run, a file in /tmp
            return "mkdir -p /run && echo $$ > /run/app.pid && date > /tmp/started; " + sleep;
        }
        // needs_volume: data appended under a new /var/lib/x, a file in /tmp
        return "mkdir -p /var/lib/x && echo $$ >> /var/lib/x/data && echo $$ >> /var/lib/x/data"
                + " && date > /tmp/started; " + sleep;
    }

    private static void run(String[] args) throws Exception {
        int n = 1000;
        String refresh = "60s";
        for (String a : args) {
            if (a.startsWith("--refresh=")) {
                refresh = a.substring("--refresh=".length());
            } else {
                n = Integer.parseInt(a);
            }
        }
        long refreshSeconds = ExporterConfigs.seconds(refresh);
        Path jar = Path.of(System.getProperty("exporter.jar", "target/readonly-rootfs-exporter-0.1.0.jar"));
        check(Files.isRegularFile(jar), "no " + jar + ": run mvn package first");
        String machine = machine();
        System.err.println("machine: " + machine);

        List<String[]> rows = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        try (PrivateDockerd dockerd = PrivateDockerd.start()) {
            String image = dockerd.image();
            EngineWrites client = new EngineWrites(dockerd.host());
            long dockerdPid = Long.parseLong(
                    Files.readString(dockerd.dir().resolve("pid")).trim());
            List<String> started = new ArrayList<>();
            try {
                long memBefore = meminfoKb("MemAvailable:");
                long floorKb = Math.max(2L << 20, meminfoKb("MemTotal:") * 15 / 100);
                long t0 = System.nanoTime();
                String stopped = provision(client, image, n, started, floorKb);
                double provisionSeconds = secs(t0);
                long memAfter = meminfoKb("MemAvailable:");
                int reached = started.size();
                System.err.printf(
                        Locale.ROOT,
                        "created and started %d containers in %.1f s; MemAvailable %d -> %d MiB%s%n",
                        reached,
                        provisionSeconds,
                        memBefore >> 10,
                        memAfter >> 10,
                        stopped.isEmpty() ? "" : "; stopped early: " + stopped);
                if (!stopped.isEmpty()) {
                    notes.add("provisioning stopped at " + reached + " of " + n + ": " + stopped);
                }
                n = reached;
                check(n > 0, "no container started");
                int running = dockerd.docker("ps", "--quiet", "--filter", "status=running")
                        .lines()
                        .mapToInt(l -> l.isBlank() ? 0 : 1)
                        .sum();
                check(running == n, running + " of " + n + " containers running");
                Thread.sleep(2000); // the last ones' few writes
                for (int k : new int[] {0, 1, 2}) {
                    System.err.println("docker diff " + PREFIX + k + ": "
                            + dockerd.docker("diff", PREFIX + k).trim().replace("\n", ", "));
                }

                String engine = dockerd.docker("version", "--format", "{{.Server.Version}}")
                        .trim();
                rows.add(row(
                        "provisioning: create + start, " + PARALLEL_STARTS + " in parallel (raw HTTP)",
                        String.format(
                                Locale.ROOT,
                                "%.1f s (%.0f ms a container)",
                                provisionSeconds,
                                1000 * provisionSeconds / n)));
                rows.add(row(
                        "host memory the running containers took (MemAvailable before - after)",
                        String.format(
                                Locale.ROOT,
                                "%.1f GiB (%.1f MiB a container)",
                                (memBefore - memAfter) / 1048576.0,
                                (memBefore - memAfter) / 1024.0 / n)));

                // the exporter, as a process from the jar, alternated: on, off, on, off
                int count = n;
                ExporterRun on1 = runOn(jar, dockerd.host(), dockerdPid, count, refresh, refreshSeconds, "on1", true);
                ExporterRun off1 = runOff(jar, dockerd.host(), count, "off1");
                ExporterRun on2 = runOn(jar, dockerd.host(), dockerdPid, count, refresh, refreshSeconds, "on2", false);
                ExporterRun off2 = runOff(jar, dockerd.host(), count, "off2");

                // one pass with every finding due at once, in this JVM: no refresh pacing, no exporter process
                double[] passes = inProcessPasses(dockerd.host(), count, 4);
                double[] warmPasses = Arrays.copyOfRange(passes, 1, passes.length);
                Arrays.sort(warmPasses);
                double inProcess = warmPasses[warmPasses.length / 2];

                rows.add(row(
                        "exporter start to first complete `/metrics` (all N containers), on / off (runs 1, 2)",
                        f(on1.firstMetrics) + ", " + f(on2.firstMetrics) + " / " + f(off1.firstMetrics) + ", "
                                + f(off2.firstMetrics) + " s"));
                rows.add(row(
                        "exporter start to every finding with a plan (sum of `remediation_plans` = N), runs 1, 2",
                        f(on1.allPlans) + ", " + f(on2.allPlans) + " s"));
                rows.add(row(
                        "first pass, first plan to last (one finding at a time, back to back), runs 1, 2",
                        f(on1.firstPass) + ", " + f(on2.firstPass) + " s (" + ms(on1.firstPass / n) + ", "
                                + ms(on2.firstPass / n) + " ms a finding)"));
                rows.add(row(
                        "Docker calls until every finding had a plan: `changes` / `inspect` + `plan_inspect` (of which the scan's)",
                        on1.changesAtAll + " / " + on1.inspectAtAll + " (" + off1.inspectAtMetrics + ")"));
                rows.add(row(
                        "plans",
                        on1.plans.entrySet().stream()
                                .map(e -> "`" + e.getKey() + "` " + e.getValue())
                                .collect(Collectors.joining(", "))));
                rows.add(row(
                        "refresh pass after " + refresh + ": first to last re-observation (paced by the first pass)",
                        f(on1.refreshPass) + " s"));
                rows.add(row("Docker calls per refresh pass, by operation", on1.refreshCalls));
                rows.add(row(
                        "CPU per refresh pass: exporter / dockerd",
                        f(on1.refreshCpuExporter) + " / "
                                + f(on1.refreshCpuDockerd) + " s (" + ms(on1.refreshCpuExporter / n) + " / "
                                + ms(on1.refreshCpuDockerd / n) + " ms a finding)"));
                rows.add(row(
                        "one pass with every finding due, in-process back to back (`observeDue`), median of "
                                + warmPasses.length + " warm (cold " + f(passes[0]) + ")",
                        f(inProcess) + " s (" + ms(inProcess / n) + " ms a finding)"));
                rows.add(row(
                        "`/metrics` scrape p50 / p95 of " + SCRAPES + ", remediation on (runs 1, 2)",
                        on1.scrape() + ", " + on2.scrape() + " s"));
                rows.add(row(
                        "`/metrics` scrape p50 / p95 of " + SCRAPES + ", remediation off (runs 1, 2)",
                        off1.scrape() + ", " + off2.scrape() + " s"));
                rows.add(row(
                        "`/metrics` size, on / off", kib(on1.metricsBytes) + " / " + kib(off1.metricsBytes) + " KiB"));
                rows.add(row(
                        "`/findings` size, on / off",
                        kib(on1.findingsBytes) + " / " + kib(off1.findingsBytes) + " KiB"));
                rows.add(row(
                        "exporter resident memory after the scrapes: on (runs 1, 2) / off (runs 1, 2)",
                        mib(on1.rssEnd) + ", " + mib(on2.rssEnd) + " / " + mib(off1.rssEnd) + ", " + mib(off2.rssEnd)
                                + " MiB (on, when every finding had its plan: " + mib(on1.rssAtAll) + ", "
                                + mib(on2.rssAtAll) + " MiB)"));
                rows.add(row(
                        "exporter live heap after a full GC, after the scrapes: on (runs 1, 2) / off (runs 1, 2)",
                        mb(on1.liveHeap) + ", " + mb(on2.liveHeap) + " / " + mb(off1.liveHeap) + ", "
                                + mb(off2.liveHeap) + " MiB"));
                rows.add(row(
                        "exporter log lines at WARN or ERROR (4 runs)",
                        Integer.toString(on1.problems.size()
                                + on2.problems.size()
                                + off1.problems.size()
                                + off2.problems.size())));
                for (ExporterRun r : List.of(on1, off1, on2, off2)) {
                    notes.addAll(r.notes);
                    r.problems.stream().limit(5).forEach(l -> notes.add(r.name + " log: " + l));
                }

                System.out.println();
                System.out.println("| N = " + n + " running findings, Engine " + engine + ", `--remediation.refresh="
                        + refresh + "` | |");
                System.out.println("|---|---|");
                for (String[] r : rows) {
                    System.out.println("| " + r[0] + " | " + r[1] + " |");
                }
                System.out.println();
                System.out.println("machine: " + machine);
                notes.forEach(x -> System.out.println("note: " + x));
            } finally {
                stopAll(client, started); // dockerd's own shutdown then has nothing to stop
            }
        }
    }

    /** One exporter process's numbers. */
    private static final class ExporterRun {
        final String name;
        final List<String> notes = new ArrayList<>();
        List<String> problems = List.of();
        double firstMetrics = Double.NaN;
        double allPlans = Double.NaN;
        double firstPass = Double.NaN;
        long changesAtAll;
        long inspectAtAll;
        long inspectAtMetrics;
        Map<String, Long> plans = new TreeMap<>();
        double refreshPass = Double.NaN;
        String refreshCalls = "";
        double refreshCpuExporter = Double.NaN;
        double refreshCpuDockerd = Double.NaN;
        double[] scrapes = new double[0];
        long metricsBytes;
        long findingsBytes;
        long rssAtAll;
        long rssEnd;
        long liveHeap;

        ExporterRun(String name) {
            this.name = name;
        }

        String scrape() {
            return f(pct(scrapes, 50)) + " / " + f(pct(scrapes, 95));
        }
    }

    /** One poll of /metrics: when, the counters, the plans' sum, the container series. */
    private record Poll(double at, Map<String, Long> requests, long plans, int containers, Scrape scrape) {
        long requests(String op) {
            return requests.getOrDefault(op, 0L);
        }
    }

    private static ExporterRun runOn(
            Path jar,
            String host,
            long dockerdPid,
            int n,
            String refresh,
            long refreshSeconds,
            String name,
            boolean measureRefresh)
            throws Exception {
        ExporterRun r = new ExporterRun(name);
        int port = ScanBenchmark.freePort();
        Path log = Path.of("target", "remediation-exporter-" + name + ".log");
        long start = System.nanoTime();
        Process p = ScanBenchmark.exporter(jar, host, port, log, List.of(), "--remediation.refresh=" + refresh);
        try {
            double firstPlan = Double.NaN;
            Poll at;
            while (true) {
                at = poll(p, port, start, log);
                if (at != null) {
                    if (Double.isNaN(r.firstMetrics) && at.containers == n) {
                        r.firstMetrics = at.at;
                    }
                    if (Double.isNaN(firstPlan) && at.plans > 0) {
                        firstPlan = at.at;
                    }
                    if (at.plans == n && at.containers == n) {
                        break;
                    }
                    check(at.plans < n, name + ": more plans than findings: " + at.plans);
                }
                deadline(start, Duration.ofMinutes(30), name + ": not every finding got a plan");
                Thread.sleep(POLL_MILLIS);
            }
            r.allPlans = at.at;
            r.firstPass = at.at - firstPlan;
            r.changesAtAll = at.requests("changes");
            r.inspectAtAll = at.requests("inspect") + at.requests("plan_inspect");
            r.rssAtAll = ScanBenchmark.procStatus(p.pid(), "VmRSS:");
            for (Scrape.Sample s : at.scrape.samples("readonly_rootfs_remediation_plans")) {
                if (s.value() > 0) {
                    r.plans.put(s.label("plan"), (long) s.value());
                }
            }
            System.err.printf(
                    Locale.ROOT,
                    "%s: first complete /metrics %.2f s, first plan %.2f s, all %d plans %.2f s;"
                            + " requests %s; plans %s%n",
                    name,
                    r.firstMetrics,
                    firstPlan,
                    n,
                    r.allPlans,
                    at.requests,
                    r.plans);
            if (measureRefresh) {
                // the pass: from the last poll before the changes counter rises until it has risen by N
                long c0 = r.changesAtAll;
                Poll before = at;
                long[] cpuBefore = {cpuTicks(p.pid()), cpuTicks(dockerdPid)};
                while (true) {
                    Thread.sleep(POLL_MILLIS);
                    long[] cpu = {cpuTicks(p.pid()), cpuTicks(dockerdPid)};
                    Poll x = poll(p, port, start, log);
                    if (x == null) {
                        continue;
                    }
                    if (x.requests("changes") > c0) {
                        break;
                    }
                    before = x;
                    cpuBefore = cpu;
                    deadline(
                            start,
                            Duration.ofSeconds(r.allPlans > 0 ? (long) r.allPlans + refreshSeconds + 120 : 3600),
                            name + ": no refresh");
                }
                Poll done;
                while (true) {
                    done = poll(p, port, start, log);
                    if (done != null && done.requests("changes") >= c0 + n) {
                        break;
                    }
                    deadline(
                            start,
                            Duration.ofSeconds((long) r.allPlans + refreshSeconds + 1800),
                            name + ": refresh pass did not end");
                    Thread.sleep(POLL_MILLIS);
                }
                long[] cpuAfter = {cpuTicks(p.pid()), cpuTicks(dockerdPid)};
                r.refreshPass = done.at - before.at;
                r.refreshCpuExporter = (cpuAfter[0] - cpuBefore[0]) / TICKS;
                r.refreshCpuDockerd = (cpuAfter[1] - cpuBefore[1]) / TICKS;
                Map<String, Long> delta = new TreeMap<>();
                for (Map.Entry<String, Long> e : done.requests.entrySet()) {
                    long d = e.getValue() - before.requests(e.getKey());
                    if (d != 0) {
                        delta.put(e.getKey(), d);
                    }
                }
                r.refreshCalls = delta.entrySet().stream()
                        .map(e -> "`" + e.getKey() + "` " + e.getValue())
                        .collect(Collectors.joining(", "));
                System.err.printf(
                        Locale.ROOT,
                        "%s: refresh pass %.2f s (%.1f .. %.1f s after start), calls %s,"
                                + " CPU exporter %.2f s, dockerd %.2f s%n",
                        name,
                        r.refreshPass,
                        before.at,
                        done.at,
                        delta,
                        r.refreshCpuExporter,
                        r.refreshCpuDockerd);
            }
            scrapeWindow(r, p, port, start, log, n);
        } finally {
            stop(p);
        }
        r.problems = problems(log);
        return r;
    }

    private static ExporterRun runOff(Path jar, String host, int n, String name) throws Exception {
        ExporterRun r = new ExporterRun(name);
        int port = ScanBenchmark.freePort();
        Path log = Path.of("target", "remediation-exporter-" + name + ".log");
        long start = System.nanoTime();
        Process p = ScanBenchmark.exporter(jar, host, port, log, List.of(), "--remediation.enabled=false");
        try {
            Poll at;
            while (true) {
                at = poll(p, port, start, log);
                if (at != null && at.containers == n) {
                    break;
                }
                deadline(start, Duration.ofMinutes(10), name + ": no complete /metrics");
                Thread.sleep(POLL_MILLIS);
            }
            r.firstMetrics = at.at;
            r.inspectAtMetrics = at.requests("inspect");
            System.err.printf(
                    Locale.ROOT,
                    "%s: first complete /metrics %.2f s; requests %s%n",
                    name,
                    r.firstMetrics,
                    at.requests);
            scrapeWindow(r, p, port, start, log, n);
            Poll end = poll(p, port, start, log);
            check(
                    end != null && end.requests("changes") == 0 && end.plans == 0,
                    name + ": remediation off, yet changes calls or plans");
        } finally {
            stop(p);
        }
        r.problems = problems(log);
        return r;
    }

    /**
     * {@value #WARMUP_SCRAPES} scrapes not counted, then {@value #SCRAPES} timed one after the other; then the
     * sizes of /metrics and /findings, and resident memory. With remediation on, the window must fall between two
     * passes: a note says when the {@code changes} counter moved during it.
     */
    private static void scrapeWindow(ExporterRun r, Process p, int port, long start, Path log, int n) throws Exception {
        Poll before = poll(p, port, start, log);
        check(before != null, r.name + ": no /metrics");
        for (int i = 0; i < WARMUP_SCRAPES; i++) {
            check(Scrape.get(port, "/metrics").statusCode() == 200, "scrape");
        }
        r.scrapes = new double[SCRAPES];
        for (int i = 0; i < SCRAPES; i++) {
            long t = System.nanoTime();
            check(Scrape.get(port, "/metrics").statusCode() == 200, "scrape");
            r.scrapes[i] = secs(t);
        }
        Arrays.sort(r.scrapes);
        var metrics = Scrape.get(port, "/metrics");
        var findings = Scrape.get(port, "/findings");
        check(findings.statusCode() == 200, r.name + ": /findings answered " + findings.statusCode());
        r.metricsBytes = metrics.body().getBytes(StandardCharsets.UTF_8).length;
        r.findingsBytes = findings.body().getBytes(StandardCharsets.UTF_8).length;
        r.rssEnd = ScanBenchmark.procStatus(p.pid(), "VmRSS:");
        Poll after = poll(p, port, start, log);
        check(after != null, r.name + ": no /metrics");
        if (after.requests("changes") != before.requests("changes")) {
            r.notes.add(r.name + ": " + (after.requests("changes") - before.requests("changes"))
                    + " changes calls during the scrape window (a refresh pass overlapped it)");
        }
        r.liveHeap = ScanBenchmark.Histogram.of(p.pid()).bytes(); // a full GC first
        if (r.name.equals("on1")) {
            JsonNode all = new ObjectMapper().readTree(findings.body());
            for (JsonNode c : all.path("containers")) {
                String n0 = c.path("name").asText();
                if (n0.matches("/?" + PREFIX + "[012]")) {
                    System.err.println(r.name + ": " + n0 + " remediation "
                            + c.path("remediation").path("plan").asText() + " "
                            + c.path("remediation").path("docker_run_flags"));
                }
            }
        }
        System.err.printf(
                Locale.ROOT,
                "%s: /metrics p50 %.4f p95 %.4f max %.4f s; /metrics %d bytes, /findings %d bytes;"
                        + " RSS %d MiB, live heap %.1f MiB%n",
                r.name,
                pct(r.scrapes, 50),
                pct(r.scrapes, 95),
                r.scrapes[SCRAPES - 1],
                r.metricsBytes,
                r.findingsBytes,
                r.rssEnd >> 10,
                r.liveHeap / 1048576.0);
    }

    private static Poll poll(Process p, int port, long start, Path log) throws IOException {
        if (!p.isAlive()) {
            throw new IllegalStateException("exporter exited with " + p.exitValue() + ", see " + log + ":\n"
                    + String.join("\n", tail(log, 20)));
        }
        Scrape s = ScanBenchmark.tryScrape(port);
        double at = secs(start);
        if (s == null) {
            return null;
        }
        Map<String, Long> requests = new TreeMap<>();
        for (Scrape.Sample x : s.samples("readonly_rootfs_docker_requests_total")) {
            requests.put(x.label("operation"), (long) x.value());
        }
        long plans = (long) s.samples("readonly_rootfs_remediation_plans").stream()
                .mapToDouble(Scrape.Sample::value)
                .sum();
        return new Poll(
                at, requests, plans, s.samples("readonly_rootfs_container").size(), s);
    }

    /**
     * Passes of a {@link RemediationObserver} with a refresh of 0, so that every finding is due on each: the
     * observations back to back on this thread, over the exporter's own gateway; the first is cold.
     */
    private static double[] inProcessPasses(String host, int n, int passes) {
        ExporterConfig config = new ConfigLoader(Map.of())
                .load(CommandLine.parse(
                        "--docker.host=" + host, "--web.listen-address=127.0.0.1:0", "--docker.timeout=60s"));
        DockerRequestCounts requests = new DockerRequestCounts();
        double[] seconds = new double[passes];
        try (EngineGateway gateway = new EngineGateway(config.docker(), requests)) {
            Scanner scanner = new Scanner(gateway, new Classifier(true), requests, Clock.systemUTC(), "x");
            check(scanner.scan().containers().size() == n, "in-process scan");
            try (RemediationObserver observer = new RemediationObserver(
                    gateway, () -> scanner.inventory().containers(), Duration.ZERO, Clock.systemUTC())) {
                for (int i = 0; i < passes; i++) {
                    long t = System.nanoTime();
                    int observed = observer.observeDue();
                    seconds[i] = secs(t);
                    check(observed == n, "in-process pass observed " + observed);
                }
                Map<PlanKind, Integer> kinds = new EnumMap<>(PlanKind.class);
                for (Plan plan : observer.plans().values()) {
                    kinds.merge(plan.kind(), 1, Integer::sum);
                }
                System.err.printf(
                        Locale.ROOT,
                        "in-process passes %s s; plans %s; requests %s%n",
                        Arrays.toString(seconds),
                        kinds,
                        requests.snapshot());
            }
        }
        return seconds;
    }

    /**
     * Creates and starts up to n containers, in batches; stops early when memory or time runs short. Each with
     * {@code HostConfig.Init=false}: the private dockerd runs {@code --init}, whose {@code /sbin/docker-init}
     * mount point shows in the changes of an image without it ({@code A /sbin}, {@code A /sbin/docker-init})
     * and would make every plan {@code needs_volume}.
     */
    private static String provision(EngineWrites client, String image, int n, List<String> started, long floorKb)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL_STARTS);
        long t0 = System.nanoTime();
        try {
            for (int from = 0; from < n; from += BATCH) {
                List<Future<String>> batch = new ArrayList<>();
                for (int k = from; k < Math.min(n, from + BATCH); k++) {
                    int i = k;
                    batch.add(pool.submit(() -> {
                        String id = client.create(image, PREFIX + i, false, Boolean.FALSE, "/bin/sh", "-c", script(i));
                        client.start(id);
                        return id;
                    }));
                }
                for (Future<String> f : batch) {
                    started.add(f.get());
                }
                long available = meminfoKb("MemAvailable:");
                if (started.size() < n && available < floorKb) {
                    return "MemAvailable " + (available >> 10) + " MiB, below the floor of " + (floorKb >> 10) + " MiB";
                }
                if (started.size() < n && System.nanoTime() - t0 > PROVISION_LIMIT.toNanos()) {
                    return "provisioning took longer than " + PROVISION_LIMIT.toMinutes() + " min";
                }
                if (started.size() % 200 == 0) {
                    System.err.printf(
                            Locale.ROOT,
                            "%d started, %.0f s, MemAvailable %d MiB%n",
                            started.size(),
                            secs(t0),
                            available >> 10);
                }
            }
            return "";
        } finally {
            pool.shutdown();
        }
    }

    /**
     * Stops the containers, {@value #PARALLEL_STARTS} at a time (SIGTERM, which their trap answers at once).
     * Not by SIGKILL, 8 at a time: that left dockerd 20.10 with hung kill requests after about 700 of 1000.
     */
    private static void stopAll(EngineWrites client, List<String> ids) throws InterruptedException {
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL_STARTS);
        for (String id : ids) {
            pool.submit(() -> {
                try {
                    client.stop(id);
                } catch (RuntimeException e) {
                    // already gone or stopped: dockerd's shutdown handles the rest
                }
            });
        }
        pool.shutdown();
        boolean done = pool.awaitTermination(15, TimeUnit.MINUTES);
        System.err.printf(
                Locale.ROOT,
                "stopped %d containers in %.1f s%s%n",
                ids.size(),
                secs(t0),
                done ? "" : " (not all: gave up waiting)");
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static List<String> problems(Path log) throws IOException {
        return Files.readAllLines(log).stream()
                .filter(l -> l.contains(" WARN ") || l.contains(" ERROR ") || l.contains("Exception"))
                .toList();
    }

    private static List<String> tail(Path log, int lines) throws IOException {
        List<String> all = Files.readAllLines(log);
        return all.subList(Math.max(0, all.size() - lines), all.size());
    }

    private static final double TICKS = clockTicks();

    private static double clockTicks() {
        Tools.Run r = Tools.run(List.of("getconf", "CLK_TCK"), null, 10);
        return r.exitCode() == 0 ? Double.parseDouble(r.stdout().trim()) : 100;
    }

    /** utime + stime of a process, in clock ticks. */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static long meminfoKb(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no " + key + " in /proc/meminfo");
    }

    private static String machine() throws IOException {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(l -> l.startsWith("model name"))
                .findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim())
                .orElse("?");
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), " + (meminfoKb("MemTotal:") >> 20)
                + " GiB, kernel "
                + Tools.run(List.of("uname", "-r"), null, 10).stdout().trim() + ", shared with"
                + " other work";
    }

    private static void deadline(long start, Duration max, String what) {
        if (System.nanoTime() - start > max.toNanos()) {
            throw new IllegalStateException(what + " within " + max);
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }

    private static String[] row(String what, String value) {
        return new String[] {what, value};
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double pct(double[] sorted, int p) {
        return sorted.length == 0
                ? Double.NaN
                : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static String f(double seconds) {
        return Double.isNaN(seconds) ? "-" : String.format(Locale.ROOT, "%.3f", seconds);
    }

    private static String ms(double seconds) {
        return String.format(Locale.ROOT, "%.1f", seconds * 1000);
    }

    private static String kib(long bytes) {
        return String.format(Locale.ROOT, "%.0f", bytes / 1024.0);
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
    }

    private static String mib(long kb) {
        return Long.toString(kb >> 10);
    }

    /** Durations as the exporter's flags write them: 500ms, 60s, 10m, 1h. */
    private static final class ExporterConfigs {
        static long seconds(String d) {
            java.util.regex.Matcher m =
                    java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)").matcher(d);
            check(m.matches(), "--refresh must be a duration like 60s, got [" + d + "]");
            long v = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Math.max(1, v / 1000);
                case "s" -> v;
                case "m" -> v * 60;
                default -> v * 3600;
            };
        }
    }
}
