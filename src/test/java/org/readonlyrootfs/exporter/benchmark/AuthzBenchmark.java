package org.readonlyrootfs.exporter.benchmark;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.readonlyrootfs.exporter.testing.AuthzPlugin;
import org.readonlyrootfs.exporter.testing.Engine;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Tools;

/**
 * The cost of the authorization plugin ({@code readonly-rootfs-exporter authz}, the packaged jar, enforce mode,
 * through a spec file), all in one run on one private daemon whose chain is switched on and off through its
 * daemon.json and SIGHUP, in alternating blocks (without, with, with, without, ...):
 *
 * <ul>
 *   <li>the decision at the plugin: {@code AuthZPlugin.AuthZReq} round trips straight to its socket on one kept-alive
 *       connection, as the daemon sends them (read-only and writable creates, a GET), p50 / p99 / max; and the p99 of
 *       the plugin's own decision-time histogram when it exports one;
 *   <li>{@code docker create --read-only} (default 500) and {@code docker ps} (default 200) with the docker CLI, with
 *       the plugin in the chain and without: medians, totals, ratios;
 *   <li>the plugin's resident memory (VmRSS) idle, and its peak under that load.
 * </ul>
 *
 * Run with {@code scripts/benchmark.sh --authz [CREATES] [PS]}.
 */
public final class AuthzBenchmark {
    private static final int BLOCKS = 4;
    private static final int DIRECT = 20_000;

    private AuthzBenchmark() {}

