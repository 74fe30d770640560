package org.readonlyrootfs.exporter.hints;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.authz.AuthzMode;
import org.readonlyrootfs.exporter.authz.AuthzPolicy;
import org.readonlyrootfs.exporter.authz.AuthzRequest;
import org.readonlyrootfs.exporter.authz.Decision;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.compliance.CompliancePolicy;
import org.readonlyrootfs.exporter.compliance.ContainerFacts;
import org.readonlyrootfs.exporter.remediation.Plan;
import org.readonlyrootfs.exporter.scan.AuditedContainer;
import org.readonlyrootfs.exporter.testing.MutableClock;

/**
 * Both sides together, as the two commands run them: the exporter's publisher writes the plan of a
 * writable nginx container, the plugin's reader follows the file, and the plugin's refusal of a new
 * writable nginx container names that plan; another image gets the generic fix only.
 */
class RefusalWithHintTest {
    @Test
    void aRefusalNamesThePlanTheExporterKnowsForTheSameImage(@TempDir Path dir) {
        Path file = dir.resolve("run/readonly-rootfs/hints.json");
        ContainerFacts facts =
                new ContainerFacts("a1b2c3", "web-1", "nginx:1.25", "running", Map.of(), 1700000000L, false);
        AuditedContainer web =
                new AuditedContainer(facts, new Classifier(true).classify(facts, HintsPublisherTest.AT), 1700000000L);
        Plan plan = HintsPublisherTest.plan("web-1", "nginx:1.25", "/run/nginx.pid", "/var/cache/nginx/x");
        HintsPublisher publisher = new HintsPublisher(
                () -> List.of(web),
                () -> Map.of("a1b2c3", plan),
                () -> "node-1",
                () -> Optional.of(file),
                new MutableClock(HintsPublisherTest.AT));
        assertTrue(publisher.publishIfChanged());

        try (FixHintsReader reader = new FixHintsReader(file)) {
            reader.start();
            AuthzPolicy policy = new AuthzPolicy(
                    CompliancePolicy.defaults(), AuthzMode.ENFORCE, "readonly-rootfs", reader::forImage);
            Decision refused = policy.decide(
                    AuthzRequest.of(
                            "POST",
                            "/v1.43/containers/create?name=web-2",
                            "{\"Image\":\"docker.io/library/nginx:1.25\",\"HostConfig\":{\"ReadonlyRootfs\":false}}"),
                    Instant.now());
            assertFalse(refused.allow());
            String flags = String.join(" ", plan.dockerRunFlags());
            assertTrue(flags.contains("--tmpfs /run"), flags);
            assertTrue(
                    refused.message()
                            .contains("The exporter's plan for a container of this image on this node: "
                                    + plan.kind().label() + " (from container web-1): docker run " + flags
                                    + " … nginx:1.25."),
                    refused.message());

            Decision other = policy.decide(
                    AuthzRequest.of("POST", "/containers/create", "{\"Image\":\"redis:7\",\"HostConfig\":{}}"),
                    Instant.now());
            assertFalse(other.allow());
            assertFalse(other.message().contains("The exporter's plan"), other.message());
            assertTrue(other.message().contains("--read-only"), other.message());
        }
    }
}
