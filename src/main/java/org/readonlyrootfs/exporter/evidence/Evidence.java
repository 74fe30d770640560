package org.readonlyrootfs.exporter.evidence;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.UUID;
import org.readonlyrootfs.exporter.compliance.Status;
import org.readonlyrootfs.exporter.compliance.StigRule;
import org.readonlyrootfs.exporter.config.EvidenceAsset;
import org.readonlyrootfs.exporter.product.BuildInfo;
import org.readonlyrootfs.exporter.scan.AuditedContainer;
import org.readonlyrootfs.exporter.scan.Snapshot;

/**
 * What a checklist says about rule V-260936 for one host, built from a {@link Snapshot}: the asset,
 * the status, the finding details (each writable container as the STIG command prints it, each
 * exemption with its reason) and the comments (tool, scan time). Shared by the {@code .cklb} and
 * {@code .ckl} writers.
 *
 * @param host           the checklist's host name: {@code evidence.asset.name}, else the daemon's name
 * @param daemonVersion  the daemon's version
 * @param asset          the configured asset (FQDN, IP, MAC, role, marking)
 * @param status         the rule's status
 * @param findingDetails the finding details, at most {@link #MAX_TEXT} characters
 * @param comments       the comments, at most {@link #MAX_TEXT} characters
 */
public record Evidence(
        String host,
        String daemonVersion,
        EvidenceAsset asset,
        ChecklistStatus status,
        String findingDetails,
        String comments) {
    /** STIG Manager keeps at most this many characters of finding details and of comments. */
    public static final int MAX_TEXT = 32_767;

    /**
     * The evidence of a snapshot.
     *
     * @param asset        the asset the checklist names
     * @param completeList where every finding can be read when the details had to be cut, completing
     *                     "the complete list is …": see {@link #atEndpoint}, {@link #inFile}, {@link #RUN_WITH_JSON}
     */
    public static Evidence of(Snapshot s, Instant generatedAt, EvidenceAsset asset, String completeList) {
        Instant at = generatedAt.truncatedTo(ChronoUnit.SECONDS);
        return new Evidence(
                asset.hostName(s.host()),
                s.daemonVersion(),
                asset,
                status(s),
                Details.of(s, at).fit(MAX_TEXT, completeList),
                Details.cut(comments(s, at), MAX_TEXT, completeList));
    }

    /** The complete list at an endpoint of the exporter, e.g. {@code http://host:9966/findings}. */
    public static String atEndpoint(String urlOrPath) {
        return "at " + urlOrPath + " of the exporter";
    }

    /** The complete list in the file {@code check --output.json} wrote. */
    public static String inFile(String file) {
        return "in " + file + " (check --output.json)";
    }

    /** For {@code check} run without {@code --output.json}. */
    public static final String RUN_WITH_JSON = "in the JSON evidence: run check again with --output.json=FILE";

    /** Open if any container or swarm service is a finding; Not_Applicable if every container is; else NotAFinding. */
    public static ChecklistStatus status(Snapshot s) {
        boolean finding = s.containers().stream().anyMatch(c -> c.verdict().status() == Status.FINDING)
                || s.services().stream().anyMatch(c -> c.verdict().status() == Status.FINDING);
        if (finding) {
            return ChecklistStatus.OPEN;
        }
        boolean allNotApplicable = !s.containers().isEmpty()
                && s.services().isEmpty()
                && s.containers().stream().allMatch(c -> c.verdict().status() == Status.NOT_APPLICABLE);
        return allNotApplicable ? ChecklistStatus.NOT_APPLICABLE : ChecklistStatus.NOT_A_FINDING;
    }

    /** A stable id for this host's checklist (and its STIG and rule), so that repeated exports match. */
    public UUID checklistId() {
        return uuid("checklist:" + host);
    }

    public static UUID stigUuid() {
        return uuid("stig:" + StigRule.BENCHMARK_ID + ":" + StigRule.STIG_VERSION + ":" + StigRule.RELEASE_INFO);
    }

    public static UUID ruleUuid() {
        return uuid("rule:" + StigRule.RULE_ID);
    }

    private static UUID uuid(String name) {
        return UUID.nameUUIDFromBytes((BuildInfo.NAME + ":" + name).getBytes(StandardCharsets.UTF_8));
    }

    /** The STIG command's line for a container: {@code /name: ReadonlyRootfs=false}. */
    static String stigLine(AuditedContainer c) {
        return "/" + c.facts().name() + ": ReadonlyRootfs=" + c.facts().readonlyRootfs();
    }

    /** How a finding's fix line starts in the details, under the finding's own line. */
    static final String FIX = "  fix: ";

    /** The details in full, as {@link Details}. */
    static String details(Snapshot s, Instant now) {
        return Details.of(s, now).text();
    }

    static String findingLine(AuditedContainer c) {
        return stigLine(c) + " (" + where(c)
                + (c.verdict().exemptionExpired() ? ", exemption " + c.verdict().exemption() + " expired" : "") + ")";
    }

    static String exemptLine(AuditedContainer c) {
        return stigLine(c) + ", exemption " + c.verdict().exemption() + " (" + where(c) + ")";
    }

    private static String where(AuditedContainer c) {
        StringBuilder b = new StringBuilder("id ")
                .append(c.facts().shortId())
                .append(", image ")
                .append(c.facts().image())
                .append(", state ")
                .append(c.facts().state());
        if (!c.verdict().stack().isEmpty()) {
            b.append(", ")
                    .append(c.verdict().orchestrator().label())
                    .append(" stack ")
                    .append(c.verdict().stack());
        }
        if (!c.verdict().service().isEmpty()) {
            b.append(", service ").append(c.verdict().service());
        }
        return b.toString();
    }

    static String comments(Snapshot s, Instant generatedAt) {
        StringBuilder b = new StringBuilder();
        b.append("Evaluated automatically by readonly-rootfs-exporter ")
                .append(BuildInfo.version())
                .append(" through the Docker Engine API of host ")
                .append(s.host())
                .append(" (Docker ")
                .append(s.daemonVersion())
                .append("): HostConfig.ReadonlyRootfs of every container, stopped ones")
                .append(" included, the value the STIG check command prints");
        if (s.swarmManager()) {
            b.append(", and TaskTemplate.ContainerSpec.ReadOnly of every swarm service spec");
        }
        b.append(". Scan: ")
                .append(scanTime(s))
                .append("; checklist generated ")
                .append(generatedAt)
                .append('.');
        if (!s.dockerUp()) {
            b.append(" The Docker daemon did not answer the latest scan (")
                    .append(s.lastError())
                    .append("): these are the results of the last successful scan.");
        }
        b.append(" Kubernetes-managed containers: ")
                .append(s.policy().kubernetes().name().toLowerCase(Locale.ROOT))
                .append(" (compliance.kubernetes). MKE/MSR system containers: ")
                .append(s.policy().exemptSystemContainers() ? "exempt" : "judged like the others")
                .append(" (compliance.exempt-system-containers).");
        return b.toString();
    }

    static String scanTime(Snapshot s) {
        return s.lastSuccessEpochSeconds() > 0
                ? Instant.ofEpochSecond((long) s.lastSuccessEpochSeconds()).toString()
                : "none";
    }
}
