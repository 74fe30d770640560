package org.readonlyrootfs.exporter.authz;

/** What the plugin decided: the {@code decision} label. */
public enum Outcome {
    /** Allowed: compliant, or nothing the policy judges. */
    ALLOWED("allowed"),
    /** Allowed because an exemption in force selects it, or Kubernetes manages it (not applicable). */
    EXEMPT("exempt"),
    /** Refused (enforce mode). */
    REFUSED("refused"),
    /** Allowed in audit mode, but enforce mode would refuse it. */
    WOULD_REFUSE("would_refuse");

    private final String label;

    Outcome(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
