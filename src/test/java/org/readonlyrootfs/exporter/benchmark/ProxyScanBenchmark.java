package org.readonlyrootfs.exporter.benchmark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.config.CommandLine;
import org.readonlyrootfs.exporter.config.ConfigLoader;
import org.readonlyrootfs.exporter.docker.EngineGateway;
import org.readonlyrootfs.exporter.scan.DockerRequestCounts;
import org.readonlyrootfs.exporter.scan.Scanner;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.SocketProxy;

/**
 * The cost of the socket proxy ({@code deploy/socket-proxy/haproxy.cfg}): N containers on a private dockerd,
 * the exporter run from the jar with the image's JVM flags, cold (a fresh process, events off, one scan),
 * alternately on the daemon's socket and through the proxy, {@value #RUNS} times each; then warm scans of
 * both in this JVM. Prints a table of medians. Run with {@code scripts/benchmark.sh --proxy [N]}.
 */
public final class ProxyScanBenchmark {
    private static final int RUNS = 7;
    private static final int WARM = 9;

    private ProxyScanBenchmark() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        Path jar = Path.of(System.getProperty("exporter.jar", "target/readonly-rootfs-exporter-0.1.0.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no " + jar + ": run mvn package first");
        }
        try (PrivateDockerd dockerd = PrivateDockerd.start();
                SocketProxy proxy = SocketProxy.start(dockerd.socketPath())) {
            long t0 = System.nanoTime();
            ScanBenchmark.provision(new EngineWrites(dockerd.host()), dockerd.image(), "bench-", n);
            System.err.printf(Locale.ROOT, "created %d containers in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
            double[][] cold = new double[2][RUNS];
            double[][] first = new double[2][RUNS];
            String[] hosts = {dockerd.host(), proxy.host()};
            for (int run = 0; run < RUNS; run++) {
                for (int h = 0; h < 2; h++) {
                    double[] r = coldStart(jar, hosts[h], n);
                    cold[h][run] = r[0];
                    first[h][run] = r[1];
                    System.err.printf(
                            Locale.ROOT,
                            "cold start %d %s: scan %.3f s, first complete /metrics %.3f s%n",
                            run + 1,
                            h == 0 ? "direct" : "through the proxy",
                            r[0],
                            r[1]);
                }
            }
            double[] warm = {warm(dockerd.host(), n), warm(proxy.host(), n)};
            if (!proxy.refusals().isEmpty()) {
                throw new IllegalStateException("the proxy refused requests: " + proxy.refusals());
            }
            System.out.println();
            System.out.println("| N = " + n + " containers, Engine " + dockerd.serverVersion()[0]
                    + " | direct (socket) | through the proxy | proxy / direct |");
            System.out.println("|---|---|---|---|");
            row("exporter cold scan (fresh JVM: 1 list + N inspects), median of " + RUNS, cold[0], cold[1]);
            row("exporter process start to first complete `/metrics`, median of " + RUNS, first[0], first[1]);
            System.out.printf(
                    Locale.ROOT,
                    "| exporter warm scan (1 list, 0 inspects), median of %d | %.3f | %.3f | %.2fx |%n",
                    WARM,
                    warm[0],
                    warm[1],
                    warm[1] / warm[0]);
        }
        System.exit(0);
    }

    private static void row(String what, double[] direct, double[] proxied) {
        double d = median(direct);
        double p = median(proxied);
        System.out.printf(
                Locale.ROOT,
                "| %s | %.3f (%.3f .. %.3f) | %.3f (%.3f .. %.3f) | %.2fx |%n",
                what,
                d,
                direct[0],
                direct[direct.length - 1],
                p,
                proxied[0],
                proxied[proxied.length - 1],
                p / d);
    }

    /** {scan duration, process start to first complete /metrics} of a fresh exporter process. */
    private static double[] coldStart(Path jar, String host, int n) throws Exception {
        int port = ScanBenchmark.freePort();
        long start = System.nanoTime();
        Process p =
                ScanBenchmark.exporter(jar, host, port, null, List.of(), "--scan.events=false", "--scan.interval=1h");
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (System.nanoTime() < deadline) {
                Scrape s = ScanBenchmark.tryScrape(port);
                if (s != null
                        && s.value("readonly_rootfs_scans_total", Map.of("result", "success")) == 1
                        && s.samples("readonly_rootfs_container").size() == n) {
                    return new double[] {
                        s.value("readonly_rootfs_scan_duration_seconds", Map.of()), (System.nanoTime() - start) / 1e9
                    };
                }
                Thread.onSpinWait();
            }
            throw new IllegalStateException("no complete scan of " + host + " within 5 minutes");
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }
    }

    /** The median of warm scans (one list call each), in this JVM. */
    private static double warm(String host, int n) {
        var config = new ConfigLoader(Map.of())
                .load(CommandLine.parse(
                        "--docker.host=" + host,
                        "--web.listen-address=127.0.0.1:0",
                        "--scan.interval=1h",
                        "--docker.timeout=60s"));
        DockerRequestCounts requests = new DockerRequestCounts();
        try (EngineGateway gateway = new EngineGateway(config.docker(), requests)) {
            Scanner scanner = new Scanner(gateway, new Classifier(true), requests, Clock.systemUTC(), "x");
            for (int i = 0; i < 4; i++) {
                if (scanner.scan().containers().size() != n) {
                    throw new IllegalStateException("scan of " + host + " incomplete");
                }
            }
            double[] t = new double[WARM];
            for (int i = 0; i < WARM; i++) {
                long s = System.nanoTime();
                scanner.scan();
                t[i] = (System.nanoTime() - s) / 1e9;
            }
            return median(t);
        }
    }

    private static double median(double[] values) {
        Arrays.sort(values);
        return values[values.length / 2];
    }
}
