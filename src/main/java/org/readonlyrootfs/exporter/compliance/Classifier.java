package org.readonlyrootfs.exporter.compliance;

/**
 * Pure verdict logic for STIG V-260936: no I/O, no Prometheus, no docker-java.
 *
 * <p>Order matters: Kubernetes-managed containers are Not Applicable (the STIG says so for
 * Kubernetes orchestration), then MKE/MSR system containers are exempt when that switch is on,
 * then the root filesystem decides.
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

    private final boolean exemptSystemContainers;

    /** @param exemptSystemContainers whether MKE ({@code ucp-}) and MSR ({@code dtr-}) containers are exempt */
    public Classifier(boolean exemptSystemContainers) {
        this.exemptSystemContainers = exemptSystemContainers;
    }

    public Verdict classify(ContainerFacts c) {
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
        Status status;
        String reason;
        if (orchestrator == Orchestrator.KUBERNETES) {
            status = Status.NOT_APPLICABLE;
            reason = "managed by Kubernetes: the STIG check is Not Applicable under Kubernetes orchestration";
        } else if (exemptSystemContainers && systemContainerReason(c) != null) {
            status = Status.EXEMPT;
            reason = systemContainerReason(c);
        } else if (c.readonlyRootfs()) {
            status = Status.COMPLIANT;
            reason = "root filesystem is read-only (HostConfig.ReadonlyRootfs=true)";
        } else {
            status = Status.FINDING;
            reason = "root filesystem is writable (HostConfig.ReadonlyRootfs=false)";
        }
        return new Verdict(status, orchestrator, stack, service, reason);
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

    /** Why the container is an MKE/MSR system container, or null if it is not one. */
    static String systemContainerReason(ContainerFacts c) {
        if (c.labels().containsKey(UCP_VERSION)) {
            return "MKE system container (label " + UCP_VERSION + "): the STIG fix targets nonsystem containers";
        }
        if (c.labels().containsKey(DTR_VERSION)) {
            return "MSR system container (label " + DTR_VERSION + "): the STIG fix targets nonsystem containers";
        }
        if (c.name().startsWith("ucp-")) {
            return "MKE system container (name ucp-*): the STIG fix targets nonsystem containers";
        }
        if (c.name().startsWith("dtr-")) {
            return "MSR system container (name dtr-*): the STIG fix targets nonsystem containers";
        }
        return null;
    }
}
