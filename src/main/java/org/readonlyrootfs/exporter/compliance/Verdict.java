package org.readonlyrootfs.exporter.compliance;

import java.util.Objects;

/**
 * The classification of one container or swarm service.
 *
 * @param status       the one status it gets
 * @param orchestrator who manages it
 * @param stack        swarm stack, compose project or kubernetes namespace; empty if none
 * @param service      swarm service, compose service or kubernetes pod; empty if none
 * @param reason       why this status, in words an auditor can read
 * @param exemption    id of the exemption that selected it (the one that applies if {@code status}
 *                     is exempt, else an expired one); empty if none
 */
public record Verdict(
        Status status, Orchestrator orchestrator, String stack, String service, String reason, String exemption) {
    public Verdict {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(orchestrator, "orchestrator");
        stack = stack == null ? "" : stack;
        service = service == null ? "" : service;
        reason = reason == null ? "" : reason;
        exemption = exemption == null ? "" : exemption;
    }

    public Verdict(Status status, Orchestrator orchestrator, String stack, String service, String reason) {
        this(status, orchestrator, stack, service, reason, "");
    }

    /** Whether an exemption selected it but has expired, so that it no longer applies. */
    public boolean exemptionExpired() {
        return !exemption.isEmpty() && status != Status.EXEMPT;
    }
}
