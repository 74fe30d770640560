package org.readonlyrootfs.exporter.it.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.docker.ContainerDetails;
import org.readonlyrootfs.exporter.docker.ContainerSummary;
import org.readonlyrootfs.exporter.docker.DaemonInfo;
import org.readonlyrootfs.exporter.docker.DockerGateway;
import org.readonlyrootfs.exporter.docker.EngineGateway;
import org.readonlyrootfs.exporter.docker.EventListener;
import org.readonlyrootfs.exporter.scan.DockerRequestCounts;
import org.readonlyrootfs.exporter.scan.Scanner;
import org.readonlyrootfs.exporter.scan.Snapshot;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.Scrape.Sample;
import org.readonlyrootfs.exporter.testing.TestConfig;
import org.readonlyrootfs.exporter.testing.Tools;

/** The exporter core against a real private dockerd. */
class ExporterIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static PrivateDockerd dockerd;
    private static Exporter exporter;
    private static String prefix;

    @BeforeAll
    static void start() throws Exception {
        dockerd = PrivateDockerd.shared();
        prefix = "it" + UUID.randomUUID().toString().substring(0, 6) + "-";
        exporter = Exporter.start(TestConfig.config(dockerd.host()));
        await().atMost(WAIT).until(() -> Scrape.get(exporter.port(), "/-/ready").statusCode() == 200);
    }

    @AfterAll
    static void stop() {
        if (exporter != null) {
            exporter.close();
        }
    }

    private static Scrape scrape() {
        return Scrape.metrics(exporter.port());
    }

    private static Sample awaitContainer(String name) {
        return await().atMost(WAIT)
                .until(() -> scrape().container(name), Optional::isPresent)
                .orElseThrow();
    }

    private static String state(String name) {
        return dockerd.docker("inspect", "--format", "{{.State.Status}}", name);
    }

    private static void assertSeries(
            String name, double value, String status, String orchestrator, String stack, String service) {
        Sample s = awaitContainer(name);
        assertEquals(value, s.value(), name);
        assertEquals(status, s.label("status"), name);
        assertEquals(orchestrator, s.label("orchestrator"), name);
        assertEquals(stack, s.label("stack"), name);
        assertEquals(service, s.label("service"), name);
        assertEquals(dockerd.docker("info", "--format", "{{.Name}}"), s.label("host"));
        String id = dockerd.docker("inspect", "--format", "{{.Id}}", name);
        assertEquals(id.substring(0, 12), s.label("container_id"));
        assertEquals(dockerd.image(), s.label("image"));
    }

    @Test
    void readonlyAndWritableContainersInEveryStateAreClassified() {
        String image = dockerd.image();
        for (boolean ro : new boolean[] {true, false}) {
            String kind = ro ? "ro" : "rw";
            dockerd.createSleeper(prefix + kind + "-created", ro);
            dockerd.createSleeper(prefix + kind + "-running", ro);
            dockerd.docker("start", prefix + kind + "-running");
            dockerd.createSleeper(prefix + kind + "-paused", ro);
            dockerd.docker("start", prefix + kind + "-paused");
            dockerd.docker("pause", prefix + kind + "-paused");
            dockerd.docker(
                    "run",
                    "--name",
                    prefix + kind + "-exited",
                    "--network",
                    "none",
                    ro ? "--read-only" : "--read-only=false",
                    image,
                    "/bin/true");
        }
        dockerd.docker(
                "run",
                "-d",
                "--name",
                prefix + "rw-restarting",
                "--network",
                "none",
                "--restart",
                "always",
                image,
                "/bin/false");
        Map<String, String> expectedState =
                Map.of("created", "created", "running", "running", "paused", "paused", "exited", "exited");
        for (String kind : List.of("ro", "rw")) {
            for (Map.Entry<String, String> e : expectedState.entrySet()) {
                String name = prefix + kind + "-" + e.getKey();
                assertSeries(
                        name,
                        kind.equals("ro") ? 1 : 0,
                        kind.equals("ro") ? "compliant" : "finding",
                        "standalone",
                        "",
                        "");
                assertEquals(e.getValue(), state(name));
                await().atMost(WAIT)
                        .untilAsserted(() -> assertEquals(
                                e.getValue(),
                                scrape().container(name).orElseThrow().label("state"),
                                name));
            }
        }
        Sample restarting = awaitContainer(prefix + "rw-restarting");
        assertEquals("finding", restarting.label("status"));
        assertTrue(
                List.of("restarting", "running", "exited").contains(restarting.label("state")), restarting.toString());
    }

    @Test
    void composeKubernetesAndMkeContainersGetTheirStatusAndGrouping() {
        dockerd.createSleeper(
                prefix + "compose-db",
                false,
                "--label",
                "com.docker.compose.project=shop",
                "--label",
                "com.docker.compose.service=db");
        dockerd.createSleeper(
                prefix + "k8s-web",
                false,
                "--label",
                "io.kubernetes.pod.name=web-0",
                "--label",
                "io.kubernetes.pod.namespace=prod",
                "--label",
                "io.kubernetes.container.name=web");
        dockerd.createSleeper(
                prefix + "k8s-pod",
                false,
                "--label",
                "io.kubernetes.docker.type=podsandbox",
                "--label",
                "io.kubernetes.pod.name=web-0",
                "--label",
                "io.kubernetes.pod.namespace=prod");
        dockerd.createSleeper(prefix + "mke-agent", false, "--label", "com.docker.ucp.version=3.7.5");
        dockerd.createSleeper("ucp-" + prefix + "proxy", false);
        dockerd.createSleeper("dtr-" + prefix + "api", true);
        assertSeries(prefix + "compose-db", 0, "finding", "compose", "shop", "db");
        assertSeries(prefix + "k8s-web", 0, "not_applicable", "kubernetes", "prod", "web-0");
        assertSeries(prefix + "k8s-pod", 0, "not_applicable", "kubernetes", "prod", "web-0");
        assertSeries(prefix + "mke-agent", 0, "exempt", "standalone", "", "");
        assertSeries("ucp-" + prefix + "proxy", 0, "exempt", "standalone", "", "");
        assertSeries("dtr-" + prefix + "api", 1, "exempt", "standalone", "", "");
    }

    @Test
    void everyContainersValueEqualsTheStigCommandsAnswer() {
        dockerd.createSleeper(prefix + "diff-ro", true);
        dockerd.createSleeper(prefix + "diff-rw", false);
        await().atMost(WAIT).untilAsserted(() -> {
            Map<String, Boolean> stig = new TreeMap<>(dockerd.stigCheckByName());
            Map<String, Boolean> ours = new TreeMap<>();
            for (Sample s : scrape().samples("readonly_rootfs_container")) {
                ours.put(s.label("container_name"), s.value() == 1.0);
            }
            assertTrue(stig.containsKey(prefix + "diff-ro") && stig.containsKey(prefix + "diff-rw"));
            assertEquals(stig, ours);
        });
    }

    @Test
    void renameChangesTheLabelAndRemovalDropsTheSeries() {
        dockerd.createSleeper(prefix + "before", false);
        awaitContainer(prefix + "before");
        dockerd.docker("rename", prefix + "before", prefix + "after");
        await().atMost(WAIT).untilAsserted(() -> {
            Scrape s = scrape();
            assertTrue(s.container(prefix + "after").isPresent());
            assertFalse(s.container(prefix + "before").isPresent());
        });
        dockerd.docker("rm", "-f", prefix + "after");
        await().atMost(WAIT)
                .untilAsserted(
                        () -> assertFalse(scrape().container(prefix + "after").isPresent()));
    }

    @Test
    void aSteadyStateScanSendsOneListCallAndNoInspect() {
        dockerd.createSleeper(prefix + "steady", true);
        awaitContainer(prefix + "steady");
        Scrape before = scrape();
        double scans = before.value("readonly_rootfs_scans_total", Map.of("result", "success"));
        double inspects = before.value("readonly_rootfs_docker_requests_total", Map.of("operation", "inspect"));
        double lists = before.value("readonly_rootfs_docker_requests_total", Map.of("operation", "list"));
        Scrape after = await().atMost(WAIT)
                .until(
                        ExporterIT::scrape,
                        s -> s.value("readonly_rootfs_scans_total", Map.of("result", "success")) >= scans + 3);
        double moreScans = after.value("readonly_rootfs_scans_total", Map.of("result", "success")) - scans;
        assertEquals(inspects, after.value("readonly_rootfs_docker_requests_total", Map.of("operation", "inspect")));
        assertEquals(
                lists + moreScans, after.value("readonly_rootfs_docker_requests_total", Map.of("operation", "list")));
        assertEquals(0, after.value("readonly_rootfs_scans_total", Map.of("result", "failure")));
    }

    @Test
    void aContainerRemovedBetweenListAndInspectIsNotAnError() {
        dockerd.createSleeper(prefix + "stays", false);
        String victim = prefix + "vanishes";
        dockerd.createSleeper(victim, false);
        DockerRequestCounts requests = new DockerRequestCounts();
        try (DockerGateway real =
                new EngineGateway(TestConfig.config(dockerd.host()).docker(), requests)) {
            DockerGateway removingAfterList = new DockerGateway() {
                @Override
                public DaemonInfo info() {
                    return real.info();
                }

                @Override
                public List<ContainerSummary> listContainers() {
                    List<ContainerSummary> listed = real.listContainers();
                    dockerd.docker("rm", "-f", victim);
                    return listed;
                }

                @Override
                public Optional<ContainerDetails> inspect(String id) {
                    return real.inspect(id);
                }

                @Override
                public AutoCloseable followEvents(long since, EventListener listener) {
                    throw new UnsupportedOperationException("a scan does not follow events");
                }

                @Override
                public void close() {}
            };
            Scanner scanner =
                    new Scanner(removingAfterList, new Classifier(true), requests, java.time.Clock.systemUTC(), "x");
            Snapshot s = scanner.scan();
            assertTrue(s.dockerUp(), s.lastError());
            assertEquals(0, s.scansFailed());
            assertEquals(0, s.unchecked());
            List<String> names =
                    s.containers().stream().map(c -> c.facts().name()).toList();
            assertTrue(names.contains(prefix + "stays"));
            assertFalse(names.contains(victim));
        }
    }

    /** --metrics.container-labels: the allowlisted Docker labels as label_*, escaped, empty when missing. */
    @Test
    void allowlistedContainerLabelsAreExportedOnContainerAndRemediationSeries() throws Exception {
        String owner = "a\"b\\c";
        dockerd.createSleeper(
                prefix + "team-payments", false, "--label", "team=payments", "--label", "com.example.owner=" + owner);
        dockerd.createSleeper(prefix + "team-none", false, "--label", "other=x");
        try (Exporter labelled = Exporter.start(
                TestConfig.config(dockerd.host(), "--metrics.container-labels=team,com.example.owner"))) {
            Map<String, String> payments = Map.of("container_name", prefix + "team-payments");
            Map<String, String> none = Map.of("container_name", prefix + "team-none");
            Scrape s = await().atMost(WAIT)
                    .until(
                            () -> Scrape.metrics(labelled.port()),
                            x -> x.find("readonly_rootfs_remediation", payments).isPresent()
                                    && x.find("readonly_rootfs_remediation", none)
                                            .isPresent()
                                    && x.find("readonly_rootfs_container", none).isPresent());
            for (String metric : List.of("readonly_rootfs_container", "readonly_rootfs_remediation")) {
                Sample p = s.find(metric, payments).orElseThrow();
                assertEquals("payments", p.label("label_team"), metric);
                assertEquals(owner, p.label("label_com_example_owner"), metric);
                Sample n = s.find(metric, none).orElseThrow();
                assertEquals("", n.labels().get("label_team"), metric + ": present, empty");
                assertEquals("", n.labels().get("label_com_example_owner"), metric + ": present, empty");
                assertFalse(n.labels().containsKey("label_other"), metric + ": not allowlisted");
            }
            assertTrue(s.text().contains("label_com_example_owner=\"a\\\"b\\\\c\""), s.text());
            assertEquals("", Tools.promtoolCheckMetrics(s.text()));
        }
        // the shared exporter, without the setting, exports no label_* at all
        Sample plain = awaitContainer(prefix + "team-payments");
        assertTrue(plain.labels().keySet().stream().noneMatch(k -> k.startsWith("label_")), plain.toString());
    }

    /** A pattern selects the labels the containers carry; a collision after sanitising: first in sorted order wins. */
    @Test
    void containerLabelPatternsSelectFromTheContainersLabelsAndCountWhatCollides() throws Exception {
        String ns = "com." + prefix.substring(0, prefix.length() - 1);
        String prom = "label_" + ns.replace('.', '_');
        dockerd.createSleeper(
                prefix + "pattern", false, "--label", ns + ".team=payments", "--label", ns + ".cost-centre=7");
        dockerd.createSleeper(prefix + "pattern-2", false, "--label", ns + ".cost_centre=9");
        try (Exporter labelled =
                Exporter.start(TestConfig.config(dockerd.host(), "--metrics.container-labels=" + ns + ".*"))) {
            Map<String, String> one = Map.of("container_name", prefix + "pattern");
            Map<String, String> two = Map.of("container_name", prefix + "pattern-2");
            Scrape s = await().atMost(WAIT)
                    .until(
                            () -> Scrape.metrics(labelled.port()),
                            x -> x.find("readonly_rootfs_container", one).isPresent()
                                    && x.find("readonly_rootfs_container", two).isPresent());
            Sample a = s.find("readonly_rootfs_container", one).orElseThrow();
            assertEquals("payments", a.label(prom + "_team"));
            assertEquals(
                    "7", a.label(prom + "_cost_centre"), "cost-centre sorts before cost_centre: it keeps the label");
            Sample b = s.find("readonly_rootfs_container", two).orElseThrow();
            assertEquals("", b.labels().get(prom + "_team"), "every series carries every column");
            assertEquals("", b.labels().get(prom + "_cost_centre"), "its cost_centre collided: left out");
            assertEquals(1, s.value("readonly_rootfs_container_labels_dropped", Map.of("reason", "collision")));
            assertEquals(0, s.value("readonly_rootfs_container_labels_dropped", Map.of("reason", "limit")));
            assertEquals("", Tools.promtoolCheckMetrics(s.text()));
        }
    }

    @Test
    void hostileLabelValuesKeepTheExpositionValid() {
        String project = "a\"b\\c\nd ü {x=\"y\"} # 日本";
        dockerd.createSleeper(
                prefix + "hostile",
                false,
                "--label",
                "com.docker.compose.project=" + project,
                "--label",
                "com.docker.compose.service=\\\"}\n");
        Sample s = awaitContainer(prefix + "hostile");
        assertEquals(project, s.label("stack"));
        assertEquals("\\\"}\n", s.label("service"));
        String text = scrape().text();
        assertEquals("", Tools.promtoolCheckMetrics(text));
        HttpResponse<String> landing = Scrape.get(exporter.port(), "/");
        assertEquals(200, landing.statusCode());
        assertFalse(landing.body().contains("{x=\"y\"}"), "escaped in HTML");
        assertTrue(landing.body().contains(prefix + "hostile"));
    }

    @Test
    void aScrapeRightAfterStartUpIsCompleteNotEmpty() throws Exception {
        dockerd.createSleeper(prefix + "at-start", false);
        try (Exporter fresh =
                Exporter.start(TestConfig.config(dockerd.host(), "--scan.interval=1h", "--scan.events=false"))) {
            Scrape first = Scrape.metrics(fresh.port());
            assertEquals(1, first.value("readonly_rootfs_scans_total", Map.of("result", "success")));
            assertEquals(
                    dockerd.stigCheckByName().size(),
                    first.samples("readonly_rootfs_container").size());
            assertTrue(first.container(prefix + "at-start").isPresent());
        }
    }

    @Test
    void endpointsAnswer() {
        assertEquals(200, Scrape.get(exporter.port(), "/-/healthy").statusCode());
        assertEquals(200, Scrape.get(exporter.port(), "/-/ready").statusCode());
        assertEquals(404, Scrape.get(exporter.port(), "/nope").statusCode());
        HttpResponse<String> landing = Scrape.get(exporter.port(), "/");
        assertTrue(landing.body().contains("readonly-rootfs-exporter")
                && landing.body().contains("V-260936"));
        assertTrue(landing.body().contains("href=\"metrics\""));
        Scrape s = scrape();
        assertEquals(1, s.value("readonly_rootfs_docker_up", Map.of()));
        assertEquals(
                1,
                s.value(
                        "readonly_rootfs_stig_info",
                        Map.of(
                                "finding_id",
                                "V-260936",
                                "rule_id",
                                "SV-260936r966165_rule",
                                "stig_id",
                                "CNTR-MK-001160",
                                "cci",
                                "CCI-002233",
                                "severity",
                                "medium")));
        Map<String, Double> counts = new HashMap<>();
        s.samples("readonly_rootfs_containers").forEach(x -> counts.put(x.label("status"), x.value()));
        assertEquals(
                List.of("compliant", "exempt", "finding", "not_applicable"),
                counts.keySet().stream().sorted().toList());
        assertEquals(
                s.samples("readonly_rootfs_container").size(),
                counts.values().stream().mapToDouble(Double::doubleValue).sum(),
                0.0);
        assertTrue(s.value("readonly_rootfs_last_scan_success_timestamp_seconds", Map.of())
                > System.currentTimeMillis() / 1000.0 - 60);
    }
}
