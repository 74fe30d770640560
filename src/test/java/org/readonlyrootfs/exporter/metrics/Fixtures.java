package org.readonlyrootfs.exporter.metrics;

import java.util.List;
import java.util.Map;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.compliance.ContainerFacts;
import org.readonlyrootfs.exporter.scan.AuditedContainer;
import org.readonlyrootfs.exporter.scan.Snapshot;

/** A fixed inventory with one container of each kind, hostile label values included. */
public final class Fixtures {
    private Fixtures() {
    }

    public static Snapshot inventory() {
        Classifier classifier = new Classifier(true);
        List<ContainerFacts> facts = List.of(
                new ContainerFacts("aaaaaaaaaaaa1111", "api", "registry.local/api:1.2", "running", Map.of(), 1700000000L, true),
                new ContainerFacts("bbbbbbbbbbbb2222", "worker", "worker:latest", "exited", Map.of(), 1700000001L, false),
                new ContainerFacts("cccccccccccc3333", "shop_web.1.x7", "web@sha256:0f", "running", Map.of(
                        "com.docker.swarm.service.name", "shop_web", "com.docker.stack.namespace", "shop"),
                        1700000002L, false),
                new ContainerFacts("dddddddddddd4444", "app-db-1", "db", "paused", Map.of(
                        "com.docker.compose.project", "a\"b\\c\nd ü", "com.docker.compose.service", "d}b{"),
                        1700000003L, true),
                new ContainerFacts("eeeeeeeeeeee5555", "k8s_POD_web", "pause:3.9", "created", Map.of(
                        "io.kubernetes.docker.type", "podsandbox", "io.kubernetes.pod.name", "web-0",
                        "io.kubernetes.pod.namespace", "prod"), 1700000004L, false),
                new ContainerFacts("ffffffffffff6666", "ucp-proxy", "mirantis/ucp-proxy:3.7", "restarting", Map.of(),
                        1700000005L, false));
        List<AuditedContainer> audited = facts.stream()
                .map(f -> new AuditedContainer(f, classifier.classify(f, java.time.Instant.ofEpochSecond(1700000123L)), 1700000100L))
                .toList();
        return new Snapshot("node-1", "20.10.24", true, true, "", audited, 1, 0.042, 1700000123.5, 7, 2, 3,
                Map.of("info", 3L, "inspect", 6L, "list", 9L, "events", 1L), true, 12);
    }
}
