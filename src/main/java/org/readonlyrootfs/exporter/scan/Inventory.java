package org.readonlyrootfs.exporter.scan;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.compliance.ContainerFacts;
import org.readonlyrootfs.exporter.compliance.ServiceFacts;
import org.readonlyrootfs.exporter.compliance.Status;
import org.readonlyrootfs.exporter.compliance.Verdict;
import org.readonlyrootfs.exporter.docker.ContainerDetails;
import org.readonlyrootfs.exporter.docker.ContainerSummary;

/**
 * The containers that exist now, updated by full scans and by events, with no I/O of its own.
 *
 * <p>Scans and events race: a scan's list may predate an event that arrived while the scan ran. Every
 * change carries a sequence number taken when it was observed (for a scan, before its list call), and
 * the newer observation wins: a container destroyed after the list is not brought back by the scan, a
 * container created after the list is not dropped by it, and an inspect that completes late does not
 * overwrite what a later event already said. {@code ReadonlyRootfs} cannot change after creation, so a
 * known container's entry doubles as the inspect cache.
 *
 * <p>Verdicts are made with the clock's time when a container is put, and made again for every
 * container (and swarm service) by {@link #refresh()} once an exemption's expiry has passed, so an
 * expiring exemption turns its containers into findings without any Docker change.
 */
public final class Inventory {
    private record Entry(ContainerFacts facts, Verdict verdict, long firstSeen, long seq) {}

    private Classifier classifier; // guarded by this; replaced whole by a reload
    private final Clock clock;
    private final Map<String, Entry> entries = new HashMap<>();
    private Map<String, Long> destroyedAt = new HashMap<>();
    private final Set<String> findingsCounted = new HashSet<>();
    private long seq;
    private int pending; // observations begun and not ended
    private long findingsDetected;
    private long eventsApplied;
    private List<AuditedContainer> sorted = List.of();
    private boolean dirty;
    private List<AuditedService> services = List.of();
    private Instant nextExpiry;

    public Inventory(Classifier classifier, Clock clock) {
        this.classifier = classifier;
        this.clock = clock;
        this.nextExpiry = classifier.policy().nextExpiryAfter(clock.instant()).orElse(null);
    }

    public synchronized Classifier classifier() {
        return classifier;
    }

    /**
     * Judges every container and swarm service again by {@code next} (a reloaded policy), from the facts
     * it holds: no Docker call. Under this inventory's monitor, so a snapshot (and a scan's or an event's
     * put) sees either every verdict by the old policy or every verdict by the new one, never a mix.
     * Returns how many containers changed verdict.
     */
    public synchronized int judgeBy(Classifier next) {
        classifier = next;
        return judgeAll(clock.instant());
    }

