package org.readonlyrootfs.exporter.benchmark;

import static org.readonlyrootfs.exporter.benchmark.ScanBenchmark.check;
import static org.readonlyrootfs.exporter.benchmark.ScanBenchmark.fmt;
import static org.readonlyrootfs.exporter.benchmark.ScanBenchmark.pct;
import static org.readonlyrootfs.exporter.benchmark.ScanBenchmark.target;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.Tools;

/**
 * The exporter as shipped (the image's Java runtime, made by the Dockerfile's own jlink step, and the
 * JVM flags of its ENTRYPOINT), inside a memory cgroup with the limit {@code deploy/stack.yml} gives
 * it, on a daemon with N containers (a third of them writable), under a scrape loop of parallel
 * clients: is it ever killed, how much memory does the cgroup charge at its peak, how often is the
 * limit hit, how long do scrapes take.
 *
 * <p>Run with {@code scripts/benchmark.sh --memory-limit=128m [N] [--clients=4] [--duration=60s]
 * [--docker.host=unix:///...]} (default 10000 containers; with {@code --docker.host}, a daemon that
 * already holds them, for iterating: nothing is created). Half the clients ask as Prometheus does
 * (gzip), half as {@code curl} does (uncompressed, the larger response path).
 *
 * <p>Before the exporter starts, the page cache of its runtime and jar is dropped ({@code
 * posix_fadvise(DONTNEED)}, per file), so that reading them is charged to its cgroup, as in a new
 * container.
 */
public final class MemoryBenchmark {
    private static final long MIB = 1024 * 1024;

    private MemoryBenchmark() {}

    public static void main(String[] args) throws Exception {
        run(args);
        System.exit(0);
    }

