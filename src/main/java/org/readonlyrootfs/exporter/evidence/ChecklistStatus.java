package org.readonlyrootfs.exporter.evidence;

/** The status of rule V-260936 on a checklist, spelled as each format wants it. */
public enum ChecklistStatus {
    /** A container (or swarm service) with a writable root filesystem. */
    OPEN("open", "Open"),
    /** No writable container outside an exemption. */
    NOT_A_FINDING("not_a_finding", "NotAFinding"),
    /** Every container is managed by Kubernetes, where the STIG says the check is Not Applicable. */
    NOT_APPLICABLE("not_applicable", "Not_Applicable");

    private final String cklb;
    private final String ckl;

    ChecklistStatus(String cklb, String ckl) {
        this.cklb = cklb;
        this.ckl = ckl;
    }

    /** As in a STIG Viewer 3 {@code .cklb} (and the {@code /findings} JSON). */
    public String cklb() {
        return cklb;
    }

    /** As in a STIG Viewer 2 {@code .ckl}. */
    public String ckl() {
        return ckl;
    }
}
