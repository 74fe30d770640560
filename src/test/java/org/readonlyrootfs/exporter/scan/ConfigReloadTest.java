package org.readonlyrootfs.exporter.scan;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.compliance.Status;
import org.readonlyrootfs.exporter.config.CommandLine;
import org.readonlyrootfs.exporter.config.ConfigLoader;
import org.readonlyrootfs.exporter.config.ExporterConfig;
import org.readonlyrootfs.exporter.http.ReloadOutcome;
import org.readonlyrootfs.exporter.testing.Scrape;

/**
 * Reloads of the configuration files, over a daemon in memory: a valid file re-judges the inventory
 * without a Docker call, an invalid one changes nothing, settings that need a restart are reported and
 * the rest applies, flags still win over the file, and {@code /-/reload} answers as Prometheus' does.
 */
class ConfigReloadTest {
    private static final String NS = ConfigLoader.NAMESPACE;
    private static final String EXEMPT_W =
            NS + ".compliance.exemptions = [{ id = batch, reason = \"vendor image\", name = \"^w$\" }]\n";

    @TempDir
    Path dir;

    private final DockerRequestCounts requests = new DockerRequestCounts();
    private final InMemoryDocker docker = new InMemoryDocker(requests);
    private Exporter exporter;

    @AfterEach
    void close() {
        if (exporter != null) {
            exporter.close();
        }
    }

