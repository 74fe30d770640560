package org.readonlyrootfs.exporter.metrics;

/** The identifiers of the one STIG rule this exporter checks. */
public final class StigRule {
    public static final String FINDING_ID = "V-260936";
    public static final String RULE_ID = "SV-260936r966165_rule";
    public static final String STIG_ID = "CNTR-MK-001160";
    public static final String CCI = "CCI-002233";
    public static final String SEVERITY = "medium";
    public static final String TITLE = "Mirantis Kubernetes Engine: containers must use a read-only root filesystem";

    private StigRule() {
    }
}
