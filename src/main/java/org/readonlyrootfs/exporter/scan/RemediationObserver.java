package org.readonlyrootfs.exporter.scan;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.readonlyrootfs.exporter.compliance.Status;
import org.readonlyrootfs.exporter.docker.DockerException;
import org.readonlyrootfs.exporter.docker.DockerGateway;
import org.readonlyrootfs.exporter.docker.RuntimeFacts;
import org.readonlyrootfs.exporter.remediation.ContainerContext;
import org.readonlyrootfs.exporter.remediation.ObservedWrites;
import org.readonlyrootfs.exporter.remediation.Plan;
import org.readonlyrootfs.exporter.remediation.PlanKind;
import org.readonlyrootfs.exporter.remediation.Planner;
import org.readonlyrootfs.exporter.remediation.WriteObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a remediation plan for every finding: reads what the container wrote ({@code GET
 * /containers/{id}/changes}, streamed into a bounded {@link WriteObserver}) and the inspect fields a plan
 * needs, one container at a time on a thread of its own (so at most one such call is in flight), and
 * hands the result to the pure {@link Planner}. A finding is read again once its plan is older than
 * {@code refresh}, or at once when a container that had never started has started since. A container
 * that vanished, or a call that fails, never fails a scan: its plan is {@code unknown} until the next try.
 */
public final class RemediationObserver implements AutoCloseable {
    /** How often the inventory is looked at for findings that need a (new) plan; no Docker call unless due. */
    static final Duration TICK = Duration.ofMillis(500);
    /** Where Docker binds its init process (tini) into a container run with {@code --init}. */
    static final String DOCKER_INIT = "/sbin/docker-init";
    /** Plans are published at most this often during a pass (and at its end): a pass stays O(N), not O(N²). */
    static final Duration PUBLISH_EVERY = Duration.ofMillis(250);

    private static final Logger LOG = LoggerFactory.getLogger(RemediationObserver.class);

    private final DockerGateway docker;
    private final Supplier<List<AuditedContainer>> containers;
    private final Duration refresh;
    private final Clock clock;
    private final Planner planner = new Planner();
    /** A plan and when it was made (a failed call makes an unknown plan: tried again after refresh too). */
    private record Observation(Plan plan, Instant triedAt) {}

    private final Map<String, Observation> plans = new ConcurrentHashMap<>();
    private final Map<String, String> lastError = new ConcurrentHashMap<>();
    private volatile Map<String, Plan> published = Map.of();
    private volatile boolean dirty; // plans changed since the last publish
    private volatile long publishedAt = System.nanoTime();
    private final ScheduledExecutorService thread;

