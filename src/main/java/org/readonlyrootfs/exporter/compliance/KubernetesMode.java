package org.readonlyrootfs.exporter.compliance;

/** How Kubernetes-managed containers are judged ({@code compliance.kubernetes}). */
public enum KubernetesMode {
    /** Not Applicable, as the STIG says for Kubernetes orchestration (the default). */
    NOT_APPLICABLE,
    /** Judged like any other container: exemptions, then the root filesystem. */
    AUDIT
}
