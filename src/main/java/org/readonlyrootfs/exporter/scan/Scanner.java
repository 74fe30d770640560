package org.readonlyrootfs.exporter.scan;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.compliance.CompliancePolicy;
import org.readonlyrootfs.exporter.compliance.Exemption;
import org.readonlyrootfs.exporter.compliance.ServiceFacts;
import org.readonlyrootfs.exporter.docker.ContainerSummary;
import org.readonlyrootfs.exporter.docker.DaemonInfo;
import org.readonlyrootfs.exporter.docker.DockerApiError;
import org.readonlyrootfs.exporter.docker.DockerException;
import org.readonlyrootfs.exporter.docker.DockerGateway;
import org.readonlyrootfs.exporter.docker.SwarmService;
import org.readonlyrootfs.exporter.remediation.Plan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Full scans: one list call plus an inspect per container not known yet ({@code ReadonlyRootfs}
 * cannot change after creation), run with bounded concurrency; name, state and labels come fresh from
 * each list. On a swarm manager a scan also reads the service specs ({@code GET /services}). A scan also
 * asks the daemon who it is ({@code GET /info}, beside the list call: its name, whether it manages a
 * swarm, its authorization plugin chain as the daemon lists it, the chain it started with) when it may
 * have changed: at the first scan, after the daemon was unreachable, after the events stream (re)connected
 * (a restarted daemon ends the stream), after a manager refused its services, and every {@link
 * #INFO_REFRESH} (a promotion to manager changes nothing else). Not at every scan: beside the list call,
 * {@code GET /info} made a warm scan 1.2x as long on Engine 20.10 (it reads every container's state).
 * Also the source of the {@link Snapshot} every endpoint renders, in which expired exemptions no longer
 * apply.
 */
public final class Scanner {
    /** How often {@code GET /info} is read again when nothing said the daemon changed. */
    public static final Duration INFO_REFRESH = Duration.ofMinutes(5);

    private static final Logger LOG = LoggerFactory.getLogger(Scanner.class);

    /** What the last scan said of the daemon. */
    private record ScanState(
            String host,
            String daemonVersion,
            boolean dockerUp,
            boolean everSucceeded,
            String lastError,
            int unchecked,
            double durationSeconds,
            double lastSuccessEpochSeconds,
            long succeeded,
            long failed,
            boolean swarmManager) {}

    private final DockerGateway docker;
    private final Inventory inventory;
    private final DockerRequestCounts requests;
    private final Executor inspectors;
    private final Clock clock;
    private final AtomicReference<ScanState> state;
    private final CountDownLatch firstScan = new CountDownLatch(1);
    private volatile boolean eventsStreamUp;
    private volatile Instant lastSuccessStart; // before its list call
    private volatile Supplier<Map<String, Plan>> remediations = Map::of;
    private final Set<String> expiryLogged = ConcurrentHashMap.newKeySet();
    private volatile List<String> authorizationPlugins; // null until the daemon first answered GET /info
    private DaemonInfo daemon; // guarded by this: the last GET /info, null when it must be asked again
    private Instant daemonReadAt = Instant.MIN; // guarded by this
    private volatile boolean daemonMayHaveChanged;
    private String servicesError = ""; // guarded by this

    public Scanner(
            DockerGateway docker,
            Inventory inventory,
            DockerRequestCounts requests,
            Executor inspectors,
            Clock clock,
            String fallbackHost) {
        this.docker = docker;
        this.inventory = inventory;
        this.requests = requests;
        this.inspectors = inspectors;
        this.clock = clock;
        this.state = new AtomicReference<>(
                new ScanState(fallbackHost, "", false, false, "no scan has run yet", 0, 0, 0, 0, 0, false));
    }

    /** A scanner with its own inventory that inspects one container at a time. */
    public Scanner(
            DockerGateway docker,
            Classifier classifier,
            DockerRequestCounts requests,
            Clock clock,
            String fallbackHost) {
        this(docker, new Inventory(classifier, clock), requests, Runnable::run, clock, fallbackHost);
    }

    public Inventory inventory() {
        return inventory;
    }

    /**
     * Waits, at most {@code max}, until the first scan has ended (succeeded or failed), so that a
     * scrape right after start-up is complete rather than empty; returns the current snapshot.
     */
    public Snapshot currentAfterFirstScan(Duration max) {
        return currentAfterFirstScan(System.nanoTime() + max.toNanos());
    }

    /**
     * As {@link #currentAfterFirstScan(Duration)}, waiting at most until {@code deadlineNanos} (of {@link
     * System#nanoTime()}): one deadline for every caller, so no scrape waits past it, however many come.
     */
    public Snapshot currentAfterFirstScan(long deadlineNanos) {
        try {
            long left = deadlineNanos - System.nanoTime();
            if (left > 0) {
                firstScan.await(left, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return current();
    }

    /** The daemon's name, as the last scan said (a fallback until it first answers): the {@code host} label. */
    public String host() {
        return state.get().host();
    }

    /**
     * The daemon's authorization plugin chain as its last {@code GET /info} said; empty until it first
     * answered. Kept while the daemon is unreachable.
     */
    public Optional<List<String>> authorizationPlugins() {
        return Optional.ofNullable(authorizationPlugins);
    }

    /** When the last successful scan started, before its list call; empty before the first success. */
    public Optional<Instant> lastSuccessfulScanStart() {
        return Optional.ofNullable(lastSuccessStart);
    }

    /**
     * Judges the inventory again by a reloaded policy, from the facts it holds (no Docker call); the next
     * {@link #current()} shows the new verdicts. A scan running meanwhile applies its result under the
     * same monitor, by whichever policy is current then: no snapshot mixes the two. Returns how many
     * containers changed verdict.
     */
    public int judgeBy(CompliancePolicy policy) {
        int changed = inventory.judgeBy(new Classifier(policy)); // under the inventory's monitor
        // an exemption renewed under its id is said to have expired again when it does
        Instant now = clock.instant();
        policy.exemptions().stream().filter(e -> e.activeAt(now)).forEach(e -> expiryLogged.remove(e.id()));
        return changed;
    }

    /** Where the snapshots take the findings' remediation plans from. */
    public void remediations(Supplier<Map<String, Plan>> plans) {
        this.remediations = plans;
    }

    /** Whether the events stream is connected (set by the events follower). */
    public void eventsStreamUp(boolean up) {
        eventsStreamUp = up;
        if (up) {
            daemonMayHaveChanged = true; // a new connection: the daemon may have restarted meanwhile
        }
    }

    /** The current snapshot, with exemptions that expired meanwhile no longer applied; never calls Docker. */
    public Snapshot current() {
        Snapshot snapshot;
        // the inventory's monitor also guards publishing a scan's result: containers and scan state agree
        synchronized (inventory) {
            inventory.refresh();
            snapshot = snapshot(state.get());
        }
        logExpiries(snapshot);
        return snapshot;
    }

    private Snapshot snapshot(ScanState s) {
        return new Snapshot(
                s.host(),
                s.daemonVersion(),
                s.dockerUp(),
                s.everSucceeded(),
                s.lastError(),
                inventory.containers(),
                s.unchecked(),
                s.durationSeconds(),
                s.lastSuccessEpochSeconds(),
                s.succeeded(),
                s.failed(),
                inventory.findingsDetected(),
                requests.snapshot(),
                eventsStreamUp,
                inventory.eventsApplied(),
                inventory.services(),
                s.swarmManager(),
                inventory.classifier().policy(),
                remediations.get());
    }

    /** Says once per exemption, when it is first seen expired, that it no longer applies and to what. */
    private void logExpiries(Snapshot s) {
        Instant now = clock.instant();
        for (Exemption e : s.policy().exemptions()) {
            if (e.activeAt(now) || !expiryLogged.add(e.id())) {
                continue;
            }
            long containers = s.containers().stream()
                    .filter(c -> c.verdict().exemption().equals(e.id()))
                    .count();
            long services = s.services().stream()
                    .filter(c -> c.verdict().exemption().equals(e.id()))
                    .count();
            LOG.warn(
                    "exemption {} expired at {} and no longer applies: containers it selects: {}, swarm services: {};"
                            + " they are judged by their root filesystem again",
                    e.id(),
                    e.expires(),
                    containers,
                    services);
        }
    }

    /** Runs one full scan and returns the snapshot after it. Never throws for Docker trouble. */
    public synchronized Snapshot scan() {
        long start = System.nanoTime();
        ScanState previous = state.get();
        try {
            Instant now = clock.instant();
            // GET /info (who the daemon is, whether it manages a swarm, its authorization plugins) runs beside
            // the list call when the daemon may have changed (see the class comment)
            FutureTask<DaemonInfo> infoCall = null;
            if (daemon == null
                    || !previous.dockerUp()
                    || daemonMayHaveChanged
                    || !now.isBefore(daemonReadAt.plus(INFO_REFRESH))) {
                daemonMayHaveChanged = false;
                infoCall = new FutureTask<>(docker::info);
                inspectors.execute(infoCall);
            }
            long at = inventory.begin();
            try {
                Set<String> unchecked = ConcurrentHashMap.newKeySet();
                Inspections inspections = new Inspections(unchecked);
                List<ContainerSummary> listed;
                DaemonInfo info;
                List<ServiceFacts> services;
                try {
                    // containers the inventory does not know are inspected while the rest of the list arrives
                    listed = docker.listContainers(s -> {
                        if (inventory.readonly(s.id()).isEmpty()) {
                            inspections.start(s.id());
                        }
                    });
                    if (infoCall != null) {
                        daemon = await(infoCall);
                        daemonReadAt = now;
                        authorizationPlugins = daemon.authorizationPlugins();
                    }
                    info = daemon;
                    services = info.swarmManager() ? services() : List.of();
                } catch (RuntimeException e) {
                    inspections.cancel();
                    if (infoCall != null && !(e instanceof InfoFailed)) {
                        await(infoCall); // when both fail, the scan's error is the info call's
                    }
                    throw e;
                }
                Map<String, Boolean> inspected = inspections.await();
                synchronized (inventory) {
                    inventory.scanned(at, listed, inspected);
                    if (services != null) {
                        inventory.services(services);
                    }
                    state.set(new ScanState(
                            info.name(),
                            info.serverVersion(),
                            true,
                            true,
                            "",
                            unchecked.size(),
                            seconds(start),
                            clock.millis() / 1000.0,
                            previous.succeeded() + 1,
                            previous.failed(),
                            info.swarmManager()));
                    lastSuccessStart = now;
                }
            } finally {
                inventory.end();
            }
            if (!previous.lastError().isEmpty() && previous.everSucceeded()) {
                LOG.info("Docker daemon {} reachable again", state.get().host());
            }
        } catch (DockerException e) {
            if (!e.getMessage().equals(previous.lastError())) {
                LOG.warn("scan failed: {}", e.getMessage());
            }
            // the inventory is left as it was, so alerts do not flap while the daemon is away
            state.set(new ScanState(
                    previous.host(),
                    previous.daemonVersion(),
                    false,
                    previous.everSucceeded(),
                    e.getMessage(),
                    previous.unchecked(),
                    seconds(start),
                    previous.lastSuccessEpochSeconds(),
                    previous.succeeded(),
                    previous.failed() + 1,
                    previous.swarmManager()));
        }
        firstScan.countDown();
        return current();
    }

    /**
     * The service specs of a manager, or null (keep the last ones) if the manager refused: the
     * containers' scan does not fail for it, and {@code GET /info} is asked again at the next scan.
     */
    private List<ServiceFacts> services() {
        try {
            List<ServiceFacts> out = new ArrayList<>();
            for (SwarmService s : docker.listServices()) {
                out.add(new ServiceFacts(s.id(), s.name(), s.image(), s.mode(), s.labels(), s.readOnly()));
            }
            if (!servicesError.isEmpty()) {
                LOG.info("swarm services readable again");
                servicesError = "";
            }
            return out;
        } catch (DockerApiError e) {
            if (!e.getMessage().equals(servicesError)) {
                LOG.warn("swarm services not read this scan: {}", e.getMessage());
                servicesError = e.getMessage();
            }
            daemon = null; // a demoted manager: asked again at the next scan
            return null;
        }
    }

    /** The info call failed: its error is the scan's. */
    private static final class InfoFailed extends DockerException {
        InfoFailed(DockerException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private static DaemonInfo await(FutureTask<DaemonInfo> infoCall) {
        try {
            return infoCall.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DockerException de) {
                throw new InfoFailed(de);
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            infoCall.cancel(true);
            Thread.currentThread().interrupt();
            throw new DockerException("scan interrupted");
        }
    }

    /** The inspects of one scan, run in parallel on the inspector pool. */
    private final class Inspections {
        private final Map<String, Boolean> inspected = new ConcurrentHashMap<>();
        private final List<Future<?>> pending = new ArrayList<>();
        private final Set<String> unchecked;

        Inspections(Set<String> unchecked) {
            this.unchecked = unchecked;
        }

        void start(String id) {
            FutureTask<Void> task = new FutureTask<>(() -> {
                try {
                    docker.readonlyRootfs(id).ifPresent(readonly -> inspected.put(id, readonly));
                } catch (DockerApiError e) {
                    // the daemon answered for the others: this one container waits for the next scan
                    LOG.warn("container {} not checked this scan: {}", id, e.getMessage());
                    unchecked.add(id);
                }
                return null;
            });
            pending.add(task);
            inspectors.execute(task);
        }

        void cancel() {
            pending.forEach(f -> f.cancel(false));
        }

        /** The read-only flag of each inspected container (vanished ones absent); the first failure fails all. */
        Map<String, Boolean> await() {
            try {
                for (Future<?> f : pending) {
                    f.get();
                }
            } catch (ExecutionException e) {
                cancel();
                if (e.getCause() instanceof DockerException de) {
                    throw de;
                }
                throw new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                cancel();
                Thread.currentThread().interrupt();
                throw new DockerException("scan interrupted");
            }
            return inspected;
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
