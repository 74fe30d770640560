package org.readonlyrootfs.exporter.benchmark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;

/**
 * Two exporter jars (a baseline, such as main's, and this build's) measured in one run on one private
 * dockerd, alternated round by round, so that the machine's load hits both alike: per process, start to
 * first complete {@code /metrics}, the cold scan, the warm scans (its own {@code scan_duration}, scans 2 to
 * 4 at a 3 s interval) and resident memory; with the image's JVM flags and with a plain {@code java -jar};
 * and in each round curl's raw list call and its N inspects over one connection (the floor), so that every
 * ratio is taken within its round. Usage: {@code JarComparison BASELINE.jar THIS.jar [N] [ROUNDS]}.
 */
public final class JarComparison {
    private static final int WARM_SCANS = 3;

    private JarComparison() {}

    public static void main(String[] args) throws Exception {
        Path[] jars = {Path.of(args[0]), Path.of(args[1])};
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        for (Path j : jars) {
            if (!Files.isRegularFile(j)) {
                throw new IllegalStateException("no " + j);
            }
        }
        // [jar][flags: 0 image, 1 plain][round]
        double[][][] first = new double[2][2][rounds];
        double[][][] cold = new double[2][2][rounds];
        double[][][] warm = new double[2][2][rounds];
        double[][][] rss = new double[2][2][rounds];
        double[][][] coldPerFloor = new double[2][2][rounds];
        double[][][] warmPerList = new double[2][2][rounds];
        double[] lists = new double[rounds];
        double[] floors = new double[rounds];
        try (PrivateDockerd dockerd = PrivateDockerd.start()) {
            EngineWrites client = new EngineWrites(dockerd.host());
            ScanBenchmark.provision(client, dockerd.image(), "cmp-", n);
            List<String> ids = client.ids();
            CurlBaseline curl = new CurlBaseline(dockerd.host());
            int port = ScanBenchmark.freePort();
            for (Path j : jars) {
                // with the image's flags, each jar's class-data archive as its image has it (none for a jar that
                // predates it), made before the clock runs
                System.err.println(j + ": " + String.join(" ", ScanBenchmark.shippedFlags(j)));
            }
            for (int r = 0; r < rounds; r++) {
                lists[r] = curl.rawList(3);
                floors[r] = curl.inspectsOverOneConnection(ids);
                for (int k = 0; k < 4; k++) {
                    int jar = (k + r) % 2; // which jar goes first alternates by round
                    int flags = k / 2;
                    double[] m = run(jars[jar], flags == 0, dockerd.host(), port, n);
                    first[jar][flags][r] = m[0];
                    cold[jar][flags][r] = m[1];
                    warm[jar][flags][r] = m[2];
                    rss[jar][flags][r] = m[3];
                    coldPerFloor[jar][flags][r] = m[1] / floors[r];
                    warmPerList[jar][flags][r] = m[2] / lists[r];
                    System.err.printf(
                            Locale.ROOT,
                            "round %d %s %s: first /metrics %.3f, cold %.3f (%.2fx floor %.3f), warm %.3f (%.2fx list"
                                    + " %.3f), rss %.0f MiB%n",
                            r + 1,
                            jar == 0 ? "baseline" : "this",
                            flags == 0 ? "image flags" : "plain",
                            m[0],
                            m[1],
                            m[1] / floors[r],
                            floors[r],
                            m[2],
                            m[2] / lists[r],
                            lists[r],
                            m[3]);
                }
            }
        }
        System.out.println();
        System.out.println("| N = " + n + ", medians of " + rounds + " alternated rounds | baseline, image flags |"
                + " this, image flags | baseline, plain java -jar | this, plain java -jar |");
        System.out.println("|---|---|---|---|---|");
        row("process start to first complete /metrics (s)", first);
        row("cold scan (s)", cold);
        row("cold scan / floor (curl, N inspects over one connection), per round", coldPerFloor);
        row("warm scan, the process's own scans 2 to 4 (s)", warm);
        row("warm scan / raw list call (curl), per round", warmPerList);
        row("resident memory after the warm scans (MiB)", rss);
        System.out.printf(
                Locale.ROOT,
                "%ncurl raw list call, median %.3f s; floor, median %.3f s%n",
                median(lists),
                median(floors));
        System.exit(0);
    }

    private static void row(String name, double[][][] v) {
        System.out.printf(
                Locale.ROOT,
                "| %s | %.3f | %.3f | %.3f | %.3f |%n",
                name,
                median(v[0][0]),
                median(v[1][0]),
                median(v[0][1]),
                median(v[1][1]));
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** One process: {first /metrics s, cold scan s, median warm scan s, RSS MiB}. */
    private static double[] run(Path jar, boolean imageFlags, String host, int port, int n) throws Exception {
        long start = System.nanoTime();
        Process p = ScanBenchmark.exporter(
                imageFlags, jar, host, port, null, List.of(), "--scan.events=false", "--scan.interval=3s");
        try {
            Scrape s = poll(port, n, 1, Duration.ofMillis(10));
            double firstMetrics = (System.nanoTime() - start) / 1e9;
            double coldScan = s.value("readonly_rootfs_scan_duration_seconds", Map.of());
            List<Double> w = new ArrayList<>();
            for (int i = 0; i < WARM_SCANS; i++) {
                w.add(poll(port, n, i + 2, Duration.ofMillis(250))
                        .value("readonly_rootfs_scan_duration_seconds", Map.of()));
            }
            double[] ws = w.stream().mapToDouble(Double::doubleValue).toArray();
            double rssMiB = ScanBenchmark.procStatus(p.pid(), "VmRSS:") / 1024.0;
            return new double[] {firstMetrics, coldScan, median(ws), rssMiB};
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }
    }

    /** Polls until the given number of successful scans, each /metrics complete. */
    private static Scrape poll(int port, int n, int scans, Duration pause) {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            Scrape s = ScanBenchmark.tryScrape(port);
            if (s != null
                    && s.value("readonly_rootfs_scans_total", Map.of("result", "success")) >= scans
                    && s.samples("readonly_rootfs_container").size() == n) {
                return s;
            }
            LockSupport.parkNanos(pause.toNanos());
        }
        throw new IllegalStateException("no " + scans + " scans within 3 minutes");
    }
}
