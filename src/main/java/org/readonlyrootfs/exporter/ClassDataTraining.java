package org.readonlyrootfs.exporter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.readonlyrootfs.exporter.config.CommandLine;
import org.readonlyrootfs.exporter.config.ConfigLoader;
import org.readonlyrootfs.exporter.config.ExporterConfig;
import org.readonlyrootfs.exporter.docker.RequestPathWarmup;
import org.readonlyrootfs.exporter.docker.StandInDaemon;
import org.readonlyrootfs.exporter.product.Endpoints;
import org.readonlyrootfs.exporter.scan.Snapshot;

/**
 * The training run of the container image's class-data archive. The {@code Dockerfile} runs it once,
 * with the image's Java runtime and jar and {@code -XX:ArchiveClassesAtExit}; the {@code ENTRYPOINT} maps
 * the archive ({@code -XX:SharedArchiveFile}), so that the classes a start loads come already parsed and
 * verified from memory instead of from the jar. It does what a start does, with no Docker at build time:
 * the request-path warm-up, then the exporter as {@code serve} starts it (configuration, scan, events
 * stream, HTTP server, metrics) against a {@link StandInDaemon} on a loopback port, until its first scan
 * is done; then {@code /metrics} is read as Prometheus and as curl ask for it, and it stops. Only what a
 * start and a scrape load: every process maps the archive whole, so each class more costs every process
 * memory (the checklists' and the landing page's classes load from the jar when first asked for). Exit
 * status 0, or 1 with one line saying what failed (the image build then fails: an archive of a broken
 * start is worth nothing).
 */
public final class ClassDataTraining {
    private static final Duration FIRST_SCAN = Duration.ofSeconds(60);

    private ClassDataTraining() {}

    public static void main(String[] args) {
        System.exit(run(System.err));
    }

    static int run(PrintStream err) {
        try {
            RequestPathWarmup.start().join();
            try (StandInDaemon daemon = StandInDaemon.start()) {
                CommandLine cli =
                        CommandLine.parse("--docker.host=" + daemon.host(), "--web.listen-address=127.0.0.1:0");
                ConfigLoader loader = new ConfigLoader(Map.of());
                ExporterConfig config = loader.load(cli);
                try (Exporter exporter = Exporter.start(config, Clock.systemUTC(), () -> loader.load(cli))) {
                    Snapshot first = exporter.scanner().currentAfterFirstScan(FIRST_SCAN);
                    if (!first.dockerUp() || first.containers().size() != 1) {
                        err.println(Main.NAME + ": class-data training: the scan of the stand-in daemon failed: "
                                + first.lastError());
                        return 1;
                    }
                    // what Prometheus asks for (gzip) and what curl asks for; the other endpoints are rare:
                    // their classes would cost every process memory (the archive is mapped whole)
                    get(exporter.port(), config.web().telemetryPath(), true);
                    get(exporter.port(), config.web().telemetryPath(), false);
                    get(exporter.port(), Endpoints.HEALTHY, false);
                }
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println(Main.NAME + ": class-data training failed: " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println(Main.NAME + ": class-data training interrupted");
            return 1;
        }
    }

    /**
     * {@code GET path} over a plain socket (the JDK's HTTP client would put its own classes into the
     * archive), its whole answer read; fails unless the status is 200.
     */
    private static void get(int port, String path, boolean gzip) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                            + (gzip ? "Accept-Encoding: gzip\r\n" : "") + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] answer = s.getInputStream().readAllBytes();
            String head = new String(answer, 0, Math.min(answer.length, 64), StandardCharsets.ISO_8859_1);
            if (!head.startsWith("HTTP/1.1 200 ")) {
                throw new IOException(
                        "GET " + path + " answered " + head.lines().findFirst().orElse("nothing"));
            }
        }
    }
}
