package org.readonlyrootfs.exporter;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
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
 * is done; then every endpoint is read once, and it stops. Exit status 0, or 1 with one line saying what
 * failed (the image build then fails: an archive of a broken start is worth nothing).
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
                    String base = "http://127.0.0.1:" + exporter.port();
                    Snapshot first = exporter.scanner().currentAfterFirstScan(FIRST_SCAN);
                    if (!first.dockerUp() || first.containers().size() != 1) {
                        err.println(Main.NAME + ": class-data training: the scan of the stand-in daemon failed: "
                                + first.lastError());
                        return 1;
                    }
                    get(base + config.web().telemetryPath(), false);
                    get(base + config.web().telemetryPath(), true);
                    for (String path : List.of(
                            Endpoints.LANDING,
                            Endpoints.HEALTHY,
                            Endpoints.READY,
                            Endpoints.FINDINGS,
                            Endpoints.CHECKLIST_CKLB,
                            Endpoints.CHECKLIST_CKL)) {
                        get(base + path, false);
                    }
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

    /** The answer's body as text (gunzipped if asked for gzip); fails unless the status is 200. */
    private static String get(String url, boolean gzip) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout(30000);
        if (gzip) {
            c.setRequestProperty("Accept-Encoding", "gzip");
        }
        try {
            if (c.getResponseCode() != 200) {
                throw new IOException("GET " + url + " answered HTTP " + c.getResponseCode());
            }
            try (InputStream in = gzip && "gzip".equals(c.getContentEncoding())
                    ? new java.util.zip.GZIPInputStream(c.getInputStream())
                    : c.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } finally {
            c.disconnect();
        }
    }
}