    /** Every verdict made again at {@code now}; returns how many containers changed verdict. */
    private int judgeAll(Instant now) {
        int changed = 0;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Entry old = e.getValue();
            Verdict verdict = classifier.classify(old.facts(), now);
            if (!verdict.equals(old.verdict())) {
                e.setValue(new Entry(old.facts(), verdict, old.firstSeen(), old.seq()));
                countFinding(old.facts().id(), verdict);
                dirty = true;
                changed++;
            }
        }
        services = classify(services.stream().map(AuditedService::facts).toList(), now);
        nextExpiry = classifier.policy().nextExpiryAfter(now).orElse(null);
        return changed;
    }

    /**
     * Judges every container and service again if an exemption has expired since the last time;
     * cheap otherwise. Returns whether it did.
     */
    public synchronized boolean refresh() {
        Instant now = clock.instant();
        if (nextExpiry == null || now.isBefore(nextExpiry)) {
            return false;
        }
        judgeAll(now);
        return true;
    }

    /** Replaces the swarm service specs (a manager's {@code GET /services}); empty on other daemons. */
    public synchronized void services(List<ServiceFacts> specs) {
        services = classify(specs, clock.instant());
    }

    /** The swarm service specs, sorted by name then id. */
    public synchronized List<AuditedService> services() {
        return services;
    }

    private List<AuditedService> classify(List<ServiceFacts> specs, Instant now) {
        List<AuditedService> list = new ArrayList<>(specs.size());
        for (ServiceFacts f : specs) {
            list.add(new AuditedService(f, classifier.classify(f, now)));
        }
        list.sort(Comparator.comparing((AuditedService a) -> a.facts().name())
                .thenComparing(a -> a.facts().id()));
        return List.copyOf(list);
    }

    /** A sequence number for an observation about to be made (an event received, a list call). */
    public synchronized long nextSeq() {
        return ++seq;
    }

    /**
     * As {@link #nextSeq()}, for an observation whose result is applied later (a scan's list call, an
     * inspect after an event): pending until {@link #end()}, which must follow whatever happens.
     */
    public synchronized long begin() {
        pending++;
        return ++seq;
    }

    /**
     * A begun observation was applied or abandoned. Remembered destroys only guard against older
     * observations applied late: once none is pending they are forgotten, without waiting for a
     * successful scan (which may be an interval of up to a day away, or fail for long).
     */
    public synchronized void end() {
        if (pending > 0 && --pending == 0 && !destroyedAt.isEmpty()) {
            destroyedAt = new HashMap<>(); // a new map: a burst of destroys does not leave its large table behind
        }
    }

    /** The cached root filesystem flag of a known container. */
    public synchronized Optional<Boolean> readonly(String id) {
        Entry e = entries.get(id);
        return e == null ? Optional.empty() : Optional.of(e.facts().readonlyRootfs());
    }

    /** An event said the container is gone (destroyed, or its inspect answered 404). */
    public synchronized void gone(String id, long at) {
        Entry e = entries.get(id);
        if (e != null && e.seq() > at) {
            return; // a newer observation says it exists (cannot happen for real ids, but stay monotonic)
        }
        destroyedAt.merge(id, at, Math::max);
        remove(id);
    }

    /** An inspect made for an event observed at {@code at}. */
    public synchronized void inspected(ContainerDetails d, long at) {
        if (destroyedAt.getOrDefault(d.id(), 0L) > at) {
            return;
        }
        Entry e = entries.get(d.id());
        if (e != null && e.seq() > at) {
            return;
        }
        put(
                new ContainerFacts(
                        d.id(),
                        d.name(),
                        d.image(),
                        d.state(),
                        d.labels(),
                        d.createdEpochSeconds(),
                        d.readonlyRootfs()),
                at);
    }

    /** Counts an event that changed (or confirmed) the inventory. */
    public synchronized void eventApplied() {
        eventsApplied++;
    }

    /**
     * Applies a full scan whose list call was observed at {@code at}: every listed container whose
     * root filesystem flag is known (cached or in {@code inspected}) is put with the list's fresh name,
     * state and labels; containers the list did not show are removed unless observed after it.
     */
    public synchronized void scanned(long at, List<ContainerSummary> listed, Map<String, Boolean> inspected) {
        Set<String> present = new HashSet<>();
        for (ContainerSummary s : listed) {
            present.add(s.id());
            if (destroyedAt.getOrDefault(s.id(), 0L) > at) {
                continue;
            }
            Entry e = entries.get(s.id());
            if (e != null && e.seq() > at) {
                continue;
            }
            Boolean readonly = e != null ? Boolean.valueOf(e.facts().readonlyRootfs()) : inspected.get(s.id());
            if (readonly == null) {
                continue; // vanished before its inspect, or its inspect failed: next scan
            }
            put(
                    new ContainerFacts(
                            s.id(), s.name(), s.image(), s.state(), s.labels(), s.createdEpochSeconds(), readonly),
                    at);
        }
        for (String id : new ArrayList<>(entries.keySet())) {
            if (!present.contains(id) && entries.get(id).seq() <= at) {
                remove(id);
            }
        }
        destroyedAt.values().removeIf(destroyed -> destroyed <= at);
    }

    /** The containers, sorted by name then id; rebuilt only after a change. */
    public synchronized List<AuditedContainer> containers() {
        if (dirty) {
            List<AuditedContainer> list = new ArrayList<>(entries.size());
            for (Entry e : entries.values()) {
                list.add(new AuditedContainer(e.facts(), e.verdict(), e.firstSeen()));
            }
            list.sort(Comparator.comparing((AuditedContainer a) -> a.facts().name())
                    .thenComparing(a -> a.facts().id()));
            sorted = List.copyOf(list);
            dirty = false;
        }
        return sorted;
    }

    public synchronized long findingsDetected() {
        return findingsDetected;
    }

    public synchronized long eventsApplied() {
        return eventsApplied;
    }

    /** Entries plus remembered destroys: what this inventory holds in memory (for leak checks). */
    public synchronized int size() {
        return entries.size() + destroyedAt.size() + findingsCounted.size();
    }

    private void put(ContainerFacts facts, long at) {
        Entry old = entries.get(facts.id());
        Instant now = clock.instant();
        Verdict verdict = classifier.classify(facts, now);
        long firstSeen = old != null ? old.firstSeen() : now.getEpochSecond();
        Entry e = new Entry(facts, verdict, firstSeen, at);
        entries.put(facts.id(), e);
        countFinding(facts.id(), verdict);
        if (old == null || !old.facts().equals(facts) || !old.verdict().equals(verdict)) {
            dirty = true;
        }
    }

    private void countFinding(String id, Verdict verdict) {
        if (verdict.status() == Status.FINDING && findingsCounted.add(id)) {
            findingsDetected++;
        }
    }

    private void remove(String id) {
        if (entries.remove(id) != null) {
            dirty = true;
        }
        findingsCounted.remove(id);
    }
}
