package org.readonlyrootfs.exporter.compliance;

/**
 * The one STIG rule this exporter checks: its identifiers and, for checklists, its texts as DISA
 * publishes them in the Mirantis Kubernetes Engine STIG (rule {@value #RULE_ID}, unchanged from V1R1
 * to V2R1).
 */
public final class StigRule {
    public static final String FINDING_ID = "V-260936";
    public static final String RULE_ID = "SV-260936r966165_rule";
    public static final String STIG_ID = "CNTR-MK-001160";
    public static final String CCI = "CCI-002233";
    /**
     * The SRG requirement the rule implements, which DISA's checklists carry as the group title
     * ({@code Group_Title} in a {@code .ckl}, {@code group_title} in a {@code .cklb}).
     */
    public static final String SRG_ID = "SRG-APP-000342-CTR-000775";

    public static final String SEVERITY = "medium";
    /** The checklists' {@code Weight}: 10.0 for every DISA rule. */
    public static final String WEIGHT = "10.0";

    /** The STIG (benchmark) the rule belongs to. */
    public static final String STIG_NAME = "Mirantis Kubernetes Engine Security Technical Implementation Guide";

    public static final String STIG_DISPLAY_NAME = "Mirantis Kubernetes Engine";
    /** The XCCDF benchmark id, by which STIG Manager and STIG Viewer recognise the STIG. */
    public static final String BENCHMARK_ID = "Mirantis_Kubernetes_Engine_STIG";

    public static final String STIG_VERSION = "2";
    public static final String RELEASE_INFO = "Release: 1 Benchmark Date: 27 Aug 2024";

    public static final String TITLE =
            "All containers must be restricted to mounting the root filesystem as read only.";

    public static final String DISCUSSION = "The container's root filesystem must be treated as a \"golden image\" by"
            + " using Docker run's --read-only option. This prevents any writes to the container's root filesystem at"
            + " container runtime and enforces the principle of immutable infrastructure. Enabling this option forces"
            + " containers at runtime to explicitly define their data writing strategy to persist or not persist their"
            + " data. This also reduces security attack vectors since the container instance's filesystem cannot be"
            + " tampered with or written to unless it has explicit read-write permissions on its filesystem folder and"
            + " directories.";

    /** The STIG's check command, run by hand; the exporter answers the same for every container. */
    public static final String CHECK_COMMAND = "docker ps --quiet --all | xargs -L 1 docker inspect --format"
            + " '{{ .Name }}: ReadonlyRootfs={{ .HostConfig.ReadonlyRootfs }}'";

    public static final String CHECK_TEXT = "When using Kubernetes orchestration, this check is Not Applicable.\n\n"
            + "For Swarm orchestration, check via CLI:\n\n"
            + "Linux: As an MKE Admin, execute the following command using a Universal Control Plane (MKE) client"
            + " bundle:\n\n"
            + CHECK_COMMAND + "\n\n"
            + "If ReadonlyRootfs=false, it means the container's root filesystem is writable and this is a finding.";

    public static final String FIX_TEXT = "When using Kubernetes orchestration, this check is Not Applicable.\n\n"
            + "When using Swarm orchestration, review and remove nonsystem containers previously created by these users"
            + " with read write permissions using:\n\n"
            + "docker container rm [container]\n\n"
            + "Add a --read-only flag at a container's runtime to enforce the container's root filesystem to be mounted"
            + " as read only:\n\n"
            + "docker run <Run arguments> --read-only <Container Image Name or ID> <Command>\n\n"
            + "Enabling this option forces containers at runtime to explicitly define their data writing strategy to"
            + " persist or not persist their data. This also reduces security attack vectors since the container"
            + " instance's filesystem cannot be tampered with or written to unless it has explicit read-write"
            + " permissions on its filesystem folder and directories.";

    private StigRule() {}

    /** The rule id without its {@code _rule} suffix, as STIG Viewer 3 writes {@code rule_id}. */
    public static String ruleIdShort() {
        return RULE_ID.substring(0, RULE_ID.length() - "_rule".length());
    }
}
