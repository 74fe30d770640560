package org.readonlyrootfs.exporter.remediation;

/** The kind of remediation a finding needs. */
public enum PlanKind {
    /** Started and wrote nothing to its root filesystem: {@code --read-only} alone is enough. */
    NO_WRITES("no_writes"),
    /** Every write goes to places a tmpfs can hold. */
    TMPFS_ONLY("tmpfs_only"),
    /** At least one place needs a named volume (data to keep, or image content to keep visible). */
    NEEDS_VOLUME("needs_volume"),
    /** Never started: nothing observed, the STIG's generic fix applies. */
    NOT_OBSERVED("not_observed"),
    /** No plan can be derived: the changes were unreadable, or every write lands where no mount can go. */
    UNKNOWN("unknown");

    private final String label;

    PlanKind(String label) {
        this.label = label;
    }

    /** The value used in output and labels. */
    public String label() {
        return label;
    }
}
