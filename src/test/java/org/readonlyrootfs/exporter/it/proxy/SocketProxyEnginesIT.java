package org.readonlyrootfs.exporter.it.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.testing.ContainerEngine;
import org.readonlyrootfs.exporter.testing.Engine;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.PrivatePodman;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.SocketProxy;
import org.readonlyrootfs.exporter.testing.TestConfig;

/**
 * The differential of {@link SocketProxyIT} on every engine of the matrix (see EngineMatrixIT): Docker
 * 20.10, Debian trixie's and sid's Docker, Podman 4.3. An exporter through {@code
 * deploy/socket-proxy/haproxy.cfg} exports the same series as one on the engine's socket, a container
 * created after start (seen through the events) included, and the proxy refuses none of its requests.
 */
class SocketProxyEnginesIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static ContainerEngine start(String engine) {
        return switch (engine) {
            case "docker-system" -> PrivateDockerd.start(Engine.SYSTEM);
            case "docker-trixie" -> PrivateDockerd.start(Engine.debian("trixie"));
            case "docker-sid" -> PrivateDockerd.start(Engine.debian("sid"));
            case "podman" -> PrivatePodman.start();
            default -> throw new IllegalArgumentException(engine);
        };
    }

    @TestFactory
    Stream<DynamicTest> everyEngine() {
        return Stream.of("docker-system", "docker-trixie", "docker-sid", "podman")
                .map(name -> DynamicTest.dynamicTest(name, () -> sameSeriesThroughTheProxy(name)));
    }

    private static void sameSeriesThroughTheProxy(String name) throws Exception {
        try (ContainerEngine engine = start(name)) {
            String[] version = engine.serverVersion();
            engine.image();
            engine.createSleeper("px-ro-running", true);
            engine.docker("start", "px-ro-running");
            engine.createSleeper("px-rw-running", false);
            engine.docker("start", "px-rw-running");
            engine.createSleeper("px-rw-created", false);
            Path socket = Path.of(URI.create(engine.host()).getPath());
            try (SocketProxy proxy = SocketProxy.start(socket);
                    Exporter direct = Exporter.start(TestConfig.config(engine.host(), "--scan.interval=1h"));
                    Exporter through = Exporter.start(TestConfig.config(proxy.host(), "--scan.interval=1h"))) {
                int d = direct.port();
                int t = through.port();
                await(name + ": both scanned, the running finding planned")
                        .atMost(WAIT)
                        .until(() -> planned(d) && planned(t));
                engine.createSleeper("px-late", false);
                await(name + ": the late container, through the events, in both")
                        .atMost(Duration.ofSeconds(15))
                        .until(() -> Scrape.metrics(d).container("px-late").isPresent()
                                && Scrape.metrics(t).container("px-late").isPresent());
                Set<String> expected = await(name + ": the same series")
                        .atMost(WAIT)
                        .until(() -> SocketProxyIT.compared(d), s -> s.equals(SocketProxyIT.compared(t)));
                assertEquals(expected, SocketProxyIT.compared(t));
                Scrape s = Scrape.metrics(t);
                assertEquals(1, s.value("readonly_rootfs_docker_up", Map.of()), s.text());
                assertEquals(1, s.value("readonly_rootfs_events_stream_up", Map.of()), s.text());
                assertTrue(s.value("readonly_rootfs_docker_requests_total", Map.of("operation", "changes")) >= 1);
                assertEquals(0, proxy.refusals().size(), proxy.log());
                System.err.printf(
                        "[SocketProxyEnginesIT] %s %s (API %s): %d series the same through the proxy%n",
                        name, version[0], version[1], expected.size());
            }
        }
    }

    private static boolean planned(int port) {
        Scrape s = Scrape.metrics(port);
        return s.container("px-rw-created").isPresent()
                && s.find("readonly_rootfs_remediation", Map.of("container_name", "px-rw-running"))
                        .isPresent();
    }
}
