package org.readonlyrootfs.exporter.compliance;

import java.time.Instant;

/**
 * Pure verdict logic for STIG V-260936: no I/O, no Prometheus, no Docker API, no clock of its own
 * (the time that decides whether an exemption has expired is passed in).
 *
 * <p>Order matters: Kubernetes-managed containers are Not Applicable (the STIG says so for
 * Kubernetes orchestration) unless {@code compliance.kubernetes} is {@code audit}; then the first
 * exemption that selects the container and has not expired makes it exempt (the built-in MKE/MSR
 * system-container exemption first, when switched on, then the configured ones in order); then the
 * root filesystem decides. Swarm service specs are judged the same way, by their spec.
 */
public final class Classifier {
    public static final String K8S_POD_NAME = "io.kubernetes.pod.name";
    public static final String K8S_POD_NAMESPACE = "io.kubernetes.pod.namespace";
    public static final String K8S_DOCKER_TYPE = "io.kubernetes.docker.type";
    public static final String SWARM_SERVICE = "com.docker.swarm.service.name";
    public static final String SWARM_STACK = "com.docker.stack.namespace";
    public static final String COMPOSE_PROJECT = "com.docker.compose.project";
    public static final String COMPOSE_SERVICE = "com.docker.compose.service";
    public static final String UCP_VERSION = "com.docker.ucp.version";
    public static final String DTR_VERSION = "com.docker.dtr.version";

    private final CompliancePolicy policy;

    public Classifier(CompliancePolicy policy) {
        this.policy = policy;
    }

    /** @param exemptSystemContainers whether MKE ({@code ucp-}) and MSR ({@code dtr-}) containers are exempt */
    public Classifier(boolean exemptSystemContainers) {
        this(new CompliancePolicy(exemptSystemContainers, KubernetesMode.NOT_APPLICABLE, java.util.List.of()));
    }

    public CompliancePolicy policy() {
        return policy;
    }

    /** The verdict of a container at {@code now} (which decides whether exemptions have expired). */
    public Verdict classify(ContainerFacts c, Instant now) {
        Orchestrator orchestrator = orchestrator(c);
        String stack;
        String service;
        switch (orchestrator) {
            case KUBERNETES -> {
                stack = c.label(K8S_POD_NAMESPACE);
                service = c.label(K8S_POD_NAME);
            }
            case SWARM -> {
                stack = c.label(SWARM_STACK);
                service = c.label(SWARM_SERVICE);
            }
            case COMPOSE -> {
                stack = c.label(COMPOSE_PROJECT);
                service = c.label(COMPOSE_SERVICE);
            }
            default -> {
                stack = "";
                service = "";
            }
        }
        if (orchestrator == Orchestrator.KUBERNETES && policy.kubernetes() == KubernetesMode.NOT_APPLICABLE) {
            return new Verdict(
                    Status.NOT_APPLICABLE,
                    orchestrator,
                    stack,
                    service,
                    "managed by Kubernetes: the STIG check is Not Applicable under Kubernetes orchestration");
        }
        Target target = new Target(c.name(), c.image(), c.labels(), stack, service);
        return judge(
                target,
                c.readonlyRootfs(),
                orchestrator,
                now,
                "root filesystem is read-only (HostConfig.ReadonlyRootfs=true)",
                "root filesystem is writable (HostConfig.ReadonlyRootfs=false)");
    }

    /** The verdict of a swarm service spec at {@code now}: its tasks' containers will be created as it says. */
    public Verdict classify(ServiceFacts s, Instant now) {
        Target target = new Target(s.name(), s.image(), s.labels(), s.stack(), s.name());
        return judge(
                target,
                s.readOnly(),
                Orchestrator.SWARM,
                now,
                "service creates read-only containers (TaskTemplate.ContainerSpec.ReadOnly=true)",
                "service creates containers with a writable root filesystem"
                        + " (TaskTemplate.ContainerSpec.ReadOnly is not true)");
    }

    private Verdict judge(
            Target target, boolean readonly, Orchestrator orchestrator, Instant now, String compliant, String finding) {
        Exemption expired = null;
        for (Exemption e : policy.effective()) {
            String why = e.selects(target);
            if (why == null) {
                continue;
            }
            if (e.activeAt(now)) {
                String reason = e.builtIn()
                        ? why + ", built-in exemption " + e.id() + ": the STIG fix targets nonsystem containers"
                        : "exemption " + e.id() + ": " + e.explanation();
                return new Verdict(Status.EXEMPT, orchestrator, target.stack(), target.service(), reason, e.id());
            }
            if (expired == null) {
                expired = e;
            }
        }
        String reason = readonly ? compliant : finding;
        if (expired != null) {
            reason += "; exemption " + expired.id() + " expired at " + expired.expires();
        }
        return new Verdict(
                readonly ? Status.COMPLIANT : Status.FINDING,
                orchestrator,
                target.stack(),
                target.service(),
                reason,
                expired == null ? "" : expired.id());
    }

    static Orchestrator orchestrator(ContainerFacts c) {
        if (c.labels().containsKey(K8S_POD_NAME) || c.labels().containsKey(K8S_DOCKER_TYPE)) {
            return Orchestrator.KUBERNETES;
        }
        if (c.labels().containsKey(SWARM_SERVICE)) {
            return Orchestrator.SWARM;
        }
        if (c.labels().containsKey(COMPOSE_PROJECT)) {
            return Orchestrator.COMPOSE;
        }
        return Orchestrator.STANDALONE;
    }
}
