package org.readonlyrootfs.exporter.compliance;

/** The one verdict every container gets for STIG rule V-260936. */
public enum Status {
    /** Root filesystem read-only. */
    COMPLIANT("compliant"),
    /** Root filesystem writable: an open finding. */
    FINDING("finding"),
    /** Selected by an exemption that has not expired: the built-in MKE/MSR one, or a configured one. */
    EXEMPT("exempt"),
    /** Managed by Kubernetes: the STIG check is Not Applicable ({@code compliance.kubernetes}). */
    NOT_APPLICABLE("not_applicable");

    private final String label;

    Status(String label) {
        this.label = label;
    }

    /** The value of the {@code status} label. */
    public String label() {
        return label;
    }
}
