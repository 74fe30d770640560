package org.readonlyrootfs.exporter.scan;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.readonlyrootfs.exporter.compliance.Status;

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
        long eventsApplied) {

    public Snapshot {
        containers = List.copyOf(containers);
        dockerRequests = Map.copyOf(dockerRequests);
    }

    /** Before the first scan: nothing known yet. */
    public static Snapshot initial(String host) {
        return new Snapshot(host, "", false, false, "no scan has run yet", List.of(), 0, 0, 0, 0, 0, 0, Map.of(),
                false, 0);
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
