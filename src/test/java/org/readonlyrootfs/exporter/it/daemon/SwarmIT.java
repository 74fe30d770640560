package org.readonlyrootfs.exporter.it.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.Scrape.Sample;
import org.readonlyrootfs.exporter.testing.TestConfig;

/**
 * On a real single-node swarm: service tasks get orchestrator, stack and service; the service specs
 * themselves are read from the manager and judged, exemptions included.
 */
class SwarmIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static Sample awaitTaskOf(int port, String service) {
        return await().atMost(WAIT)
                .until(
                        () -> Scrape.metrics(port)
                                .samples(
                                        "readonly_rootfs_container",
                                        s -> s.label("service").equals(service))
                                .stream()
                                .filter(s -> s.label("state").equals("running"))
                                .findFirst(),
                        Optional::isPresent)
                .orElseThrow();
    }

    @Test
    void serviceTasksAndServiceSpecsAreClassified(@TempDir Path dir) throws Exception {
        try (PrivateDockerd dockerd = PrivateDockerd.start()) {
            dockerd.swarmInit();
            String image = dockerd.image();
            dockerd.docker(
                    "service",
                    "create",
                    "--detach",
                    "--name",
                    "shop_web",
                    "--network",
                    "host",
                    "--label",
                    "com.docker.stack.namespace=shop",
                    "--container-label",
                    "com.docker.stack.namespace=shop",
                    image,
                    "/bin/sleep",
                    "100000");
            dockerd.docker(
                    "service",
                    "create",
                    "--detach",
                    "--name",
                    "shop_api",
                    "--network",
                    "host",
                    "--read-only",
                    "--container-label",
                    "com.docker.stack.namespace=shop",
                    image,
                    "/bin/sleep",
                    "100000");
            dockerd.docker(
                    "service",
                    "create",
                    "--detach",
                    "--name",
                    "node-agent",
                    "--mode",
                    "global",
                    "--network",
                    "host",
                    image,
                    "/bin/sleep",
                    "100000");
            Path conf = dir.resolve("exemptions.conf");
            Files.writeString(conf, """
                    readonly-rootfs-exporter.compliance.exemptions = [
                      { id = node-agent, service = node-agent, reason = "writes its buffer to /var/lib/agent", owner = ops }
                    ]
                    """);
            try (Exporter exporter = Exporter.start(TestConfig.config(dockerd.host(), "--config.file=" + conf))) {
                int port = exporter.port();
                Sample web = awaitTaskOf(port, "shop_web");
                assertEquals("swarm", web.label("orchestrator"));
                assertEquals("shop", web.label("stack"));
                assertEquals("finding", web.label("status"));
                assertEquals(0, web.value());
                Sample api = awaitTaskOf(port, "shop_api");
                assertEquals("compliant", api.label("status"));
                assertEquals(1, api.value());
                Sample agent = awaitTaskOf(port, "node-agent");
                assertEquals("exempt", agent.label("status"));
                assertEquals(dockerd.stigCheckByName().get(web.label("container_name")), false);
                assertEquals(dockerd.stigCheckByName().get(api.label("container_name")), true);

                Scrape s = Scrape.metrics(port);
                String host = dockerd.docker("info", "--format", "{{.Name}}");
                assertEquals(3, s.samples("readonly_rootfs_service").size(), s.text());
                assertEquals(
                        0,
                        s.value(
                                "readonly_rootfs_service",
                                Map.of(
                                        "host",
                                        host,
                                        "service",
                                        "shop_web",
                                        "stack",
                                        "shop",
                                        "mode",
                                        "replicated",
                                        "status",
                                        "finding")),
                        "the cause to fix");
                assertEquals(
                        1,
                        s.value(
                                "readonly_rootfs_service",
                                Map.of(
                                        "service",
                                        "shop_api",
                                        "stack",
                                        "",
                                        "mode",
                                        "replicated",
                                        "status",
                                        "compliant")));
                assertEquals(
                        0,
                        s.value(
                                "readonly_rootfs_service",
                                Map.of("service", "node-agent", "mode", "global", "status", "exempt")));
                assertEquals(
                        2,
                        s.value("readonly_rootfs_exemption_matches", Map.of("host", host, "exemption", "node-agent")),
                        "the service and its one task");
                assertEquals(
                        0,
                        s.samples("readonly_rootfs_exemption_expiry_timestamp_seconds")
                                .size());
                assertTrue(s.value("readonly_rootfs_docker_requests_total", Map.of("operation", "services")) >= 1);

                JsonNode findings = new ObjectMapper()
                        .readTree(Scrape.get(port, "/findings").body());
                assertTrue(findings.path("swarm_manager").asBoolean());
                Map<String, JsonNode> services = new LinkedHashMap<>();
                findings.path("services")
                        .forEach(n -> services.put(n.path("name").asText(), n));
                assertEquals(
                        java.util.List.of("node-agent", "shop_api", "shop_web"),
                        java.util.List.copyOf(services.keySet()));
                JsonNode specWeb = services.get("shop_web");
                assertEquals(
                        dockerd.docker("service", "inspect", "--format", "{{.ID}}", "shop_web"),
                        specWeb.path("id").asText());
                assertEquals("finding", specWeb.path("status").asText());
                assertEquals("shop", specWeb.path("stack").asText());
                assertEquals(image, specWeb.path("image").asText());
                assertEquals(
                        "node-agent",
                        services.get("node-agent").path("exemption").asText());
                assertTrue(services.get("shop_api").path("read_only").asBoolean());

                // fixing the cause: the spec says read-only, the next scan sees it
                dockerd.docker("service", "update", "--detach", "--read-only", "shop_web");
                await().atMost(WAIT)
                        .until(() -> Scrape.metrics(port)
                                .find("readonly_rootfs_service", Map.of("service", "shop_web", "status", "compliant"))
                                .isPresent());
            }
        }
    }
}
