package org.readonlyrootfs.exporter.hints;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.readonlyrootfs.exporter.compliance.Status;
import org.readonlyrootfs.exporter.remediation.Plan;
import org.readonlyrootfs.exporter.remediation.PlanKind;
import org.readonlyrootfs.exporter.remediation.ServiceUpdate;
import org.readonlyrootfs.exporter.scan.AuditedContainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exporter's side of the fix hints ({@code authz.hints-file}): for every image of which a writable
 * container has an observed remediation plan on this node, the fix of that plan, written to the file when
 * the hints change (checked every {@link #CHECK_EVERY}, without a Docker call: from the inventory and the
 * plans the exporter already holds). The plugin reads the file; the two processes share nothing else.
 */
public final class HintsPublisher implements AutoCloseable {
    static final Duration CHECK_EVERY = Duration.ofSeconds(1);
    private static final String SWARM_SERVICE = "com.docker.swarm.service.name";
    private static final Logger LOG = LoggerFactory.getLogger(HintsPublisher.class);

    private final Supplier<List<AuditedContainer>> containers;
    private final Supplier<Map<String, Plan>> plans;
    private final Supplier<String> host;
    private final Supplier<Optional<Path>> file;
    private final Clock clock;
    private final ScheduledExecutorService thread;

    // what was last looked at and written; touched by one thread at a time (synchronized)
    private List<AuditedContainer> seenContainers;
    private Map<String, Plan> seenPlans;
    private List<FixHint> written;
    private Path writtenTo;
    private String lastError = "";

    /**
     * @param containers the inventory's containers (an immutable list, replaced when one changes)
     * @param plans      the findings' plans by full container id (immutable, replaced when one changes)
     * @param host       the daemon's name, written into the file for whoever reads it
     * @param file       where to write ({@code authz.hints-file}, following reloads); empty: nowhere
     */
    public HintsPublisher(
            Supplier<List<AuditedContainer>> containers,
            Supplier<Map<String, Plan>> plans,
            Supplier<String> host,
            Supplier<Optional<Path>> file,
            Clock clock) {
        this.containers = containers;
        this.plans = plans;
        this.host = host;
        this.file = file;
        this.clock = clock;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fix-hints");
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        try {
            thread.scheduleWithFixedDelay(this::publishIfChanged, 0, CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /**
     * Writes the file if the hints or its path changed since the last successful write (a failed write is
     * tried again at the next check); returns whether it wrote. Never throws.
     */
    public synchronized boolean publishIfChanged() {
        try {
            Optional<Path> target = file.get();
            if (target.isEmpty()) {
                return false;
            }
            List<AuditedContainer> cs = containers.get();
            Map<String, Plan> ps = plans.get();
            boolean sameInput =
                    cs == seenContainers && ps == seenPlans && target.get().equals(writtenTo);
            if (sameInput) {
                return false;
            }
            List<FixHint> hints = hints(cs, ps);
            if (hints.equals(written) && target.get().equals(writtenTo)) {
                seenContainers = cs;
                seenPlans = ps;
                return false;
            }
            HintsFile.write(target.get(), HintsFile.render(host.get(), clock.instant(), hints));
            if (!lastError.isEmpty()) {
                LOG.info("authz.hints-file: {} written again", target.get());
                lastError = "";
            }
            seenContainers = cs;
            seenPlans = ps;
            written = hints;
            writtenTo = target.get();
            return true;
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            if (!why.equals(lastError)) {
                LOG.warn("authz.hints-file: cannot write the fix hints ({}); the plugin keeps the last ones", why);
                lastError = why;
            }
            return false;
        }
    }

    /**
     * One hint per image, sorted by image: of the image's findings with an observed plan ({@code no_writes},
     * {@code tmpfs_only}, {@code needs_volume}), the plan with the most mounts (the one that keeps the most
     * writers working), then the latest observed, then the first container by name.
     */
    static List<FixHint> hints(List<AuditedContainer> containers, Map<String, Plan> plans) {
        Map<String, List<Candidate>> byImage = new LinkedHashMap<>();
        for (AuditedContainer c : containers) {
            if (c.verdict().status() != Status.FINDING) {
                continue;
            }
            Plan p = plans.get(c.facts().id());
            if (p == null
                    || !(p.kind() == PlanKind.NO_WRITES
                            || p.kind() == PlanKind.TMPFS_ONLY
                            || p.kind() == PlanKind.NEEDS_VOLUME)) {
                continue;
            }
            if (c.facts().image().isEmpty() || ImageRef.key(c.facts().image()).isEmpty()) {
                continue;
            }
            byImage.computeIfAbsent(c.facts().image(), k -> new ArrayList<>()).add(new Candidate(c, p));
        }
        List<FixHint> out = new ArrayList<>();
        for (Map.Entry<String, List<Candidate>> e : byImage.entrySet()) {
            Candidate best = e.getValue().stream().min(PREFERRED).orElseThrow();
            String service = best.container().facts().label(SWARM_SERVICE);
            List<String> update = service.isEmpty()
                    ? List.of()
                    : ServiceUpdate.of(service, List.of(best.plan())).flags();
            out.add(new FixHint(
                    e.getKey(),
                    best.plan().kind().label(),
                    best.container().facts().name(),
                    best.plan().dockerRunFlags(),
                    service,
                    update));
        }
        out.sort(Comparator.comparing(FixHint::image));
        return List.copyOf(out);
    }

    private record Candidate(AuditedContainer container, Plan plan) {
        int mounts() {
            return plan.tmpfs().size() + plan.volumes().size();
        }

        long observed() {
            return plan.observedAt() == null ? 0 : plan.observedAt().toEpochMilli();
        }
    }

    private static final Comparator<Candidate> PREFERRED = Comparator.comparingInt(Candidate::mounts)
            .reversed()
            .thenComparing(Comparator.comparingLong(Candidate::observed).reversed())
            .thenComparing(c -> c.container().facts().name())
            .thenComparing(c -> Objects.toString(c.container().facts().id()));

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