    private static void run(String[] args) throws Exception {
        int n = 10_000;
        long limit = -1;
        int clients = 4;
        Duration duration = Duration.ofSeconds(60);
        String host = null;
        for (String a : args) {
            if (a.startsWith("--memory-limit=")) {
                limit = bytes(a.substring("--memory-limit=".length()));
            } else if (a.startsWith("--clients=")) {
                clients = Integer.parseInt(a.substring("--clients=".length()));
            } else if (a.startsWith("--duration=")) {
                duration = Duration.ofSeconds(
                        Long.parseLong(a.substring("--duration=".length()).replace("s", "")));
            } else if (a.startsWith("--docker.host=")) {
                host = a.substring("--docker.host=".length());
            } else {
                n = Integer.parseInt(a);
            }
        }
        check(limit > 0, "--memory-limit=SIZE (e.g. 128m) is required");
        Path jar = Path.of(System.getProperty("exporter.jar", "target/readonly-rootfs-exporter-0.1.0.jar"));
        check(Files.isRegularFile(jar), "no " + jar + ": run mvn package first");
        Path java = ImageRuntime.build(Path.of("Dockerfile"), Path.of("target"));
        if (host != null) {
            measure(java, jar, host, n, limit, clients, duration);
            return;
        }
        try (PrivateDockerd dockerd = PrivateDockerd.start()) {
            EngineWrites client = new EngineWrites(dockerd.host());
            long t0 = System.nanoTime();
            ScanBenchmark.provision(client, dockerd.image(), "mem-", n, k -> k % 3 != 0); // a third writable
            System.err.printf(Locale.ROOT, "created %d containers in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
            measure(java, jar, dockerd.host(), n, limit, clients, duration);
        }
    }

    private static void measure(Path java, Path jar, String host, int n, long limit, int clients, Duration duration)
            throws Exception {
        List<String> jvmFlags = ClassDataArchive.flags(ScanBenchmark.imageJvmFlags(Path.of("Dockerfile")), java, jar);
        dropPageCache(java.getParent().getParent());
        dropPageCache(jar);
        int port = ScanBenchmark.freePort();
        Path log = Path.of("target", "memory-benchmark-exporter.log");
        String name = "rre-bench-" + ProcessHandle.current().pid();
        try (MemoryCgroup cgroup = MemoryCgroup.create(name, limit)) {
            List<String> cmd = new ArrayList<>(List.of(java.toString()));
            cmd.addAll(jvmFlags);
            cmd.addAll(List.of(
                    "-jar",
                    jar.toString(),
                    "--docker.host=" + host,
                    "--web.listen-address=127.0.0.1:" + port,
                    "--docker.timeout=60s"));
            // the shell moves itself into the cgroup, then becomes the exporter: nothing runs outside it
            Process p = new ProcessBuilder(concat(
                            List.of(
                                    "sh",
                                    "-c",
                                    "echo $$ > \"$0\" && exec \"$@\"",
                                    cgroup.procs().toString()),
                            cmd))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            Sampler sampler = new Sampler(cgroup);
            Thread sampling = new Thread(sampler, "cgroup-sampler");
            sampling.setDaemon(true);
            sampling.start();
            List<Double> times = Collections.synchronizedList(new ArrayList<>());
            AtomicLong failures = new AtomicLong();
            AtomicLong incomplete = new AtomicLong();
            String firstError = null;
            double firstScrape;
            try {
                long start = System.nanoTime();
                long deadline = start + TimeUnit.MINUTES.toNanos(5);
                while (true) {
                    check(
                            p.isAlive(),
                            "the exporter exited (code " + exitCode(p) + ") before its first scan; see " + log);
                    check(System.nanoTime() < deadline, "no complete scan within 5 minutes; see " + log);
                    Scrape s = ScanBenchmark.tryScrape(port);
                    if (s != null
                            && s.value("readonly_rootfs_scans_total", Map.of("result", "success")) >= 1
                            && s.samples("readonly_rootfs_container").size() == n) {
                        break;
                    }
                    Thread.sleep(100);
                }
                firstScrape = (System.nanoTime() - start) / 1e9;
                System.err.printf(Locale.ROOT, "first complete /metrics after %.1f s; scraping%n", firstScrape);
                ExecutorService pool = Executors.newFixedThreadPool(clients);
                List<Future<String>> loops = new ArrayList<>();
                long end = System.nanoTime() + duration.toNanos();
                for (int c = 0; c < clients; c++) {
                    boolean gzip = c % 2 == 0;
                    loops.add(pool.submit(() -> scrapeLoop(port, gzip, n, end, times, failures, incomplete)));
                }
                for (Future<String> f : loops) {
                    String e = f.get();
                    if (e != null && firstError == null) {
                        firstError = e;
                    }
                }
                pool.shutdown();
            } finally {
                sampler.stop();
                sampling.join();
            }
            boolean alive = p.isAlive();
            long hwm = alive ? ScanBenchmark.procStatus(p.pid(), "VmHWM:") : -1;
            long threads = alive ? ScanBenchmark.procStatus(p.pid(), "Threads:") : -1;
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
            double[] sorted =
                    times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double worst = sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
            long oomKills = cgroup.oomKills();
            long kernelPeak = cgroup.peak();

            System.out.println();
            System.out.printf(
                    Locale.ROOT,
                    "| N = %d containers (a third writable), memory cgroup %s limit %d MiB, %d clients for %d s |"
                            + " value |%n",
                    n,
                    cgroup.version(),
                    limit / MIB,
                    clients,
                    duration.toSeconds());
            System.out.println("|---|---|");
            row("JVM flags (the image's ENTRYPOINT)", String.join(" ", jvmFlags));
            row("process start to first complete /metrics", fmt(firstScrape) + " s");
            row("alive at the end / OOM kills", (alive ? "yes" : "NO, exit " + exitCode(p)) + " / " + oomKills);
            row(
                    "peak charged memory, kernel's high-water mark (anonymous + page cache)",
                    kernelPeak < 0 ? "not kept by this kernel" : kernelPeak / MIB + " MiB");
            row("peak charged memory, sampled every 50 ms", sampler.peakUsage / MIB + " MiB");
            row(
                    "peak working set (charged minus inactive page cache, as cAdvisor and the kubelet count it)",
                    sampler.peakWorkingSet / MIB + " MiB");
            row("peak anonymous memory (heap, stacks, malloc)", sampler.peakAnon / MIB + " MiB");
            row("limit hits (failcnt / max events)", Long.toString(cgroup.limitHits()));
            row(
                    "exporter resident memory, high-water mark (VmHWM) / threads",
                    alive ? hwm / 1024 + " MiB / " + threads : "(exited)");
            row(
                    "scrapes (200 and complete) / failed / incomplete",
                    sorted.length + " / " + failures.get() + " / " + incomplete.get());
            if (sorted.length > 0) {
                row(
                        "scrape time p50 / p95 / p99 / worst",
                        fmt(pct(sorted, 50)) + " / " + fmt(pct(sorted, 95)) + " / " + fmt(pct(sorted, 99)) + " / "
                                + fmt(worst) + " s");
            }
            if (firstError != null) {
                row("first scrape error", firstError);
            }
            System.out.println();
            System.out.println("targets (issue 14):");
            target(alive && oomKills == 0, "never killed", alive ? "alive, 0 OOM kills" : "killed");
            target(
                    sampler.peakWorkingSet <= 100 * MIB,
                    "peak working set <= 100 MiB",
                    sampler.peakWorkingSet / MIB + " MiB");
            long peak = Math.max(kernelPeak, sampler.peakUsage);
            target(peak <= 100 * MIB, "peak charged memory <= 100 MiB (page cache included)", peak / MIB + " MiB");
            target(
                    failures.get() == 0 && incomplete.get() == 0 && worst < 1,
                    "every scrape complete and < 1 s",
                    fmt(worst) + " s worst, " + failures.get() + " failed, " + incomplete.get() + " incomplete");
        }
    }

    /** One client: scrapes until {@code end}; returns its first error, or null. */
    private static String scrapeLoop(
            int port, boolean gzip, int n, long end, List<Double> times, AtomicLong failures, AtomicLong incomplete) {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(30));
        if (gzip) { // as Prometheus asks
            b.header("Accept-Encoding", "gzip")
                    .header(
                            "Accept",
                            "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.1");
        }
        HttpRequest request = b.build();
        String error = null;
        byte[] marker = "\nreadonly_rootfs_container{".getBytes(StandardCharsets.US_ASCII);
        while (System.nanoTime() < end) {
            long t = System.nanoTime();
            try {
                HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
                byte[] body;
                try (InputStream in = r.body()) {
                    InputStream plain = r.headers()
                                    .firstValue("Content-Encoding")
                                    .orElse("")
                                    .equals("gzip")
                            ? new GZIPInputStream(in)
                            : in;
                    body = plain.readAllBytes();
                }
                double took = (System.nanoTime() - t) / 1e9;
                if (r.statusCode() != 200) {
                    failures.incrementAndGet();
                    error = error == null ? "HTTP " + r.statusCode() : error;
                } else if (count(body, marker) != n) {
                    incomplete.incrementAndGet();
                    error = error == null ? count(body, marker) + " container series instead of " + n : error;
                } else {
                    times.add(took);
                }
            } catch (IOException e) {
                failures.incrementAndGet();
                error = error == null ? e.toString() : error;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }
        return error;
    }

    private static int count(byte[] haystack, byte[] needle) {
        int found = 0;
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            found++;
        }
        return found;
    }

