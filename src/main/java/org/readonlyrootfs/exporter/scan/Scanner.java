package org.readonlyrootfs.exporter.scan;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.compliance.ContainerFacts;
import org.readonlyrootfs.exporter.compliance.Status;
import org.readonlyrootfs.exporter.compliance.Verdict;
import org.readonlyrootfs.exporter.docker.ContainerSummary;
import org.readonlyrootfs.exporter.docker.DaemonInfo;
import org.readonlyrootfs.exporter.docker.DockerApiError;
import org.readonlyrootfs.exporter.docker.DockerException;
import org.readonlyrootfs.exporter.docker.DockerGateway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the inventory current: one scan is one list call plus an inspect per container not seen
 * before ({@code ReadonlyRootfs} cannot change after creation, so it is cached by id). Name, state
 * and labels come fresh from each list. Each scan publishes a new immutable {@link Snapshot}.
 */
public final class Scanner {
    private static final Logger LOG = LoggerFactory.getLogger(Scanner.class);

    private final DockerGateway docker;
    private final Classifier classifier;
    private final DockerRequestCounts requests;
    private final Clock clock;
    private final AtomicReference<Snapshot> current;

    // touched only inside scan(), which is synchronized
    private final Map<String, Boolean> readonlyById = new HashMap<>();
    private final Map<String, Long> firstSeenById = new HashMap<>();
    private final Set<String> findingsCounted = new HashSet<>();
    private DaemonInfo daemon;
    private long scansSucceeded;
    private long scansFailed;
    private long findingsDetected;
    private String lastFailure = "";

    public Scanner(DockerGateway docker, Classifier classifier, DockerRequestCounts requests, Clock clock,
                   String fallbackHost) {
        this.docker = docker;
        this.classifier = classifier;
        this.requests = requests;
        this.clock = clock;
        this.current = new AtomicReference<>(Snapshot.initial(fallbackHost));
    }

    /** The snapshot of the last scan; never calls Docker. */
    public Snapshot current() {
        return current.get();
    }

    /** Runs one scan and publishes its snapshot. Never throws for Docker trouble. */
    public synchronized Snapshot scan() {
        long start = System.nanoTime();
        Snapshot previous = current.get();
        Snapshot next;
        try {
            if (daemon == null || !previous.dockerUp()) {
                daemon = docker.info();
            }
            List<ContainerSummary> listed = docker.listContainers();
            List<AuditedContainer> audited = new ArrayList<>(listed.size());
            Set<String> present = new HashSet<>();
            int unchecked = 0;
            long now = clock.instant().getEpochSecond();
            for (ContainerSummary s : listed) {
                Optional<Boolean> readonly;
                try {
                    readonly = readonly(s.id());
                } catch (DockerApiError e) {
                    // the daemon answered for the others: this one container waits for the next scan
                    LOG.warn("container {} not checked this scan: {}", s.id(), e.getMessage());
                    present.add(s.id());
                    unchecked++;
                    continue;
                }
                if (readonly.isEmpty()) {
                    continue; // removed between list and inspect: not an error
                }
                present.add(s.id());
                ContainerFacts facts = new ContainerFacts(s.id(), s.name(), s.image(), s.state(), s.labels(),
                        s.createdEpochSeconds(), readonly.get());
                Verdict verdict = classifier.classify(facts);
                long firstSeen = firstSeenById.computeIfAbsent(s.id(), id -> now);
                if (verdict.status() == Status.FINDING && findingsCounted.add(s.id())) {
                    findingsDetected++;
                }
                audited.add(new AuditedContainer(facts, verdict, firstSeen));
            }
            readonlyById.keySet().retainAll(present);
            firstSeenById.keySet().retainAll(present);
            findingsCounted.retainAll(present);
            audited.sort(Comparator.comparing((AuditedContainer a) -> a.facts().name())
                    .thenComparing(a -> a.facts().id()));
            scansSucceeded++;
            if (!lastFailure.isEmpty()) {
                LOG.info("Docker daemon {} reachable again", daemon.name());
                lastFailure = "";
            }
            next = new Snapshot(daemon.name(), daemon.serverVersion(), true, true, "", audited, unchecked,
                    seconds(start), clock.millis() / 1000.0, scansSucceeded, scansFailed, findingsDetected,
                    requests.snapshot());
        } catch (DockerException e) {
            scansFailed++;
            if (!e.getMessage().equals(lastFailure)) {
                LOG.warn("scan failed: {}", e.getMessage());
                lastFailure = e.getMessage();
            }
            // keep the last good inventory so alerts do not flap while the daemon is away
            next = new Snapshot(previous.host(), previous.daemonVersion(), false, previous.everSucceeded(),
                    e.getMessage(), previous.containers(), previous.unchecked(), seconds(start),
                    previous.lastSuccessEpochSeconds(), scansSucceeded, scansFailed, findingsDetected,
                    requests.snapshot());
        }
        current.set(next);
        return next;
    }

    private Optional<Boolean> readonly(String id) {
        Boolean cached = readonlyById.get(id);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<Boolean> inspected = docker.readonlyRootfs(id);
        inspected.ifPresent(r -> readonlyById.put(id, r));
        return inspected;
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
