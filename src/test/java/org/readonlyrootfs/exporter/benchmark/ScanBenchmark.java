package org.readonlyrootfs.exporter.benchmark;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.config.CommandLine;
import org.readonlyrootfs.exporter.config.ConfigLoader;
import org.readonlyrootfs.exporter.config.ExporterConfig;
import org.readonlyrootfs.exporter.docker.DockerJavaGateway;
import org.readonlyrootfs.exporter.scan.DockerRequestCounts;
import org.readonlyrootfs.exporter.scan.Scanner;
import org.readonlyrootfs.exporter.scan.Snapshot;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.Tools;

/**
 * Provisions N containers on a private dockerd and times, in one run: the literal STIG command, a
 * batched {@code docker inspect}, the raw list call, and the exporter's cold scan, warm scan, time to
 * the first complete /metrics, scrape time and memory. Run with {@code scripts/benchmark.sh [N]}.
 */
public final class ScanBenchmark {
    private ScanBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        try (PrivateDockerd dockerd = PrivateDockerd.start()) {
            String image = dockerd.image();
            DockerClient client = client(dockerd.host());
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                client.createContainerCmd(image).withName("bench-" + i).withCmd("/bin/sleep", "100000")
                        .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none").withReadonlyRootfs(i % 3 == 0))
                        .exec();
            }
            System.err.printf(Locale.ROOT, "created %d containers in %.1f s%n", n, secs(t0));

            double stig = time(() -> {
                List<String> lines = dockerd.stigCheck();
                check(lines.size() == n, "STIG command saw " + lines.size());
            });
            String docker = Tools.require("docker").toString();
            double batched = time(() -> {
                Tools.Run r = Tools.run(List.of("sh", "-c", docker + " -H " + dockerd.host() + " inspect --format "
                        + "'{{ .Name }}: ReadonlyRootfs={{ .HostConfig.ReadonlyRootfs }}' $(" + docker + " -H "
                        + dockerd.host() + " ps --quiet --all)"), null, 600);
                check(r.exitCode() == 0 && r.stdout().lines().count() == n, "batched inspect: " + r.stderr());
            });
            double rawList = median(5, () -> check(client.listContainersCmd().withShowAll(true).exec().size() == n, "list"));

            // the exporter's own scan, in-process: cold (every container inspected) then warm (list only)
            DockerRequestCounts requests = new DockerRequestCounts();
            ExporterConfig config = config(dockerd.host(), "127.0.0.1:0", "1h");
            double cold;
            double warm;
            try (DockerJavaGateway gateway = new DockerJavaGateway(config.docker(), requests)) {
                Scanner scanner = new Scanner(gateway, new Classifier(true), requests, Clock.systemUTC(), "x");
                Snapshot first = scanner.scan();
                check(first.dockerUp() && first.containers().size() == n, "cold scan: " + first.lastError());
                cold = first.scanDurationSeconds();
                warm = median(7, () -> check(scanner.scan().containers().size() == n, "warm scan"));
                check(scanner.current().dockerRequests().get("inspect") == n, "inspects: "
                        + scanner.current().dockerRequests());
            }

            // the exporter as served: start to the first complete /metrics, then scrape time
            long start = System.nanoTime();
            double firstMetrics;
            double scrape;
            try (Exporter exporter = Exporter.start(config(dockerd.host(), "127.0.0.1:0", "15s"))) {
                while (Scrape.metrics(exporter.port()).samples("readonly_rootfs_container").size() < n) {
                    Thread.onSpinWait();
                }
                firstMetrics = secs(start);
                scrape = median(21, () -> check(Scrape.get(exporter.port(), "/metrics").statusCode() == 200, "scrape"));
            }
            System.gc();
            long rssKb = rssKb();

            System.out.println();
            System.out.printf(Locale.ROOT, "| %-44s | %10s | %12s |%n", "N = " + n + " containers (Engine "
                    + dockerd.docker("version", "--format", "{{.Server.Version}}") + ")", "seconds", "STIG / this");
            System.out.println("|----------------------------------------------|------------|--------------|");
            row("STIG command, literal (xargs -L 1 docker inspect)", stig, stig);
            row("docker inspect, batched (all ids at once)", batched, stig);
            row("raw list call (GET /containers/json?all=1)", rawList, stig);
            row("exporter cold scan (1 list + N inspects)", cold, stig);
            row("exporter warm scan (1 list, 0 inspects)", warm, stig);
            row("exporter start to first complete /metrics", firstMetrics, stig);
            row("/metrics scrape (median of 21)", scrape, stig);
            System.out.printf(Locale.ROOT, "| %-44s | %10s | %12s |%n", "resident memory of this JVM after GC",
                    rssKb / 1024 + " MiB", "");
            System.out.printf(Locale.ROOT, "warm scan / raw list call = %.2f%n", warm / rawList);
        }
        System.exit(0);
    }

    private static ExporterConfig config(String host, String listen, String interval) {
        return new ConfigLoader(Map.of()).load(CommandLine.parse("--docker.host=" + host,
                "--web.listen-address=" + listen, "--scan.interval=" + interval, "--docker.timeout=60s"));
    }

    private static DockerClient client(String host) {
        DefaultDockerClientConfig cfg = new DefaultDockerClientConfig.Builder().withDockerHost(host).build();
        return DockerClientImpl.getInstance(cfg, new ZerodepDockerHttpClient.Builder().dockerHost(URI.create(host))
                .responseTimeout(Duration.ofMinutes(5)).build());
    }

    private static void row(String what, double seconds, double stig) {
        System.out.printf(Locale.ROOT, "| %-44s | %10.3f | %11.1fx |%n", what, seconds, stig / seconds);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("benchmark check failed: " + what);
        }
    }

    private static double time(Runnable r) {
        long t = System.nanoTime();
        r.run();
        return secs(t);
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

    private static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
