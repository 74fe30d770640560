package org.readonlyrootfs.exporter.metrics;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.compliance.CompliancePolicy;
import org.readonlyrootfs.exporter.compliance.ContainerFacts;
import org.readonlyrootfs.exporter.compliance.Exemption;
import org.readonlyrootfs.exporter.compliance.KubernetesMode;
import org.readonlyrootfs.exporter.compliance.ServiceFacts;
import org.readonlyrootfs.exporter.remediation.Change;
import org.readonlyrootfs.exporter.remediation.ChangeKind;
import org.readonlyrootfs.exporter.remediation.ContainerContext;
import org.readonlyrootfs.exporter.remediation.Plan;
import org.readonlyrootfs.exporter.remediation.Planner;
import org.readonlyrootfs.exporter.scan.AuditedContainer;
import org.readonlyrootfs.exporter.scan.AuditedService;
import org.readonlyrootfs.exporter.scan.Snapshot;

/**
 * A fixed inventory with one container of each kind, hostile label values included, two configured
 * exemptions (one in force, one expired) and three swarm services, as of {@link #NOW}.
 */
public final class Fixtures {
    /** The time of the fixture's scan: 2023-11-14T22:15:23Z. */
    public static final Instant NOW = Instant.ofEpochSecond(1700000123L);

    public static final Exemption BILLING = Exemption.of(
            "billing-vendor",
            new Exemption.Match(null, Pattern.compile("vendor/billing:.*"), List.of(), null, null),
            "Vendor image writes its license cache to /opt/billing",
            "CHG-1234",
            "team-billing",
            Instant.parse("2030-06-30T00:00:00Z"));
    public static final Exemption BATCH = Exemption.of(
            "batch-2023",
            new Exemption.Match(
                    Pattern.compile("batch-.*"),
                    null,
                    List.of(new Exemption.LabelMatch("com.example.tier", null, Pattern.compile("batch|etl"))),
                    null,
                    null),
            "Batch jobs rewrite /app/cache until the Q4 refactoring",
            "RISK-77",
            "",
            Instant.parse("2023-11-01T00:00:00Z"));
    public static final CompliancePolicy POLICY =
            new CompliancePolicy(true, KubernetesMode.NOT_APPLICABLE, List.of(BILLING, BATCH));

    private Fixtures() {}

    public static Snapshot inventory() {
        Classifier classifier = new Classifier(POLICY);
        List<ContainerFacts> facts = List.of(
                new ContainerFacts(
                        "aaaaaaaaaaaa1111", "api", "registry.local/api:1.2", "running", Map.of(), 1700000000L, true),
                new ContainerFacts(
                        "bbbbbbbbbbbb2222", "worker", "worker:latest", "exited", Map.of(), 1700000001L, false),
                new ContainerFacts(
                        "cccccccccccc3333",
                        "shop_web.1.x7",
                        "web@sha256:0f",
                        "running",
                        Map.of("com.docker.swarm.service.name", "shop_web", "com.docker.stack.namespace", "shop"),
                        1700000002L,
                        false),
                new ContainerFacts(
                        "dddddddddddd4444",
                        "app-db-1",
                        "db",
                        "paused",
                        Map.of("com.docker.compose.project", "a\"b\\c\nd ü", "com.docker.compose.service", "d}b{"),
                        1700000003L,
                        true),
                new ContainerFacts(
                        "eeeeeeeeeeee5555",
                        "k8s_POD_web",
                        "pause:3.9",
                        "created",
                        Map.of(
                                "io.kubernetes.docker.type",
                                "podsandbox",
                                "io.kubernetes.pod.name",
                                "web-0",
                                "io.kubernetes.pod.namespace",
                                "prod"),
                        1700000004L,
                        false),
                new ContainerFacts(
                        "ffffffffffff6666",
                        "ucp-proxy",
                        "mirantis/ucp-proxy:3.7",
                        "restarting",
                        Map.of(),
                        1700000005L,
                        false),
                new ContainerFacts(
                        "111111111111777a",
                        "billing",
                        "vendor/billing:7.2",
                        "running",
                        Map.of("com.example.team", "billing"),
                        1700000006L,
                        false),
                new ContainerFacts(
                        "222222222222888b",
                        "batch-7",
                        "batch:2",
                        "exited",
                        Map.of("com.example.tier", "batch"),
                        1700000007L,
                        false));
        List<AuditedContainer> audited = facts.stream()
                .map(f -> new AuditedContainer(f, classifier.classify(f, NOW), 1700000100L))
                .sorted(java.util.Comparator.comparing(
                        (AuditedContainer a) -> a.facts().name()))
                .toList();
        List<ServiceFacts> specs = List.of(
                new ServiceFacts(
                        "svc1",
                        "shop_api",
                        "api:1.2",
                        "replicated",
                        Map.of("com.docker.stack.namespace", "shop"),
                        true),
                new ServiceFacts(
                        "svc2",
                        "shop_web",
                        "web:1.0",
                        "replicated",
                        Map.of("com.docker.stack.namespace", "shop"),
                        false),
                new ServiceFacts(
                        "svc3",
                        "ucp-agent",
                        "mirantis/ucp-agent:3.7",
                        "global",
                        Map.of("com.docker.ucp.version", "3.7.1"),
                        false));
        List<AuditedService> services = specs.stream()
                .map(f -> new AuditedService(f, classifier.classify(f, NOW)))
                .toList();
        return new Snapshot(
                "node-1",
                "20.10.24",
                true,
                true,
                "",
                audited,
                1,
                0.042,
                1700000123.5,
                7,
                2,
                3,
                Map.of("info", 3L, "inspect", 6L, "list", 9L, "events", 1L, "services", 9L, "changes", 2L),
                true,
                12,
                services,
                true,
                POLICY,
                plans());
    }

    /**
     * Remediation plans of two of the three findings (worker keeps data, the swarm task writes a pid file);
     * the third (batch-7) has none yet.
     */
    static Map<String, Plan> plans() {
        Planner planner = new Planner();
        Instant at = NOW.minusSeconds(60);
        Plan worker = planner.plan(
                ContainerContext.started("worker", "worker:latest", at),
                List.of(
                        new Change("/var", ChangeKind.MODIFIED),
                        new Change("/var/lib", ChangeKind.MODIFIED),
                        new Change("/var/lib/worker", ChangeKind.MODIFIED),
                        new Change("/var/lib/worker/queue.db", ChangeKind.MODIFIED),
                        new Change("/tmp", ChangeKind.MODIFIED),
                        new Change("/tmp/job-1", ChangeKind.ADDED)));
        Plan web = planner.plan(
                ContainerContext.started("shop_web.1.x7", "web@sha256:0f", at),
                List.of(new Change("/run", ChangeKind.MODIFIED), new Change("/run/nginx.pid", ChangeKind.ADDED)));
        return Map.of("bbbbbbbbbbbb2222", worker, "cccccccccccc3333", web);
    }
}
