package org.readonlyrootfs.exporter.it.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.testing.Tools;

/**
 * {@code scripts/demo.sh --check}: its private dockerd, demo containers of every status, the exporter,
 * Prometheus and Alertmanager all start and answer, and everything is gone afterwards.
 */
class DemoIT {
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static List<Path> demoDirs() throws IOException {
        try (Stream<Path> list = Files.list(Path.of("/tmp"))) {
            return list.filter(p -> p.getFileName().toString().startsWith("rre-demo-"))
                    .toList();
        }
    }

    @Test
    void demoStartsEverythingAnswersAndCleansUp() throws IOException {
        List<Path> before = demoDirs();
        int exporter = freePort();
        int prometheus = freePort();
        int alertmanager = freePort();
        Tools.Run r = Tools.run(
                List.of(
                        "bash",
                        "scripts/demo.sh",
                        "--check",
                        "--exporter-port",
                        Integer.toString(exporter),
                        "--prometheus-port",
                        Integer.toString(prometheus),
                        "--alertmanager-port",
                        Integer.toString(alertmanager)),
                null,
                300);
        String output = r.stdout() + r.stderr();
        assertEquals(0, r.exitCode(), output);
        assertTrue(r.stderr().contains("demo: check passed"), output);
        assertTrue(r.stdout().contains("http://127.0.0.1:" + exporter + "/"), r.stdout());
        assertTrue(r.stdout().contains("http://127.0.0.1:" + prometheus + "/"), r.stdout());
        assertTrue(r.stdout().contains("http://127.0.0.1:" + alertmanager + "/"), r.stdout());
        assertTrue(r.stderr().contains("demo: stopping everything it started"), output);

        List<Path> left = new ArrayList<>(demoDirs());
        left.removeAll(before);
        assertEquals(List.of(), left, "the demo's directory is removed");
        for (int port : List.of(exporter, prometheus, alertmanager)) {
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertFalse(s.isClosed(), "port " + port + " is free again");
            }
        }
    }
}