    public RemediationObserver(
            DockerGateway docker, Supplier<List<AuditedContainer>> containers, Duration refresh, Clock clock) {
        this.docker = docker;
        this.containers = containers;
        this.refresh = refresh;
        this.clock = clock;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "remediation");
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        try {
            thread.scheduleWithFixedDelay(this::observeDue, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /**
     * The current plans by full container id: an immutable map, replaced whole as observations are made (at
     * most every {@link #PUBLISH_EVERY} during a pass, and at its end).
     */
    public Map<String, Plan> plans() {
        return published;
    }

    /**
     * Observes every finding that is due, one after the other, on the calling thread; returns how many it
     * observed. The background thread runs this every {@link #TICK}; {@code check} runs it once.
     */
    public int observeDue() {
        int observed = 0;
        try {
            List<AuditedContainer> due = due();
            for (AuditedContainer c : due) {
                if (Thread.currentThread().isInterrupted()) {
                    break;
                }
                observe(c);
                observed++;
                if (System.nanoTime() - publishedAt >= PUBLISH_EVERY.toNanos()) {
                    publish();
                }
            }
        } catch (RuntimeException e) {
            LOG.error("remediation plans: {}", e.toString(), e); // a bug: keep going on the next tick
        }
        if (dirty) {
            publish();
        }
        return observed;
    }

    /** Findings without a plan first (oldest first), then those whose plan is oldest; plans of others dropped. */
    private List<AuditedContainer> due() {
        Instant now = clock.instant();
        List<AuditedContainer> findings = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (AuditedContainer c : containers.get()) {
            if (c.verdict().status() == Status.FINDING) {
                findings.add(c);
                ids.add(c.facts().id());
            }
        }
        if (plans.keySet().retainAll(ids)) {
            lastError.keySet().retainAll(ids);
            publish();
        }
        List<AuditedContainer> due = new ArrayList<>();
        for (AuditedContainer c : findings) {
            Observation o = plans.get(c.facts().id());
            boolean startedSince = o != null
                    && o.plan().kind() == PlanKind.NOT_OBSERVED
                    && !c.facts().state().equals("created");
            if (o == null || startedSince || !o.triedAt().plus(refresh).isAfter(now)) {
                due.add(c);
            }
        }
        // never observed first, in the order they were found; then the oldest observations
        due.sort(Comparator.comparing(
                        (AuditedContainer c) -> plans.containsKey(c.facts().id()))
                .thenComparing(c -> Optional.ofNullable(plans.get(c.facts().id()))
                        .map(Observation::triedAt)
                        .orElse(Instant.MIN))
                .thenComparingLong(AuditedContainer::firstSeenEpochSeconds));
        return due;
    }

    private void observe(AuditedContainer c) {
        String id = c.facts().id();
        String name = c.facts().name();
        try {
            Optional<RuntimeFacts> facts = docker.runtimeFacts(id);
            if (facts.isEmpty()) {
                forget(id); // vanished: an event or the next scan removes it
                return;
            }
            RuntimeFacts f = facts.get();
            if (!f.everStarted()) {
                put(id, planner.plan(context(c, f, null), ObservedWrites.none()));
                return;
            }
            WriteObserver writes = new WriteObserver(mountPoints(f));
            Instant at = clock.instant();
            Optional<Long> read = docker.changes(id, writes::accept);
            if (read.isEmpty()) {
                forget(id);
                return;
            }
            put(id, planner.plan(context(c, f, at), writes.finish()));
            if (lastError.remove(id) != null) {
                LOG.info("remediation plan for {} read again", name);
            }
        } catch (DockerException e) {
            String message = e.getMessage();
            if (!message.equals(lastError.put(id, message))) {
                LOG.warn("remediation plan for {} unknown: {}", name, message);
            }
            put(
                    id,
                    planner.plan(
                            new ContainerContext(
                                    name, c.facts().image(), "", "", List.of(), true, false, null, composeService(c)),
                            ObservedWrites.none()));
        }
    }

    /** What the planner needs of a container whose changes were read (or that never started): {@code at}. */
    private static ContainerContext context(AuditedContainer c, RuntimeFacts f, Instant at) {
        String name = f.name().isEmpty() ? c.facts().name() : f.name();
        String image = f.image().isEmpty() ? c.facts().image() : f.image();
        return new ContainerContext(
                name, image, f.user(), f.home(), mountPoints(f), f.everStarted(), true, at, composeService(c));
    }

    private static String composeService(AuditedContainer c) {
        return c.facts().label("com.docker.compose.service");
    }

    /**
     * The container's mount points, and the one Docker binds its init at when {@code --init} (or the
     * daemon's {@code --init}) is on: {@code /sbin/docker-init} (and {@code /sbin} where the image has
     * none) then show in the changes as added, though the app wrote nothing.
     */
    private static List<String> mountPoints(RuntimeFacts f) {
        List<String> all = new ArrayList<>(f.mountPoints());
        all.add(DOCKER_INIT);
        return all;
    }

    private void put(String id, Plan plan) {
        plans.put(id, new Observation(plan, clock.instant()));
        dirty = true;
    }

    private void forget(String id) {
        lastError.remove(id);
        if (plans.remove(id) != null) {
            dirty = true;
        }
    }

    private synchronized void publish() {
        Map<String, Plan> copy = new HashMap<>();
        plans.forEach((id, o) -> copy.put(id, o.plan()));
        published = Map.copyOf(copy);
        dirty = false;
        publishedAt = System.nanoTime();
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
