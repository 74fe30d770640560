package org.readonlyrootfs.exporter.authz;

/**
 * Where the exporter already knows a remediation plan for a container of the same image on this node,
 * the plugin's refusal says it. Implementations answer from what they already hold (a file, memory):
 * never a call to Docker, the daemon is waiting for the plugin's answer.
 */
public interface FixHints {
    /** The plan for a container of {@code image} on this node, in one line; empty if none is known. */
    java.util.Optional<String> forImage(String image);

    /** No hints. */
    FixHints NONE = image -> java.util.Optional.empty();
}