    /** Starts as serve does: these flags, and the config file read again by every reload. */
    private Exporter start(String fileText, String... flags) throws IOException {
        Path file = dir.resolve("rre.conf");
        Files.writeString(file, fileText);
        List<String> args = new ArrayList<>(List.of(
                "--config.file=" + file,
                "--web.listen-address=127.0.0.1:0",
                "--docker.host=unix:///nonexistent/docker.sock",
                "--scan.events=false",
                "--remediation.enabled=false"));
        args.addAll(List.of(flags));
        ConfigLoader loader = new ConfigLoader(Map.of());
        CommandLine cli = CommandLine.parse(args.toArray(String[]::new));
        ExporterConfig config = loader.load(cli);
        exporter = Exporter.start(config, docker, requests, () -> loader.load(cli));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> exporter.scanner().current().everSucceeded());
        return exporter;
    }

    private void edit(String fileText) throws IOException {
        Files.writeString(dir.resolve("rre.conf"), fileText);
    }

    private Status status(String name) {
        return exporter.scanner().current().containers().stream()
                .filter(c -> c.facts().name().equals(name))
                .findFirst()
                .orElseThrow()
                .verdict()
                .status();
    }

    private double metric(String name) {
        return Scrape.metrics(exporter.port()).value(name, Map.of());
    }

    private Map<String, Long> listAndInspect() {
        Map<String, Long> r = exporter.scanner().current().dockerRequests();
        return Map.of("list", r.getOrDefault("list", 0L), "inspect", r.getOrDefault("inspect", 0L));
    }

    @Test
    void aValidFileReJudgesTheInventoryAtOnceWithoutAnyDockerCall() throws IOException {
        docker.add("w1", "w", "running", false, Map.of());
        docker.add("r1", "r", "running", true, Map.of());
        start(NS + ".scan.interval = 1h\n");
        assertEquals(Status.FINDING, status("w"));
        double startedAt = metric("readonly_rootfs_config_last_reload_success_timestamp_seconds");
        assertEquals(1, metric("readonly_rootfs_config_last_reload_successful"));
        assertTrue(startedAt > 1.7e9, "the start time before any reload: " + startedAt);
        Map<String, Long> before = listAndInspect();
        Map<String, Long> allBefore = exporter.scanner().current().dockerRequests();

        edit(NS + ".scan.interval = 1h\n" + EXEMPT_W);
        ReloadOutcome outcome = exporter.reload("test");

        assertTrue(outcome.successful(), outcome.toString());
        assertEquals(List.of(), outcome.restartNeeded());
        assertEquals(Status.EXEMPT, status("w"));
        assertEquals(Status.COMPLIANT, status("r"));
        assertEquals(
                "batch",
                exporter.scanner().current().policy().exemptions().get(0).id());
        assertEquals(allBefore, exporter.scanner().current().dockerRequests(), "a reload calls no Docker API");
        assertEquals(before, listAndInspect());
        assertEquals(1, metric("readonly_rootfs_config_last_reload_successful"));
        assertTrue(metric("readonly_rootfs_config_last_reload_success_timestamp_seconds") >= startedAt);
        Scrape s = Scrape.metrics(exporter.port());
        assertEquals(1, s.value("readonly_rootfs_containers", Map.of("host", "node-1", "status", "exempt")), s.text());
        assertEquals(0, s.value("readonly_rootfs_containers", Map.of("host", "node-1", "status", "finding")));

        // and back: the exemption removed, the container is a finding again, still without a Docker call
        edit(NS + ".scan.interval = 1h\n");
        assertTrue(exporter.reload("test").successful());
        assertEquals(Status.FINDING, status("w"));
        assertEquals(before, listAndInspect());
    }

    @Test
    void anInvalidFileChangesNothingAndSaysEveryProblem() throws IOException {
        docker.add("w1", "w", "running", false, Map.of());
        start(NS + ".scan.interval = 1h\n");
        ExporterConfig running = exporter.config();
        double startedAt = metric("readonly_rootfs_config_last_reload_success_timestamp_seconds");

        // a good exemption beside two problems: nothing of the file applies
        edit(NS + ".scan.interval = 15\n" + NS + ".scan.intervall = 1s\n" + EXEMPT_W);
        ReloadOutcome outcome = exporter.reload("test");

        assertFalse(outcome.successful());
        assertEquals(2, outcome.problems().size(), outcome.problems().toString());
        assertTrue(
                outcome.problems().get(0).startsWith("unknown key [" + NS + ".scan.intervall] in config.file"),
                outcome.problems().toString());
        assertTrue(
                outcome.problems().get(1).startsWith(NS + ".scan.interval must be a duration with a unit such as 15s"),
                outcome.problems().toString());
        assertEquals(running, exporter.config());
        assertEquals(Status.FINDING, status("w"));
        assertEquals(0, metric("readonly_rootfs_config_last_reload_successful"));
        assertEquals(startedAt, metric("readonly_rootfs_config_last_reload_success_timestamp_seconds"));

        // a file that is gone is a problem too
        Files.delete(dir.resolve("rre.conf"));
        ReloadOutcome gone = exporter.reload("test");
        assertEquals(
                List.of("config.file must be a readable file, got [" + dir.resolve("rre.conf") + "]"), gone.problems());

        edit(NS + ".scan.interval = 1h\n" + EXEMPT_W);
        assertTrue(exporter.reload("test").successful());
        assertEquals(Status.EXEMPT, status("w"));
        assertEquals(1, metric("readonly_rootfs_config_last_reload_successful"));
    }

    @Test
    void settingsWiredAtStartNeedARestartAndTheRestStillApplies() throws IOException {
        docker.add("w1", "w", "running", false, Map.of());
        start(NS + ".scan.interval = 1h\n", "--scan.inspect-concurrency=2");
        int port = exporter.port();

        edit(NS + ".scan.interval = 1h\n"
                + NS + ".docker.timeout = 3s\n"
                + NS + ".docker.host = \"tcp://10.0.0.1:2376\"\n" // the flag wins: no change
                + NS + ".web.telemetry-path = /probe\n"
                + NS + ".metrics.per-container = findings\n"
                + NS + ".scan.inspect-concurrency = 8\n" // the flag wins: no change
                + NS + ".compliance.kubernetes = audit\n"
                + EXEMPT_W);
        ReloadOutcome outcome = exporter.reload("test");

        assertTrue(outcome.successful(), outcome.toString());
        assertEquals(
                List.of(
                        "web.telemetry-path [/metrics] -> [/probe]",
                        "docker.timeout [10s] -> [3s]",
                        "metrics.per-container [all] -> [findings]"),
                outcome.restartNeeded());
        assertEquals(Status.EXEMPT, status("w"));
        assertEquals(
                "audit",
                exporter.scanner().current().policy().kubernetes().name().toLowerCase());
        assertEquals(port, exporter.port());
        assertEquals(200, Scrape.get(port, "/metrics").statusCode(), "the running telemetry path stays");
        assertEquals(2, exporter.config().inspectConcurrency());
        assertEquals(
                "unix:///nonexistent/docker.sock", exporter.config().docker().host());
    }

    @Test
    void aReloadDuringAScanNeverPublishesAMixOfOldAndNewVerdicts() throws Exception {
        docker.add("w1", "w", "running", false, Map.of("team", "batch"));
        start(NS + ".scan.interval = 1h\n");
        assertEquals(Status.FINDING, status("w"));
        // a second writable container of the same team appears; the next scan is held inside its list call
        docker.add("w2", "w-two", "running", false, Map.of("team", "batch"));
        CountDownLatch listing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        docker.duringList = () -> {
            listing.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Thread scan = new Thread(() -> exporter.scanner().scan(), "held-scan");
        scan.start();
        assertTrue(listing.await(10, TimeUnit.SECONDS));

        edit(NS + ".scan.interval = 1h\n" + NS
                + ".compliance.exemptions = [{ id = batch, reason = r, label = \"team=batch\" }]\n");
        assertTrue(exporter.reload("test").successful());
        Snapshot during = exporter.scanner().current();
        assertEquals(
                List.of("w"),
                during.containers().stream().map(c -> c.facts().name()).toList());
        assertEquals(Status.EXEMPT, during.containers().get(0).verdict().status());

        release.countDown();
        scan.join(10_000);
        Snapshot after = exporter.scanner().current();
        assertEquals(2, after.containers().size());
        for (AuditedContainer c : after.containers()) {
            assertEquals(Status.EXEMPT, c.verdict().status(), c.toString());
            assertEquals("batch", c.verdict().exemption());
        }
        assertEquals(1, after.policy().exemptions().size());
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + exporter.port() + path))
                                .method(method, HttpRequest.BodyPublishers.noBody())
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void reloadEndpointIsForbiddenWithoutTheLifecycleFlagAndTakesOnlyPost() throws Exception {
        docker.add("w1", "w", "running", false, Map.of());
        start(NS + ".scan.interval = 1h\n");
        HttpResponse<String> forbidden = send("POST", "/-/reload");
        assertEquals(403, forbidden.statusCode());
        assertTrue(
                forbidden
                        .body()
                        .startsWith(
                                "Lifecycle API is not enabled: start the exporter with" + " --web.enable-lifecycle"),
                forbidden.body());
        HttpResponse<String> get = send("GET", "/-/reload");
        assertEquals(405, get.statusCode());
        assertEquals("POST", get.headers().firstValue("Allow").orElse(""));
        assertEquals(404, send("POST", "/-/reload/more").statusCode());
        assertEquals(1, metric("readonly_rootfs_config_last_reload_successful"), "a refused request reloads nothing");
    }

    @Test
    void reloadEndpointAnswers200Or500WithTheLinesOfTheOutcome() throws Exception {
        docker.add("w1", "w", "running", false, Map.of());
        start(NS + ".scan.interval = 1h\n", "--web.enable-lifecycle");
        assertEquals(405, send("GET", "/-/reload").statusCode());

        edit(NS + ".scan.interval = 1h\n" + NS + ".docker.timeout = 3s\n" + EXEMPT_W);
        HttpResponse<String> ok = send("POST", "/-/reload");
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(
                "Configuration reloaded.\nChanged settings that need a restart to apply (the rest applied):\n"
                        + "  docker.timeout [10s] -> [3s]\n",
                ok.body());
        assertEquals(Status.EXEMPT, status("w"));

        edit(NS + ".scan.interval = 1h\n" + NS + ".compliance.kubernetes = maybe\n");
        HttpResponse<String> bad = send("POST", "/-/reload");
        assertEquals(500, bad.statusCode());
        assertTrue(
                bad.body()
                        .startsWith("Configuration not reloaded: the running configuration stays. Problems:\n  " + NS
                                + ".compliance.kubernetes must be one of not_applicable, audit, got [maybe]"),
                bad.body());
        assertEquals(Status.EXEMPT, status("w"));
        assertEquals(0, metric("readonly_rootfs_config_last_reload_successful"));

        // the flag wins over the file, as for every setting
        edit(NS + ".scan.interval = 1h\n" + NS + ".web.enable-lifecycle = false\n");
        assertEquals(200, send("POST", "/-/reload").statusCode());
        assertEquals(200, send("POST", "/-/reload").statusCode());
    }

    @Test
    void theLifecycleSwitchOfTheFileAppliesAtOnce() throws Exception {
        start(NS + ".scan.interval = 1h\n" + NS + ".web.enable-lifecycle = true\n");
        edit(NS + ".scan.interval = 1h\n" + NS + ".web.enable-lifecycle = false\n");
        assertEquals(200, send("POST", "/-/reload").statusCode());
        assertEquals(403, send("POST", "/-/reload").statusCode());
        edit(NS + ".scan.interval = 1h\n" + NS + ".web.enable-lifecycle = true\n");
        assertTrue(exporter.reload("SIGHUP").successful(), "SIGHUP reloads without it");
        assertEquals(200, send("POST", "/-/reload").statusCode());
    }
}