    /** Reads the cgroup every 50 ms; keeps the maxima. */
    private static final class Sampler implements Runnable {
        private final MemoryCgroup cgroup;
        private volatile boolean running = true;
        volatile long peakUsage;
        volatile long peakWorkingSet;
        volatile long peakAnon;

        Sampler(MemoryCgroup cgroup) {
            this.cgroup = cgroup;
        }

        void stop() {
            running = false;
        }

        @Override
        public void run() {
            while (running) {
                long usage = cgroup.usage();
                peakUsage = Math.max(peakUsage, usage);
                peakWorkingSet = Math.max(peakWorkingSet, usage - cgroup.inactiveFile());
                peakAnon = Math.max(peakAnon, cgroup.anonymous());
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Drops the page cache of every file under {@code path} (dd's {@code iflag=nocache}). */
    private static void dropPageCache(Path path) throws IOException {
        Tools.run(List.of("sync"), null, 60);
        try (Stream<Path> files = Files.walk(path)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Tools.Run r = Tools.run(List.of("dd", "if=" + f, "iflag=nocache", "count=0", "status=none"), null, 30);
                check(r.exitCode() == 0, "dd iflag=nocache " + f + ": " + r.stderr());
            }
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static String exitCode(Process p) {
        return p.isAlive() ? "running" : Integer.toString(p.exitValue());
    }

    static long bytes(String size) {
        Matcher m = Pattern.compile("(\\d+)([kmg]?)").matcher(size.toLowerCase(Locale.ROOT));
        check(m.matches(), "not a size: " + size + " (e.g. 128m)");
        long v = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "k" -> v * 1024;
            case "m" -> v * MIB;
            case "g" -> v * 1024 * MIB;
            default -> v;
        };
    }

    private static void row(String what, String value) {
        System.out.println("| " + what + " | " + value + " |");
    }
}
