package org.readonlyrootfs.exporter.it.engines;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.testing.ContainerEngine;
import org.readonlyrootfs.exporter.testing.Engine;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.PrivatePodman;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.TestConfig;

/**
 * The engine matrix: the same proofs against every engine the exporter supports. Debian 12's Docker
 * 20.10 (the system's), Docker 26.1 from Debian 13 (trixie) and the newest Docker from Debian unstable
 * (sid), both fetched by {@code scripts/fetch-engines.sh} into a cache and run as private daemons, and
 * Debian 12's Podman 4.3 serving its Docker-compatible API on a private socket. For each: the
 * differential against the literal STIG command, create/start/stop/rename/remove through events alone
 * (the full scan runs hourly), a restart of the engine recovered, and on Docker the swarm service
 * specs. The versions move with the suites: each is read from the engine ({@code GET /version}) and
 * printed in a summary table. An engine that cannot be fetched or started fails the run.
 */
class EngineMatrixIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration EVENT = Duration.ofSeconds(10);

    private record Row(String engine, String version, String api, int passed, int steps, boolean ok, long seconds) {}

    private static final List<Row> ROWS = Collections.synchronizedList(new ArrayList<>());

    @AfterAll
    static void printSummary() {
        StringBuilder sb = new StringBuilder("\n[EngineMatrixIT] engine matrix\n");
        sb.append(String.format("%-15s %-22s %-5s %-8s %-6s %s%n", "engine", "version", "API", "steps", "result", "s"));
        for (Row r : ROWS) {
            sb.append(String.format(
                    "%-15s %-22s %-5s %-8s %-6s %d%n",
                    r.engine(),
                    r.version(),
                    r.api(),
                    r.passed() + "/" + r.steps(),
                    r.ok() ? "pass" : "FAIL",
                    r.seconds()));
        }
        System.err.println(sb);
    }

    private static ContainerEngine start(String engine) {
        return switch (engine) {
            case "docker-system" -> PrivateDockerd.start(Engine.SYSTEM);
            case "docker-trixie" -> PrivateDockerd.start(Engine.debian("trixie"));
            case "docker-sid" -> PrivateDockerd.start(Engine.debian("sid"));
            case "podman" -> PrivatePodman.start();
            default -> throw new IllegalArgumentException(engine);
        };
    }

    private static double successfulScans(int port) {
        return Scrape.metrics(port).value("readonly_rootfs_scans_total", Map.of("result", "success"));
    }

    @TestFactory
    Stream<DynamicTest> everyEngine() {
        return Stream.of("docker-system", "docker-trixie", "docker-sid", "podman")
                .map(name ->
                        DynamicTest.dynamicTest(name, () -> theExporterAgreesWithTheStigCommandAndFollowsEvents(name)));
    }

    private static void theExporterAgreesWithTheStigCommandAndFollowsEvents(String name) throws Exception {
        long t0 = System.nanoTime();
        boolean docker = name.startsWith("docker");
        int steps = docker ? 4 : 3;
        int[] passed = {0};
        String[] version = {"?", "?"};
        boolean ok = false;
        try (ContainerEngine engine = start(name)) {
            version = engine.serverVersion();
            System.err.println("[EngineMatrixIT] " + name + ": version " + version[0] + ", API " + version[1]);
            engine.image();
            engine.createSleeper("ro-running", true);
            engine.docker("start", "ro-running");
            engine.createSleeper("rw-running", false);
            engine.docker("start", "rw-running");
            engine.createSleeper("ro-created", true);
            engine.createSleeper("rw-exited", false);
            engine.docker("start", "rw-exited");
            engine.docker("stop", "--time", "0", "rw-exited");

            try (Exporter exporter = Exporter.start(TestConfig.config(engine.host(), "--scan.interval=1h"))) {
                int port = exporter.port();
                step(passed, "differential", () -> differential(engine, port, 4));
                step(passed, "events", () -> events(engine, port));
                step(passed, "restart", () -> restart(engine, port));
            }
            if (docker) {
                step(passed, "swarm", () -> swarm((PrivateDockerd) engine));
            }
            ok = true;
        } finally {
            ROWS.add(new Row(
                    name,
                    version[0],
                    version[1],
                    passed[0],
                    steps,
                    ok,
                    Duration.ofNanos(System.nanoTime() - t0).toSeconds()));
        }
    }

    private static void step(int[] passed, String what, Runnable body) {
        long t0 = System.nanoTime();
        body.run();
        passed[0]++;
        System.err.println("[EngineMatrixIT]   " + what + " passed in "
                + Duration.ofNanos(System.nanoTime() - t0).toMillis() + " ms");
    }

    /** Per container, the exporter's verdict is the STIG command's answer; no container more, none less. */
    private static void differential(ContainerEngine engine, int port, int atLeast) {
        Map<String, Boolean> stig = new TreeMap<>(engine.stigCheckByName());
        assertTrue(stig.size() >= atLeast, stig::toString);
        Scrape s = await().atMost(WAIT)
                .until(
                        () -> Scrape.metrics(port),
                        x -> stig.keySet().stream().allMatch(n -> x.container(n).isPresent()));
        Map<String, Boolean> exporter = new TreeMap<>();
        for (Scrape.Sample c : s.samples("readonly_rootfs_container")) {
            String status = c.label("status");
            assertTrue(status.equals("compliant") || status.equals("finding"), c::toString);
            exporter.put(c.label("container_name"), status.equals("compliant"));
        }
        assertEquals(stig, exporter, "exporter vs. STIG command on " + engine.host());
    }

    private static void events(ContainerEngine engine, int port) {
        // one scan at start: the stream's first connection replays the events since that scan's list call
        await().atMost(WAIT)
                .until(() -> Scrape.metrics(port).value("readonly_rootfs_events_stream_up", Map.of()) == 1
                        && successfulScans(port) >= 1);
        double scans = successfulScans(port);
        engine.createSleeper("ev-new", true);
        await("ev-new created, through events")
                .atMost(EVENT)
                .until(() -> state(port, "ev-new").equals("created"));
        assertEquals(
                "compliant",
                Scrape.metrics(port).container("ev-new").orElseThrow().label("status"));
        engine.docker("start", "ev-new");
        await("ev-new running, through events")
                .atMost(EVENT)
                .until(() -> state(port, "ev-new").equals("running"));
        engine.docker("stop", "--time", "0", "ev-new");
        await("ev-new exited, through events")
                .atMost(EVENT)
                .until(() -> state(port, "ev-new").equals("exited"));
        engine.docker("rename", "ev-new", "ev-renamed");
        await("ev-new renamed, through events").atMost(EVENT).untilAsserted(() -> {
            Scrape s = Scrape.metrics(port);
            assertTrue(s.container("ev-renamed").isPresent(), "renamed seen");
            assertFalse(s.container("ev-new").isPresent(), "old name gone");
        });
        engine.docker("rm", "ev-renamed");
        await("ev-renamed removed, through events (Docker: destroy, Podman: remove)")
                .atMost(EVENT)
                .until(() -> Scrape.metrics(port).container("ev-renamed").isEmpty());
        assertEquals(scans, successfulScans(port), "seen through events alone, no full scan");
    }

    private static String state(int port, String container) {
        return Scrape.metrics(port)
                .container(container)
                .map(c -> c.label("state"))
                .orElse("");
    }

    private static void restart(ContainerEngine engine, int port) {
        double streams =
                Scrape.metrics(port).value("readonly_rootfs_docker_requests_total", Map.of("operation", "events"));
        engine.restart();
        engine.createSleeper("after-restart", false);
        await("events stream reconnected after the restart, after-restart seen")
                .atMost(WAIT)
                .until(() -> {
                    Scrape s = Scrape.metrics(port);
                    return s.value("readonly_rootfs_events_stream_up", Map.of()) == 1
                            && s.value("readonly_rootfs_docker_requests_total", Map.of("operation", "events")) > streams
                            && s.container("after-restart").isPresent();
                });
        engine.docker("rm", "after-restart");
        await("after-restart removed, through events")
                .atMost(EVENT)
                .until(() -> Scrape.metrics(port).container("after-restart").isEmpty());
        differential(engine, port, 4);
    }

    /** Service specs read from the manager and judged; their tasks agree with the STIG command. */
    private static void swarm(PrivateDockerd dockerd) {
        try {
            swarmServices(dockerd);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void swarmServices(PrivateDockerd dockerd) throws java.io.IOException {
        dockerd.swarmInit();
        String image = dockerd.image();
        for (boolean ro : new boolean[] {true, false}) {
            List<String> args = new ArrayList<>(
                    List.of("service", "create", "--detach", "--name", ro ? "svc_ro" : "svc_rw", "--network", "host"));
            if (ro) {
                args.add("--read-only");
            }
            args.addAll(List.of(image, "/bin/sleep", "100000"));
            dockerd.docker(args.toArray(String[]::new));
        }
        try (Exporter exporter = Exporter.start(TestConfig.config(dockerd.host()))) {
            int port = exporter.port();
            Scrape s = await().atMost(WAIT)
                    .until(
                            () -> Scrape.metrics(port),
                            x -> x.samples(
                                                    "readonly_rootfs_container",
                                                    c -> !c.label("service").isEmpty()
                                                            && c.label("state").equals("running"))
                                            .size()
                                    == 2);
            assertEquals(
                    1,
                    s.value("readonly_rootfs_service", Map.of("service", "svc_ro", "status", "compliant")),
                    s.text());
            assertEquals(
                    0, s.value("readonly_rootfs_service", Map.of("service", "svc_rw", "status", "finding")), s.text());
            differential(dockerd, port, 6);
        } finally {
            dockerd.docker("service", "rm", "svc_ro", "svc_rw");
            dockerd.swarmLeave();
        }
    }
}
