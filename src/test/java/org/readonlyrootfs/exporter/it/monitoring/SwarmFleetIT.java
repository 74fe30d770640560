package org.readonlyrootfs.exporter.it.monitoring;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.readonlyrootfs.exporter.monitoring.MonitoringFiles;
import org.readonlyrootfs.exporter.testing.ImageBuild;
import org.readonlyrootfs.exporter.testing.NetnsSwarm;
import org.readonlyrootfs.exporter.testing.NetnsSwarm.Node;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;

/**
 * The fleet, for real: a swarm of two managers and a worker, each a private dockerd in its own network
 * namespace on a bridge ({@link NetnsSwarm}); {@code deploy/stack-socket-proxy.yml} deployed as shipped
 * ({@code docker stack deploy}: the socket proxy and the exporter, one each per node, over the stack's
 * overlay network, published in host mode); a real Prometheus with {@code deploy/prometheus-swarm.yml}
 * (dockerswarm_sd against a manager) and the shipped rules, and a real Alertmanager with the shipped
 * routing, its receivers replaced by a webhook. Changed for the test, and only these: the global scrape
 * and evaluation intervals (3 s, 2 s) and the SD refresh interval (3 s), the SD's {@code host} (the
 * manager's socket instead of {@code /var/run/docker.sock}), the {@code for} of
 * ReadonlyRootfsExporterDown (15 s instead of 5 m), Alertmanager's waits. The run as Prometheus saw it
 * (targets, hosts, alerts as the webhook received them) goes to the output and to {@code
 * target/fleet/fleet-run.txt}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwarmFleetIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String STACK = "rre";
    private static final String JOB = "readonly-rootfs-exporter";
    private static final String EXPORTER_IMAGE = "readonly-rootfs-exporter:fleet-it";
    private static final String PROXY_IMAGE = "readonly-rootfs-exporter-socket-proxy:fleet-it";
    private static final Path OUT = Path.of("target", "fleet");
    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 6);
    private static final String SERVICE = "fleet-web-" + SUFFIX;

    private static NetnsSwarm swarm;
    private static Path work;
    private static AlertPipelineIT.Webhook webhook;
    private static AlertPipelineIT.Daemon alertmanager;
    private static AlertPipelineIT.Daemon prometheus;
    private static long started;
    private static String serviceActiveAt;
    private static final StringBuilder REPORT = new StringBuilder();

    @BeforeAll
    static void fleet() throws Exception {
        started = System.nanoTime();
        Files.createDirectories(OUT);
        swarm = NetnsSwarm.start(2, 1);
        note("swarm: " + swarm.nodes().size() + " nodes on bridge " + swarm.bridge() + " " + swarm.subnet() + ": "
                + swarm.nodes().stream()
                        .map(n -> n.name() + " " + n.address() + (n.manager() ? " manager" : " worker"))
                        .toList()
                + " (" + seconds() + " s)");
        note(swarm.leader().docker("node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ManagerStatus}}"));

        // the images: built once on a private daemon of the host, then docker save | load on every node
        Path images = OUT.resolve("fleet-images.tar").toAbsolutePath();
        try (PrivateDockerd builder = PrivateDockerd.start()) {
            ImageBuild.build(builder, EXPORTER_IMAGE);
            ImageBuild.buildSocketProxy(builder, PROXY_IMAGE);
            builder.docker("save", "--output", images.toString(), EXPORTER_IMAGE, PROXY_IMAGE);
        }
        for (Node n : swarm.nodes()) {
            n.docker("load", "--input", images.toString());
            n.dockerd().image(); // busybox, for the writable container and service below
        }
        Files.delete(images);
        note("images built and loaded on every node (" + seconds() + " s)");

        // deploy/stack-socket-proxy.yml as shipped, with its documented variables
        Node leader = swarm.leader();
        String gid = String.valueOf(Files.getAttribute(leader.dockerd().socketPath(), "unix:gid"));
        ImageBuild.docker(
                leader.dockerd(),
                Map.of(
                        "DOCKER_GID", gid,
                        "DOCKER_SOCKET", swarm.nodeSocket().toString(),
                        "RRE_IMAGE", EXPORTER_IMAGE,
                        "RRE_PROXY_IMAGE", PROXY_IMAGE),
                "stack",
                "deploy",
                "--resolve-image",
                "never",
                "--compose-file",
                "deploy/stack-socket-proxy.yml",
                STACK);

        work = Files.createTempDirectory("rre-fleet-it-");
        webhook = AlertPipelineIT.Webhook.start();
        alertmanager = AlertPipelineIT.Daemon.alertmanager(work, webhook.port());
        prometheus = AlertPipelineIT.Daemon.prometheus(work, prometheusConfig(alertmanager.port));
        Files.copy(
                work.resolve("prometheus.yml"),
                OUT.resolve("prometheus.yml"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        alertmanager.awaitReady();
        prometheus.awaitReady();
        note("stack deployed, Prometheus and Alertmanager up (" + seconds() + " s)");
    }

    @AfterAll
    static void tearDown() throws IOException {
        try {
            if (prometheus != null) {
                note("\n--- targets as Prometheus saw them at the end ---\n" + targets());
            }
            if (webhook != null) {
                note("\n--- alerts as the webhook received them ---\n" + received());
            }
        } catch (RuntimeException | AssertionError e) {
            note("(cannot read the final state: " + e + ")");
        }
        note("SwarmFleetIT took " + seconds() + " s");
        Files.createDirectories(OUT);
        Files.writeString(OUT.resolve("fleet-run.txt"), REPORT.toString());
        for (AlertPipelineIT.Daemon d : new AlertPipelineIT.Daemon[] {prometheus, alertmanager}) {
            if (d != null) {
                d.stop();
                Files.copy(d.log, OUT.resolve(d.name + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (webhook != null) {
            webhook.stop();
        }
        try {
            if (swarm != null) {
                for (Node n : swarm.nodes()) {
                    Files.writeString(
                            OUT.resolve(n.name() + "-dockerd.log"), n.dockerd().logTail(400));
                }
                swarm.close();
            }
        } finally {
            if (work != null) {
                try (Stream<Path> files = Files.walk(work)) {
                    for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ the run

    @Test
    @Order(1)
    void everyNodesExporterIsDiscoveredUpAndLabelsItsOwnContainersWithItsHost() {
        Set<String> names = new TreeSet<>();
        swarm.nodes().forEach(n -> names.add(n.name()));
        await("every node's exporter discovered and up")
                .atMost(WAIT)
                .pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions()
                .until(() -> upInstances().equals(names));
        // every container of every node, as that node's docker ps lists it, carries that node's host
        for (Node n : swarm.nodes()) {
            await("the containers of " + n.name() + " in Prometheus with host " + n.name())
                    .atMost(WAIT)
                    .pollInterval(Duration.ofSeconds(1))
                    .ignoreExceptions()
                    .until(() -> {
                        List<String> onNode = n.docker("ps", "--all", "--format", "{{.Names}}")
                                .lines()
                                .toList();
                        for (String c : onNode) {
                            JsonNode r = query("readonly_rootfs_container{container_name=\"" + c + "\"}");
                            if (r.size() != 1
                                    || !n.name().equals(label(r.get(0), "host"))
                                    || !n.name().equals(label(r.get(0), "instance"))) {
                                return false;
                            }
                        }
                        return onNode.size() >= 2; // its proxy and its exporter at least
                    });
        }
        note("\n--- step 1: discovered (" + seconds() + " s) ---\n" + targets() + hosts());
        JsonNode services = query("readonly_rootfs_service{stack=\"" + STACK + "\"}");
        Set<String> exporting = new TreeSet<>();
        services.forEach(s -> exporting.add(label(s, "host")));
        assertEquals(Set.of("manager-1", "manager-2"), exporting, "the managers export the service specs");
    }

    @Test
    @Order(2)
    void aWritableContainerOnTheWorkerPagesOnceNamingTheWorker() {
        Node worker = swarm.node("worker-1");
        String name = "fleet-rw-" + SUFFIX;
        worker.dockerd().createSleeper(name, false);
        JsonNode page = await("the page for " + name)
                .atMost(WAIT)
                .until(() -> firstAlert(a -> name.equals(label(a, "container_name")), "firing"), a -> a != null);
        assertEquals("ReadonlyRootfsWritableContainer", label(page, "alertname"), page.toString());
        assertEquals("worker-1", label(page, "host"), page.toString());
        assertEquals("worker-1", label(page, "instance"), page.toString());
        assertEquals(1, distinctAlerts(a -> name.equals(label(a, "container_name"))), received());
        worker.docker("rm", name);
        await("resolved after docker rm")
                .atMost(WAIT)
                .until(() -> firstAlert(a -> name.equals(label(a, "container_name")), "resolved") != null);
        assertEquals(1, distinctAlerts(a -> name.equals(label(a, "container_name"))), received());
        note("\n--- step 2: writable container on worker-1 (" + seconds() + " s) ---\n" + summary(page));
    }

    @Test
    @Order(3)
    void aWritableServiceSpecPagesOnceAndItsPanelsCountItOnce() {
        Node leader = swarm.leader();
        leader.docker(
                "service",
                "create",
                "--detach",
                "--no-resolve-image",
                "--name",
                SERVICE,
                "--mode",
                "global",
                PrivateDockerd.IMAGE,
                "/bin/sleep",
                "100000");
        Predicate<JsonNode> isService = a ->
                "ReadonlyRootfsWritableService".equals(label(a, "alertname")) && SERVICE.equals(label(a, "service"));
        JsonNode page = await("the page for service " + SERVICE)
                .atMost(WAIT)
                .until(() -> firstAlert(isService, "firing"), a -> a != null);
        assertEquals("global", label(page, "mode"), page.toString());
        assertEquals("", label(page, "host"), "no host: one alert for the swarm");
        // both managers export the spec; Prometheus holds one alert
        await("both managers export " + SERVICE)
                .atMost(WAIT)
                .until(() -> query("readonly_rootfs_service{service=\"" + SERVICE + "\",status=\"finding\"}")
                                .size()
                        == 2);
        List<JsonNode> active = prometheusAlerts(isService);
        assertEquals(1, active.size(), active.toString());
        serviceActiveAt = active.get(0).path("activeAt").asText();
        // its task containers on every node (the effects) are findings too
        await("a writable task of " + SERVICE + " on every node")
                .atMost(WAIT)
                .until(() -> query("readonly_rootfs_container{service=\"" + SERVICE + "\",status=\"finding\"}")
                                .size()
                        == 3);

        // the overview dashboard's swarm services panels, run against this Prometheus as Grafana would
        Map<String, String> all = Map.of("job", ".+", "host", ".+");
        Map<String, String> answers = new TreeMap<>();
        for (MonitoringFiles.Query q : MonitoringFiles.queries(
                MonitoringFiles.readJson(MonitoringFiles.DASHBOARDS.resolve("readonly-rootfs-overview.json")))) {
            if (List.of("Writable services", "Services by status", "Writable swarm services")
                    .contains(q.panel())) {
                String promql = AlertPipelineIT.substitute(q.expr(), all);
                answers.put(q.panel() + " " + q.refId(), compact(query(promql)));
                switch (q.panel() + " " + q.refId()) {
                    case "Writable services A" ->
                        assertEquals("1", value(query(promql).get(0)), "writable services, counted once");
                    case "Writable swarm services A" ->
                        assertEquals("2", value(row(query(promql), SERVICE)), "managers exporting " + SERVICE);
                    case "Writable swarm services B" ->
                        assertEquals("3", value(row(query(promql), SERVICE)), "writable tasks of " + SERVICE);
                    case "Services by status A" -> {
                        JsonNode r = query(promql);
                        for (JsonNode s : r) {
                            if (label(s, "status").equals("finding")) {
                                assertEquals("1", value(s), "services by status: " + r);
                            }
                        }
                    }
                    default -> throw new AssertionError("an unexpected swarm services query: " + q);
                }
            }
        }
        assertEquals(4, answers.size(), answers.toString());
        note("\n--- step 3: writable service " + SERVICE + " (" + seconds() + " s) ---\n" + summary(page)
                + "\nPrometheus alerts for it: " + active.size() + " (activeAt " + serviceActiveAt + ")"
                + "\nreadonly_rootfs_service series for it: "
                + compact(query("readonly_rootfs_service{service=\"" + SERVICE + "\"}")) + "\ndashboard panels:\n"
                + String.join(
                        "\n",
                        answers.entrySet().stream()
                                .map(e -> "  " + e.getKey() + ": " + e.getValue())
                                .toList()));
        assertEquals(1, distinctAlerts(isService), received());
    }

    @Test
    @Order(4)
    void anExporterStoppedPagesNamingItsNode() {
        Node worker = swarm.node("worker-1");
        String exporter = worker.docker(
                "ps", "--quiet", "--filter", "label=com.docker.swarm.service.name=" + STACK + "_exporter");
        assertEquals(1, exporter.lines().count(), exporter);
        Predicate<JsonNode> isDown = a ->
                "ReadonlyRootfsExporterDown".equals(label(a, "alertname")) && "worker-1".equals(label(a, "instance"));
        worker.docker("pause", exporter); // frozen: the task stays, its port stops answering
        JsonNode page;
        try {
            page = await("ReadonlyRootfsExporterDown for worker-1")
                    .atMost(WAIT)
                    .until(() -> firstAlert(isDown, "firing"), a -> a != null);
        } finally {
            worker.docker("unpause", exporter);
        }
        assertEquals(JOB, label(page, "job"), page.toString());
        assertEquals(1, distinctAlerts(isDown), received());
        // the other nodes' exporters answered throughout
        assertEquals(
                List.of(),
                prometheusAlerts(a -> "ReadonlyRootfsExporterDown".equals(label(a, "alertname"))
                        && !"worker-1".equals(label(a, "instance"))));
        await("ExporterDown resolved after unpause").atMost(WAIT).until(() -> firstAlert(isDown, "resolved") != null);
        note("\n--- step 4: exporter of worker-1 paused (" + seconds() + " s) ---\n" + summary(page));
    }

    @Test
    @Order(5)
    void aNodeDrainedAndRemovedLeavesNoSeriesAndNothingFiring() {
        Node leader = swarm.leader();
        Node gone = swarm.node("manager-2");
        leader.docker("node", "demote", gone.name());
        leader.docker("node", "update", "--availability", "drain", gone.name());
        await(gone.name() + " drained")
                .atMost(WAIT)
                .until(() -> gone.docker("ps", "--quiet").isBlank());
        gone.docker("swarm", "leave");
        await(gone.name() + " down in the swarm")
                .atMost(WAIT)
                .until(() -> leader.docker("node", "inspect", "--format", "{{.Status.State}}", gone.name())
                        .equals("down"));
        leader.docker("node", "rm", gone.name());

        await("no series of " + gone.name() + " left")
                .atMost(WAIT)
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> query("{host=\"" + gone.name() + "\"}").isEmpty()
                        && query("up{instance=\"" + gone.name() + "\"}").isEmpty());
        Predicate<JsonNode> ofGone =
                a -> gone.name().equals(label(a, "host")) || gone.name().equals(label(a, "instance"));
        await("nothing of " + gone.name() + " firing")
                .atMost(WAIT)
                .until(() -> prometheusAlerts(ofGone).isEmpty());
        // what paged for it (its task of the writable service) was resolved
        for (String labels : alertKeys(ofGone, "firing")) {
            await("resolved: " + labels)
                    .atMost(WAIT)
                    .until(() -> alertKeys(ofGone, "resolved").contains(labels));
        }
        // the service alert lived on with the last manager: same alert, same start, never resolved
        Predicate<JsonNode> isService = a ->
                "ReadonlyRootfsWritableService".equals(label(a, "alertname")) && SERVICE.equals(label(a, "service"));
        List<JsonNode> active = prometheusAlerts(isService);
        assertEquals(1, active.size(), active.toString());
        assertEquals(serviceActiveAt, active.get(0).path("activeAt").asText(), "no resolve and re-page");
        assertEquals(null, firstAlert(isService, "resolved"), received());
        assertEquals(2, upInstances().size(), targets());
        note("\n--- step 5: " + gone.name() + " demoted, drained and removed (" + seconds() + " s) ---\n" + targets()
                + hosts() + "firing in Prometheus: " + firingNames());
    }

    @Test
    @Order(6)
    void removingTheServiceLeavesNothingFiring() {
        swarm.leader().docker("service", "rm", SERVICE);
        Predicate<JsonNode> isService = a ->
                "ReadonlyRootfsWritableService".equals(label(a, "alertname")) && SERVICE.equals(label(a, "service"));
        await("the service page resolved").atMost(WAIT).until(() -> firstAlert(isService, "resolved") != null);
        await("nothing firing")
                .atMost(WAIT)
                .until(() -> prometheusAlerts(a -> true).isEmpty());
        assertEquals(1, distinctAlerts(isService), received());
        note("\n--- step 6: service removed, nothing firing (" + seconds() + " s) ---");
    }

    // ------------------------------------------------------------------ Prometheus

    /** The shipped prometheus-swarm.yml with only the intervals, the SD's host, rules and Alertmanager set. */
    private static String prometheusConfig(int alertmanagerPort) throws IOException {
        ObjectNode config = (ObjectNode) MonitoringFiles.readYaml(Path.of("deploy", "prometheus-swarm.yml"));
        ((ObjectNode) config.get("global"))
                .put("scrape_interval", "3s")
                .put("scrape_timeout", "3s")
                .put("evaluation_interval", "2s");
        ObjectNode job = (ObjectNode) config.get("scrape_configs").get(0);
        assertEquals(JOB, job.path("job_name").asText());
        ObjectNode sd = (ObjectNode) job.get("dockerswarm_sd_configs").get(0);
        assertEquals("unix:///var/run/docker.sock", sd.path("host").asText(), "the shipped SD host");
        sd.put("host", swarm.leader().dockerd().host()).put("refresh_interval", "3s");
        config.putArray("rule_files").add(rules().toString());
        config.putObject("alerting")
                .putArray("alertmanagers")
                .addObject()
                .putArray("static_configs")
                .addObject()
                .putArray("targets")
                .add("127.0.0.1:" + alertmanagerPort);
        return MonitoringFiles.YAML.writeValueAsString(config);
    }

    /** The shipped rules, with ReadonlyRootfsExporterDown's for shortened from 5m to 15s. */
    private static Path rules() throws IOException {
        JsonNode rules = MonitoringFiles.readYaml(MonitoringFiles.RULES);
        int changed = 0;
        for (JsonNode g : rules.path("groups")) {
            for (JsonNode r : g.path("rules")) {
                if ("ReadonlyRootfsExporterDown".equals(r.path("alert").asText())) {
                    assertEquals("5m", r.path("for").asText());
                    ((ObjectNode) r).put("for", "15s");
                    changed++;
                }
            }
        }
        assertEquals(1, changed);
        Path file = work.resolve("rules.yml");
        Files.writeString(file, MonitoringFiles.YAML.writeValueAsString(rules));
        return file;
    }

    private static JsonNode query(String promql) {
        JsonNode r = prometheus.api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        assertEquals("success", r.path("status").asText(), promql + ": " + r);
        return r.path("data").path("result");
    }

    private static Set<String> upInstances() {
        Set<String> up = new TreeSet<>();
        for (JsonNode t : prometheus.api("/api/v1/targets").path("data").path("activeTargets")) {
            if (t.path("health").asText().equals("up")) {
                up.add(t.path("labels").path("instance").asText());
            }
        }
        return up;
    }

    /** Prometheus' active (pending or firing) alerts that match. */
    private static List<JsonNode> prometheusAlerts(Predicate<JsonNode> match) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode a : prometheus.api("/api/v1/alerts").path("data").path("alerts")) {
            if (a.path("state").asText().equals("firing") && match.test(a)) {
                out.add(a);
            }
        }
        return out;
    }

    private static String firingNames() {
        List<String> names = new ArrayList<>();
        prometheusAlerts(a -> true).forEach(a -> names.add(compactLabels(a.path("labels"))));
        return names.toString();
    }

    // ------------------------------------------------------------------ the webhook

    /** The first alert with this status that matches, as the webhook received it; null if none yet. */
    private static JsonNode firstAlert(Predicate<JsonNode> match, String status) {
        for (AlertPipelineIT.Notification n : webhook.notifications) {
            for (JsonNode a : n.json().path("alerts")) {
                if (status.equals(a.path("status").asText()) && match.test(a)) {
                    return a;
                }
            }
        }
        return null;
    }

    /** The label sets of the alerts with this status that match, as received. */
    private static Set<String> alertKeys(Predicate<JsonNode> match, String status) {
        Set<String> keys = new LinkedHashSet<>();
        for (AlertPipelineIT.Notification n : webhook.notifications) {
            for (JsonNode a : n.json().path("alerts")) {
                if (status.equals(a.path("status").asText()) && match.test(a)) {
                    keys.add(compactLabels(a.path("labels")));
                }
            }
        }
        return keys;
    }

    /** How many different alerts (label set and start) matched, whatever their status: 1 is one page. */
    private static int distinctAlerts(Predicate<JsonNode> match) {
        Set<String> keys = new TreeSet<>();
        for (AlertPipelineIT.Notification n : webhook.notifications) {
            for (JsonNode a : n.json().path("alerts")) {
                if (match.test(a)) {
                    keys.add(compactLabels(a.path("labels")) + " "
                            + a.path("startsAt").asText());
                }
            }
        }
        return keys.size();
    }

    // ------------------------------------------------------------------ the report

    private static String targets() {
        StringBuilder b = new StringBuilder("targets:\n");
        for (JsonNode t : prometheus.api("/api/v1/targets").path("data").path("activeTargets")) {
            b.append(String.format(
                    Locale.ROOT,
                    "  %-10s %-5s %s swarm_node_id=%s%s%n",
                    t.path("labels").path("instance").asText(),
                    t.path("health").asText(),
                    t.path("scrapeUrl").asText(),
                    t.path("labels").path("swarm_node_id").asText(),
                    t.path("lastError").asText().isEmpty()
                            ? ""
                            : " error: " + t.path("lastError").asText()));
        }
        return b.toString();
    }

    private static String hosts() {
        StringBuilder b = new StringBuilder("containers per host (instance, host: container status):\n");
        JsonNode r = query("readonly_rootfs_container");
        Map<String, List<String>> byHost = new TreeMap<>();
        for (JsonNode s : r) {
            byHost.computeIfAbsent(label(s, "instance") + ", " + label(s, "host"), k -> new ArrayList<>())
                    .add(label(s, "container_name") + " " + label(s, "status"));
        }
        byHost.forEach((k, v) -> b.append("  ").append(k).append(": ").append(v).append('\n'));
        return b.toString();
    }

    private static String received() {
        StringBuilder b = new StringBuilder();
        for (AlertPipelineIT.Notification n : webhook.notifications) {
            for (JsonNode a : n.json().path("alerts")) {
                b.append("  ")
                        .append(n.receiver())
                        .append(' ')
                        .append(summary(a))
                        .append('\n');
            }
        }
        return b.toString();
    }

    private static String summary(JsonNode alert) {
        return alert.path("status").asText() + " " + compactLabels(alert.path("labels")) + " startsAt "
                + alert.path("startsAt").asText();
    }

    private static String compactLabels(JsonNode labels) {
        Map<String, String> kept = new TreeMap<>();
        for (String k :
                List.of("alertname", "instance", "host", "container_name", "stack", "service", "mode", "status")) {
            if (!labels.path(k).asText().isEmpty()) {
                kept.put(k, labels.path(k).asText());
            }
        }
        return kept.toString();
    }

    private static String compact(JsonNode result) {
        List<String> rows = new ArrayList<>();
        result.forEach(s -> rows.add(s.path("metric").toString() + " " + value(s)));
        return rows.toString();
    }

    private static void note(String line) {
        System.out.println("[SwarmFleetIT] " + line);
        REPORT.append(line).append('\n');
    }

    // ------------------------------------------------------------------ helpers

    private static String label(JsonNode sampleOrAlert, String name) {
        JsonNode labels = sampleOrAlert.has("metric") ? sampleOrAlert.path("metric") : sampleOrAlert.path("labels");
        return labels.path(name).asText();
    }

    private static String value(JsonNode sample) {
        return sample.path("value").path(1).asText();
    }

    private static JsonNode row(JsonNode result, String service) {
        for (JsonNode s : result) {
            if (service.equals(label(s, "service"))) {
                return s;
            }
        }
        throw new AssertionError("no row for " + service + " in " + result);
    }

    private static long seconds() {
        return (System.nanoTime() - started) / 1_000_000_000L;
    }
}
