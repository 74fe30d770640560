package org.readonlyrootfs.exporter.compliance;

import java.util.Objects;

/**
 * The classification of one container.
 *
 * @param status       the one status the container gets
 * @param orchestrator who manages it
 * @param stack        swarm stack, compose project or kubernetes namespace; empty if none
 * @param service      swarm service, compose service or kubernetes pod; empty if none
 * @param reason       why this status, in words an auditor can read
 */
public record Verdict(Status status, Orchestrator orchestrator, String stack, String service, String reason) {
    public Verdict {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(orchestrator, "orchestrator");
        stack = stack == null ? "" : stack;
        service = service == null ? "" : service;
        reason = reason == null ? "" : reason;
    }
}
