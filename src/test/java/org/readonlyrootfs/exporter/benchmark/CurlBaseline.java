package org.readonlyrootfs.exporter.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.readonlyrootfs.exporter.testing.Tools;

/**
 * The Engine API with no client library in between: curl over the daemon's unix socket, bodies
 * discarded. The floors the exporter's scans are compared with.
 */
final class CurlBaseline {
    private final String curl;
    private final String socket;

    CurlBaseline(String dockerHost) {
        if (!dockerHost.startsWith("unix://")) {
            throw new IllegalArgumentException("curl baselines need a unix socket, got " + dockerHost);
        }
        this.curl = Tools.require("curl").toString();
        this.socket = dockerHost.substring("unix://".length());
    }

    /** Median over {@code runs} of curl's own time for {@code GET /containers/json?all=1} (its start-up excluded). */
    double rawList(int runs) {
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            Tools.Run r = Tools.run(
                    List.of(
                            curl,
                            "-sf",
                            "--unix-socket",
                            socket,
                            "-o",
                            "/dev/null",
                            "-w",
                            "%{time_total}",
                            "http://docker/containers/json?all=1"),
                    null,
                    300);
            check(r, "list");
            t[i] = Double.parseDouble(r.stdout().trim());
        }
        Arrays.sort(t);
        return t[runs / 2];
    }

    /** Seconds for one curl process to GET every container's inspect over one keep-alive connection. */
    double inspectsOverOneConnection(List<String> ids) throws IOException {
        List<String> config = new ArrayList<>();
        for (String id : ids) {
            config.add("url = \"http://docker/containers/" + id + "/json\"");
            config.add("output = \"/dev/null\"");
        }
        Path file = Files.createTempFile("curl-inspects", ".conf");
        try {
            Files.write(file, config);
            long t0 = System.nanoTime();
            Tools.Run r = Tools.run(List.of(curl, "-sf", "--unix-socket", socket, "-K", file.toString()), null, 600);
            double seconds = (System.nanoTime() - t0) / 1e9;
            check(r, "inspects");
            return seconds;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void check(Tools.Run r, String what) {
        if (r.exitCode() != 0) {
            throw new IllegalStateException(
                    String.format(Locale.ROOT, "curl %s failed (%d): %s", what, r.exitCode(), r.stderr()));
        }
    }
}
