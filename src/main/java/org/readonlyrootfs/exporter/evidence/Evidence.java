package org.readonlyrootfs.exporter.evidence;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.readonlyrootfs.exporter.compliance.Exemption;
import org.readonlyrootfs.exporter.compliance.Status;
import org.readonlyrootfs.exporter.compliance.StigRule;
import org.readonlyrootfs.exporter.product.BuildInfo;
import org.readonlyrootfs.exporter.scan.AuditedContainer;
import org.readonlyrootfs.exporter.scan.AuditedService;
import org.readonlyrootfs.exporter.scan.Snapshot;

/**
 * What a checklist says about rule V-260936 for one host, built from a {@link Snapshot}: the status,
 * the finding details (each writable container as the STIG command prints it, each exemption with its
 * reason) and the comments (tool, scan time). Shared by the {@code .cklb} and {@code .ckl} writers.
 *
 * @param host           the daemon's name: the checklist's target
 * @param daemonVersion  the daemon's version
 * @param status         the rule's status
 * @param findingDetails the finding details, at most {@link #MAX_TEXT} characters
 * @param comments       the comments, at most {@link #MAX_TEXT} characters
 */
public record Evidence(
        String host, String daemonVersion, ChecklistStatus status, String findingDetails, String comments) {
    /** STIG Manager keeps at most this many characters of finding details and of comments. */
    public static final int MAX_TEXT = 32_767;

    public static Evidence of(Snapshot s, Instant generatedAt) {
        Instant at = generatedAt.truncatedTo(ChronoUnit.SECONDS);
        return new Evidence(
                s.host(),
                s.daemonVersion(),
                status(s),
                cut(withoutLongestFixes(details(s, at), MAX_TEXT), MAX_TEXT),
                cut(comments(s, at), MAX_TEXT));
    }

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

    static String details(Snapshot s, Instant now) {
        List<String> lines = new ArrayList<>();
        Map<Status, Integer> counts = s.counts();
        lines.add("Host " + s.host() + " (Docker " + s.daemonVersion() + "), scan of " + scanTime(s) + ": "
                + s.containers().size() + " containers: " + counts.get(Status.FINDING) + " finding, "
                + counts.get(Status.COMPLIANT) + " compliant, " + counts.get(Status.EXEMPT) + " exempt, "
                + counts.get(Status.NOT_APPLICABLE) + " not_applicable.");
        if (s.swarmManager()) {
            Map<Status, Integer> sc = s.serviceCounts();
            lines.add("Swarm manager: " + s.services().size() + " services: " + sc.get(Status.FINDING) + " finding, "
                    + sc.get(Status.COMPLIANT) + " compliant, " + sc.get(Status.EXEMPT) + " exempt.");
        }
        if (s.unchecked() > 0) {
            lines.add(s.unchecked() + " listed containers could not be inspected and are not in this evidence.");
        }
        section(
                lines,
                "Containers with a writable root filesystem (findings):",
                s.containers(),
                Status.FINDING,
                c -> stigLine(c) + " (" + where(c)
                        + (c.verdict().exemptionExpired()
                                ? ", exemption " + c.verdict().exemption() + " expired"
                                : "") + ")\n" + FIX
                        + Remediations.line(s.remediation(c)));
        List<String> services = new ArrayList<>();
        for (AuditedService a : s.services()) {
            if (a.verdict().status() == Status.FINDING) {
                services.add(a.facts().name() + ": ReadOnly=false (" + a.facts().mode()
                        + (a.verdict().stack().isEmpty()
                                ? ""
                                : ", stack " + a.verdict().stack())
                        + ", image " + a.facts().image() + ")"
                        + Remediations.service(s, a)
                                .map(u ->
                                        "\n" + FIX + Remediations.line(a.facts().name(), u))
                                .orElse(""));
            }
        }
        if (!services.isEmpty()) {
            lines.add("");
            lines.add("Swarm services that create containers with a writable root filesystem"
                    + " (TaskTemplate.ContainerSpec.ReadOnly not true):");
            lines.addAll(services);
        }
        section(
                lines,
                "Exempt containers:",
                s.containers(),
                Status.EXEMPT,
                c -> stigLine(c) + ", exemption " + c.verdict().exemption() + " (" + where(c) + ")");
        List<String> exemptServices = new ArrayList<>();
        for (AuditedService a : s.services()) {
            if (a.verdict().status() == Status.EXEMPT) {
                exemptServices.add(a.facts().name() + ": ReadOnly=" + a.facts().readOnly() + ", exemption "
                        + a.verdict().exemption());
            }
        }
        if (!exemptServices.isEmpty()) {
            lines.add("");
            lines.add("Exempt swarm services:");
            lines.addAll(exemptServices);
        }
        Map<Exemption, Integer> matches = s.exemptionMatches();
        if (!matches.isEmpty()) {
            lines.add("");
            lines.add("Exemptions:");
            for (Map.Entry<Exemption, Integer> e : matches.entrySet()) {
                Exemption x = e.getKey();
                boolean expired = !x.activeAt(now);
                lines.add(x.id() + (expired ? " (EXPIRED)" : "") + ": " + x.explanation() + "; selects "
                        + x.describeMatch() + "; " + e.getValue() + (e.getValue() == 1 ? " match" : " matches"));
            }
        }
        section(
                lines,
                "Not applicable (managed by Kubernetes):",
                s.containers(),
                Status.NOT_APPLICABLE,
                Evidence::stigLine);
        section(lines, "Compliant containers:", s.containers(), Status.COMPLIANT, Evidence::stigLine);
        return String.join("\n", lines);
    }

    /**
     * {@code text} with its longest fix lines dropped, one after the other, until it fits in {@code max}: the
     * list of findings outlives their fixes (every fix stays at /findings).
     */
    static String withoutLongestFixes(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        List<Integer> fixes = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(FIX)) {
                fixes.add(i);
            }
        }
        fixes.sort((a, b) -> Integer.compare(lines.get(b).length(), lines.get(a).length()));
        int length = text.length();
        java.util.Set<Integer> dropped = new java.util.HashSet<>();
        for (int i : fixes) {
            if (length <= max) {
                break;
            }
            length -= lines.get(i).length() + 1;
            dropped.add(i);
        }
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!dropped.contains(i)) {
                kept.add(lines.get(i));
            }
        }
        return String.join("\n", kept);
    }

    private static void section(
            List<String> lines,
            String title,
            List<AuditedContainer> containers,
            Status status,
            Function<AuditedContainer, String> line) {
        List<String> out = new ArrayList<>();
        for (AuditedContainer c : containers) {
            if (c.verdict().status() == status) {
                out.add(line.apply(c));
            }
        }
        if (!out.isEmpty()) {
            lines.add("");
            lines.add(title);
            lines.addAll(out);
        }
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

    private static String scanTime(Snapshot s) {
        return s.lastSuccessEpochSeconds() > 0
                ? Instant.ofEpochSecond((long) s.lastSuccessEpochSeconds()).toString()
                : "none";
    }

    /**
     * {@code text} if it fits in {@code max} characters; else as many whole lines as fit, then a note
     * saying how many were cut and where to find them all.
     */
    static String cut(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        String[] lines = text.split("\n", -1);
        StringBuilder b = new StringBuilder();
        int kept = 0;
        for (String line : lines) {
            String note = note(lines.length - kept);
            if (b.length() + line.length() + 1 + note.length() > max) {
                break;
            }
            b.append(line).append('\n');
            kept++;
        }
        String note = note(lines.length - kept);
        if (kept == 0) {
            // not even the first line fits: cut inside it
            int room = Math.max(0, Math.min(lines[0].length(), max - note.length() - 1));
            b.append(lines[0], 0, room).append('\n');
        }
        return b.append(note).toString();
    }

    private static String note(int cutLines) {
        return "[cut: " + cutLines + " more lines: STIG Manager keeps " + MAX_TEXT
                + " characters; the complete list is at /findings of the exporter]";
    }
}