    public static void main(String[] args) throws Exception {
        int creates = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int pss = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Path conf = Files.createTempDirectory("rre-authz-bench-");
        Path daemonJson = conf.resolve("daemon.json");
        Files.writeString(daemonJson, "{}\n");
        try (AuthzPlugin plugin = AuthzPlugin.start("enforce");
                PrivateDockerd d =
                        PrivateDockerd.start(Engine.SYSTEM, List.of("--config-file", daemonJson.toString()))) {
            String image = d.image();
            String engine = d.serverVersion()[0];
            // the decision, straight to the socket
            double[] direct = direct(plugin.socket());
            long idleKib = plugin.residentKib();

            AtomicBoolean sampling = new AtomicBoolean(true);
            AtomicLong peakKib = new AtomicLong(idleKib);
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    try {
                        peakKib.accumulateAndGet(plugin.residentKib(), Math::max);
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        // the plugin is between samples
                    }
                }
            });
            sampler.setDaemon(true);
            sampler.start();

            double[][] create = new double[2][creates];
            double[][] ps = new double[2][pss];
            int[] at = new int[2];
            // blocks alternate: without, with, with, without, ... so that drift hits both alike
            for (int b = 0; b < 2 * BLOCKS; b++) {
                int with = (b % 4 == 1 || b % 4 == 2) ? 1 : 0;
                chain(d, daemonJson, with == 1 ? plugin.name() : null, image);
                int n = creates / BLOCKS;
                for (int i = 0; i < n && at[with] < creates; i++) {
                    create[with][at[with]++] = timed(d, "create", "--read-only", "--network", "none", image);
                }
            }
            int[] atPs = new int[2];
            for (int b = 0; b < 2 * BLOCKS; b++) {
                int with = (b % 4 == 1 || b % 4 == 2) ? 1 : 0;
                chain(d, daemonJson, with == 1 ? plugin.name() : null, image);
                int n = pss / BLOCKS;
                for (int i = 0; i < n && atPs[with] < pss; i++) {
                    ps[with][atPs[with]++] = timed(d, "ps", "--all", "--quiet");
                }
            }
            sampling.set(false);
            sampler.join();
            double histogramP99 = histogramP99(plugin.metrics());

            System.out.println();
            System.out.printf(
                    Locale.ROOT, "| authz plugin, Engine %s | without | with the plugin | with / without |%n", engine);
            System.out.println("|---|---|---|---|");
            row("`docker create --read-only` x " + at[0] + ", median (ms)", median(create[0]), median(create[1]));
            row("`docker create --read-only` x " + at[0] + ", total (s)", sum(create[0]) / 1000, sum(create[1]) / 1000);
            row("`docker ps` x " + atPs[0] + ", median (ms)", median(ps[0]), median(ps[1]));
            row("`docker ps` x " + atPs[0] + ", total (s)", sum(ps[0]) / 1000, sum(ps[1]) / 1000);
            System.out.println();
            System.out.printf(
                    Locale.ROOT,
                    "| decision at the plugin | p50 | p99 | max |%n|---|---|---|---|%n"
                            + "| AuthZReq round trip on its socket, %d requests (ms) | %.3f | %.3f | %.3f |%n",
                    DIRECT,
                    direct[0],
                    direct[1],
                    direct[2]);
            if (!Double.isNaN(histogramP99)) {
                System.out.printf(
                        Locale.ROOT, "| its decision-time histogram, p99 (ms) | | %.3f | |%n", histogramP99 * 1000);
            }
            System.out.println();
            System.out.printf(
                    Locale.ROOT,
                    "plugin resident memory (VmRSS): idle %.1f MiB after start-up and %d direct requests, peak %.1f"
                            + " MiB under the docker load%n",
                    idleKib / 1024.0,
                    DIRECT,
                    peakKib.get() / 1024.0);
        } finally {
            Files.deleteIfExists(daemonJson);
            Files.deleteIfExists(conf);
        }
        System.exit(0);
    }

    private static void row(String what, double without, double with) {
        System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2fx |%n", what, without, with, with / without);
    }

    /**
     * Puts the plugin into the daemon's authorization chain (or empties it) through daemon.json and SIGHUP, and waits
     * until a writable create tells it is so (Docker 20.10's {@code docker info} keeps its start-up chain).
     */
    static void chain(PrivateDockerd d, Path daemonJson, String name, String image) throws IOException {
        Files.writeString(daemonJson, name == null ? "{}\n" : "{\"authorization-plugins\": [\"" + name + "\"]}\n");
        Tools.Run r = Tools.run(List.of("kill", "-HUP", Long.toString(d.pid())), null, 10);
        if (r.exitCode() != 0) {
            throw new IllegalStateException("kill -HUP: " + r.stderr());
        }
        Awaitility.await("authorization chain " + (name == null ? "empty" : name))
                .atMost(Duration.ofSeconds(60))
                .until(() -> {
                    PrivateDockerd.Result probe = d.tryDocker("create", "--network", "none", image);
                    if (probe.ok()) {
                        d.docker("rm", probe.stdout().trim());
                    }
                    return probe.ok() == (name == null);
                });
    }

    private static double timed(PrivateDockerd d, String... args) {
        long t0 = System.nanoTime();
        d.docker(args);
        return (System.nanoTime() - t0) / 1e6;
    }

    /** p50, p99, max (ms) of AuthZReq round trips on one kept-alive connection. */
    static double[] direct(Path socket) throws IOException {
        String img = "\"Image\":\"rre-busybox:latest\",\"Cmd\":[\"/bin/sleep\",\"100000\"]";
        List<String> bodies = List.of(
                authzReq(
                        "POST",
                        "/v1.41/containers/create?name=bench",
                        "{" + img + ",\"HostConfig\":{\"ReadonlyRootfs\":true}}"),
                authzReq(
                        "POST",
                        "/v1.41/containers/create?name=bench",
                        "{" + img + ",\"HostConfig\":{\"ReadonlyRootfs\":false}}"),
                authzReq("GET", "/v1.41/containers/json?all=1", null));
        double[] ms = new double[DIRECT];
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            for (int i = 0; i < DIRECT + 2000; i++) { // the first 2000: warm-up
                String json = bodies.get(i % bodies.size());
                byte[] body = json.getBytes(StandardCharsets.UTF_8);
                String head = "POST /AuthZPlugin.AuthZReq HTTP/1.1\r\nHost: plugin.moby.localhost\r\nUser-Agent:"
                        + " Go-http-client/1.1\r\nContent-Length: " + body.length
                        + "\r\nAccept: application/vnd.docker.plugins.v1.2+json\r\n\r\n";
                ByteBuffer out = ByteBuffer.wrap((head + json).getBytes(StandardCharsets.UTF_8));
                long t0 = System.nanoTime();
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                String answer = readResponse(ch);
                double t = (System.nanoTime() - t0) / 1e6;
                if (!answer.startsWith("HTTP/1.1 200")) {
                    throw new IllegalStateException("the plugin answered " + answer);
                }
                if (i >= 2000) {
                    ms[i - 2000] = t;
                }
            }
        }
        Arrays.sort(ms);
        return new double[] {ms[ms.length / 2], ms[(int) Math.ceil(ms.length * 0.99) - 1], ms[ms.length - 1]};
    }

    private static final Pattern LENGTH = Pattern.compile("(?i)\r\ncontent-length:\\s*(\\d+)");

    /** One Content-Length framed response. */
    private static String readResponse(SocketChannel ch) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (true) {
            if (ch.read(buf) < 0) {
                throw new IOException("the plugin closed the connection after " + got);
            }
            got.write(buf.array(), 0, buf.position());
            buf.clear();
            String s = got.toString(StandardCharsets.ISO_8859_1);
            int end = s.indexOf("\r\n\r\n");
            if (end >= 0) {
                Matcher m = LENGTH.matcher(s.substring(0, end + 2));
                int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
                if (s.length() >= end + 4 + length) {
                    return s;
                }
            }
        }
    }

    static String authzReq(String method, String uri, String body) {
        return "{\"RequestMethod\":\"" + method + "\",\"RequestUri\":\"" + uri + "\""
                + (body == null
                        ? ""
                        : ",\"RequestBody\":\""
                                + Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8))
                                + "\",\"RequestHeaders\":{\"Content-Type\":\"application/json\"}")
                + "}";
    }

    /** histogram_quantile(0.99) over the plugin's decision-time histogram (its only *_seconds_bucket), NaN if none. */
    static double histogramP99(String exposition) {
        Pattern bucket =
                Pattern.compile("^(readonly_rootfs_authz_\\w*seconds)_bucket\\{(?:.*,)?le=\"([^\"]+)\".*\\} (\\S+)");
        List<double[]> buckets = new ArrayList<>();
        for (String line : exposition.split("\n")) {
            Matcher m = bucket.matcher(line);
            if (m.find()) {
                double le = m.group(2).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(2));
                double count = Double.parseDouble(m.group(3));
                boolean merged = false;
                for (double[] b : buckets) {
                    if (b[0] == le) {
                        b[1] += count; // several label sets: summed, as sum by (le) would
                        merged = true;
                    }
                }
                if (!merged) {
                    buckets.add(new double[] {le, count});
                }
            }
        }
        if (buckets.isEmpty()) {
            return Double.NaN;
        }
        buckets.sort((a, b) -> Double.compare(a[0], b[0]));
        double total = buckets.get(buckets.size() - 1)[1];
        double rank = 0.99 * total;
        double prevLe = 0;
        double prevCount = 0;
        for (double[] b : buckets) {
            if (b[1] >= rank) {
                if (Double.isInfinite(b[0])) {
                    return prevLe;
                }
                return prevLe + (b[0] - prevLe) * (rank - prevCount) / Math.max(1e-9, b[1] - prevCount);
            }
            prevLe = b[0];
            prevCount = b[1];
        }
        return prevLe;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static double sum(double[] v) {
        return Arrays.stream(v).sum();
    }
}
