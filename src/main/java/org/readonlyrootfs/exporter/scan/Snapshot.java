package org.readonlyrootfs.exporter.scan;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.readonlyrootfs.exporter.compliance.CompliancePolicy;
import org.readonlyrootfs.exporter.compliance.Exemption;
import org.readonlyrootfs.exporter.compliance.Status;
import org.readonlyrootfs.exporter.remediation.Plan;
import org.readonlyrootfs.exporter.remediation.PlanKind;

/**
 * Everything a scrape or a page renders, immutable, replaced whole after each scan.
 *
 * @param host                    the daemon's name (from {@code GET /info}); a fallback until it first answers
 * @param daemonVersion           the daemon's version; empty until it first answers
 * @param dockerUp                whether the last scan reached the daemon
 * @param everSucceeded           whether any scan has succeeded yet
 * @param lastError               why the last scan failed; empty if it did not
 * @param containers              the containers that exist now (as of the last successful scan and the
 *                                events since), sorted by name then id
 * @param unchecked               containers listed in the last successful scan whose inspect failed
 * @param scanDurationSeconds     duration of the last scan
 * @param lastSuccessEpochSeconds unix time of the last successful scan; 0 if none
 * @param scansSucceeded          scans that succeeded
 * @param scansFailed             scans that failed
 * @param findingsDetected        container ids first seen as a finding
 * @param dockerRequests          Docker API requests sent, by operation
 * @param eventsStreamUp          whether the Docker events stream is connected
 * @param eventsApplied           container events applied to the inventory
 * @param services                the swarm service specs, sorted by name; empty unless the daemon is a
 *                                swarm manager
 * @param swarmManager            whether the daemon is a swarm manager (as of its last {@code GET /info})
 * @param policy                  how containers are judged: Kubernetes handling and exemptions
 * @param remediations            the remediation plan of each finding whose writes were read, by full container id
 */
public record Snapshot(
        String host,
        String daemonVersion,
        boolean dockerUp,
        boolean everSucceeded,
        String lastError,
        List<AuditedContainer> containers,
        int unchecked,
        double scanDurationSeconds,
        double lastSuccessEpochSeconds,
        long scansSucceeded,
        long scansFailed,
        long findingsDetected,
        Map<String, Long> dockerRequests,
        boolean eventsStreamUp,
        long eventsApplied,
        List<AuditedService> services,
        boolean swarmManager,
        CompliancePolicy policy,
        Map<String, Plan> remediations) {

    public Snapshot {
        containers = List.copyOf(containers);
        dockerRequests = Map.copyOf(dockerRequests);
        services = List.copyOf(services);
        remediations = Map.copyOf(remediations);
    }

    /** The same snapshot with these remediation plans. */
    public Snapshot withRemediations(Map<String, Plan> plans) {
        return new Snapshot(
                host,
                daemonVersion,
                dockerUp,
                everSucceeded,
                lastError,
                containers,
                unchecked,
                scanDurationSeconds,
                lastSuccessEpochSeconds,
                scansSucceeded,
                scansFailed,
                findingsDetected,
                dockerRequests,
                eventsStreamUp,
                eventsApplied,
                services,
                swarmManager,
                policy,
                plans);
    }

    /** The plan of a container, if it is a finding whose writes were read. */
    public Optional<Plan> remediation(AuditedContainer c) {
        return c.verdict().status() == Status.FINDING
                ? Optional.ofNullable(remediations.get(c.facts().id()))
                : Optional.empty();
    }

    /** Finding containers per plan kind, every kind present. */
    public Map<PlanKind, Integer> remediationCounts() {
        Map<PlanKind, Integer> counts = new EnumMap<>(PlanKind.class);
        for (PlanKind k : PlanKind.values()) {
            counts.put(k, 0);
        }
        for (AuditedContainer c : containers) {
            remediation(c).ifPresent(p -> counts.merge(p.kind(), 1, Integer::sum));
        }
        return counts;
    }

    /** A snapshot without swarm services, under the default policy. */
    public Snapshot(
            String host,
            String daemonVersion,
            boolean dockerUp,
            boolean everSucceeded,
            String lastError,
            List<AuditedContainer> containers,
            int unchecked,
            double scanDurationSeconds,
            double lastSuccessEpochSeconds,
            long scansSucceeded,
            long scansFailed,
            long findingsDetected,
            Map<String, Long> dockerRequests,
            boolean eventsStreamUp,
            long eventsApplied) {
        this(
                host,
                daemonVersion,
                dockerUp,
                everSucceeded,
                lastError,
                containers,
                unchecked,
                scanDurationSeconds,
                lastSuccessEpochSeconds,
                scansSucceeded,
                scansFailed,
                findingsDetected,
                dockerRequests,
                eventsStreamUp,
                eventsApplied,
                List.of(),
                false,
                CompliancePolicy.defaults(),
                Map.of());
    }

    /** Before the first scan: nothing known yet. */
    public static Snapshot initial(String host) {
        return new Snapshot(
                host, "", false, false, "no scan has run yet", List.of(), 0, 0, 0, 0, 0, 0, Map.of(), false, 0);
    }

    /** Swarm services per status, every status but not_applicable present. */
    public Map<Status, Integer> serviceCounts() {
        Map<Status, Integer> counts = new EnumMap<>(Status.class);
        for (Status s : Status.values()) {
            if (s != Status.NOT_APPLICABLE) {
                counts.put(s, 0);
            }
        }
        for (AuditedService a : services) {
            counts.merge(a.verdict().status(), 1, Integer::sum);
        }
        return counts;
    }

    /**
     * Every exemption in effect (the built-in one first), with the number of containers and swarm
     * services it selects now: those it exempts, plus those it would exempt had it not expired.
     */
    public Map<Exemption, Integer> exemptionMatches() {
        Map<String, Integer> byId = new LinkedHashMap<>();
        containers.forEach(c -> byId.merge(c.verdict().exemption(), 1, Integer::sum));
        services.forEach(s -> byId.merge(s.verdict().exemption(), 1, Integer::sum));
        Map<Exemption, Integer> out = new LinkedHashMap<>();
        for (Exemption e : policy.effective()) {
            out.put(e, byId.getOrDefault(e.id(), 0));
        }
        return out;
    }

    /** Containers per status, every status present. */
    public Map<Status, Integer> counts() {
        Map<Status, Integer> counts = new EnumMap<>(Status.class);
        for (Status s : Status.values()) {
            counts.put(s, 0);
        }
        for (AuditedContainer c : containers) {
            counts.merge(c.verdict().status(), 1, Integer::sum);
        }
        return counts;
    }
}
