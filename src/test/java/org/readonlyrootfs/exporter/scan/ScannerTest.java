package org.readonlyrootfs.exporter.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.compliance.CompliancePolicy;
import org.readonlyrootfs.exporter.compliance.Exemption;
import org.readonlyrootfs.exporter.compliance.KubernetesMode;
import org.readonlyrootfs.exporter.compliance.Status;
import org.readonlyrootfs.exporter.docker.ContainerDetails;
import org.readonlyrootfs.exporter.docker.ContainerSummary;
import org.readonlyrootfs.exporter.docker.DaemonInfo;
import org.readonlyrootfs.exporter.docker.DockerException;
import org.readonlyrootfs.exporter.docker.DockerGateway;
import org.readonlyrootfs.exporter.docker.EventListener;
import org.readonlyrootfs.exporter.docker.SwarmService;
import org.readonlyrootfs.exporter.testing.MutableClock;

class ScannerTest {
    private final DockerRequestCounts requests = new DockerRequestCounts();
    private final InMemoryDocker docker = new InMemoryDocker(requests);
    private final Scanner scanner = new Scanner(
            docker,
            new Classifier(true),
            requests,
            Clock.fixed(Instant.ofEpochSecond(1800000000L), ZoneOffset.UTC),
            "fallback-host");

    private static List<String> names(Snapshot s) {
        return s.containers().stream().map(c -> c.facts().name()).toList();
    }

    @Test
    void beforeTheFirstScanNothingIsKnownAndTheHostIsTheFallback() {
        Snapshot s = scanner.current();
        assertEquals("fallback-host", s.host());
        assertFalse(s.dockerUp());
        assertFalse(s.everSucceeded());
        assertTrue(s.containers().isEmpty());
        assertEquals(0, s.counts().get(Status.FINDING));
    }

    @Test
    void aSteadyStateScanIsOneListCallAndNoInspect() {
        docker.add("a1", "ro", "running", true, Map.of());
        docker.add("b2", "rw", "exited", false, Map.of());
        Snapshot first = scanner.scan();
        assertEquals(Map.of("info", 1L, "list", 1L, "inspect", 2L, "events", 0L), first.dockerRequests());
        Snapshot second = scanner.scan();
        assertEquals(Map.of("info", 1L, "list", 2L, "inspect", 2L, "events", 0L), second.dockerRequests());
        assertEquals(List.of("ro", "rw"), names(second));
        assertEquals("node-1", second.host());
        assertEquals(1, second.counts().get(Status.COMPLIANT));
        assertEquals(1, second.counts().get(Status.FINDING));
        assertEquals(2, second.scansSucceeded());
    }

    @Test
    void nameStateAndLabelsComeFreshFromEachList() {
        docker.add("a1", "old", "created", false, Map.of());
        scanner.scan();
        docker.add("a1", "new", "running", false, Map.of("com.docker.compose.project", "p"));
        Snapshot s = scanner.scan();
        assertEquals("new", s.containers().get(0).facts().name());
        assertEquals("running", s.containers().get(0).facts().state());
        assertEquals("p", s.containers().get(0).verdict().stack());
        assertEquals(1L, s.dockerRequests().get("inspect"));
    }

    @Test
    void aRemovedContainerLeavesAndItsCacheEntryWithIt() {
        docker.add("a1", "one", "running", false, Map.of());
        docker.add("b2", "two", "running", true, Map.of());
        scanner.scan();
        docker.containers.remove("a1");
        Snapshot s = scanner.scan();
        assertEquals(List.of("two"), names(s));
        // a container with the same id coming back would be inspected again (the cache forgot it)
        docker.add("a1", "one", "running", true, Map.of());
        Snapshot again = scanner.scan();
        assertEquals(3L, again.dockerRequests().get("inspect"));
        assertEquals(2, again.counts().get(Status.COMPLIANT));
    }

    @Test
    void aContainerRemovedBetweenListAndInspectIsNotAnError() {
        docker.add("a1", "stays", "running", true, Map.of());
        docker.add("b2", "goes", "running", false, Map.of());
        docker.vanishAfterList.add("b2");
        Snapshot s = scanner.scan();
        assertTrue(s.dockerUp());
        assertEquals(List.of("stays"), names(s));
        assertEquals(0, s.unchecked());
        assertEquals(0, s.scansFailed());
    }

    @Test
    void oneFailingContainerDoesNotFailTheScanOfTheOthersAndIsRetried() {
        docker.add("a1", "fine", "running", false, Map.of());
        docker.add("b2", "broken", "running", false, Map.of());
        docker.brokenInspect.add("b2");
        Snapshot s = scanner.scan();
        assertTrue(s.dockerUp());
        assertEquals(List.of("fine"), names(s));
        assertEquals(1, s.unchecked());
        docker.brokenInspect.clear();
        Snapshot healed = scanner.scan();
        assertEquals(List.of("broken", "fine"), names(healed));
        assertEquals(0, healed.unchecked());
    }

    @Test
    void anUnreachableDaemonKeepsTheLastInventoryAndComesBack() {
        docker.add("a1", "rw", "running", false, Map.of());
        Snapshot good = scanner.scan();
        docker.down = true;
        Snapshot bad = scanner.scan();
        assertFalse(bad.dockerUp());
        assertTrue(bad.everSucceeded());
        assertEquals(List.of("rw"), names(bad));
        assertEquals("node-1", bad.host());
        assertEquals(good.lastSuccessEpochSeconds(), bad.lastSuccessEpochSeconds());
        assertTrue(bad.lastError().contains("connection refused"), bad.lastError());
        assertEquals(1, bad.scansFailed());
        docker.down = false;
        docker.name = "node-1-renamed";
        Snapshot back = scanner.scan();
        assertTrue(back.dockerUp());
        assertEquals("", back.lastError());
        assertEquals("node-1-renamed", back.host(), "info is asked again after a failure");
    }

    @Test
    void findingsAreCountedOncePerContainerId() {
        docker.add("a1", "rw", "running", false, Map.of());
        docker.add("b2", "ro", "running", true, Map.of());
        docker.add("c3", "ucp-agent", "running", false, Map.of());
        scanner.scan();
        scanner.scan();
        assertEquals(1, scanner.current().findingsDetected());
        docker.add("d4", "rw2", "created", false, Map.of());
        assertEquals(2, scanner.scan().findingsDetected());
        docker.containers.remove("a1");
        assertEquals(2, scanner.scan().findingsDetected());
    }

    @Test
    void firstSeenIsKeptAcrossScans() {
        docker.add("a1", "rw", "running", false, Map.of());
        Snapshot s = scanner.scan();
        assertEquals(1800000000L, s.containers().get(0).firstSeenEpochSeconds());
    }

    // ---------------------------------------------------------------- services and exemptions

    @Test
    void serviceSpecsAreReadOnSwarmManagersOnly() {
        docker.services.add(new SwarmService(
                "s1", "shop_web", "web:1", "replicated", Map.of("com.docker.stack.namespace", "shop"), false));
        docker.services.add(new SwarmService("s2", "shop_api", "api:1", "global", Map.of(), true));
        Snapshot worker = scanner.scan();
        assertFalse(worker.swarmManager());
        assertEquals(List.of(), worker.services());
        assertEquals(null, worker.dockerRequests().get("services"), "a non-manager is never asked");

        DockerRequestCounts counts = new DockerRequestCounts();
        InMemoryDocker manager = new InMemoryDocker(counts);
        manager.swarmManager = true;
        manager.services.addAll(docker.services);
        Scanner onManager = new Scanner(manager, new Classifier(true), counts, Clock.systemUTC(), "h");
        Snapshot s = onManager.scan();
        assertTrue(s.swarmManager());
        assertEquals(
                List.of("shop_api", "shop_web"),
                s.services().stream().map(a -> a.facts().name()).toList());
        assertEquals(Status.COMPLIANT, s.services().get(0).verdict().status());
        assertEquals(Status.FINDING, s.services().get(1).verdict().status());
        assertEquals("shop", s.services().get(1).verdict().stack());
        assertEquals(1L, s.dockerRequests().get("services"));
    }

    @Test
    void aRefusedServicesCallKeepsTheScanAndTheLastServicesAndAsksInfoAgain() {
        docker.swarmManager = true;
        docker.services.add(new SwarmService("s1", "shop_web", "web:1", "replicated", Map.of(), false));
        assertEquals(1, scanner.scan().services().size());
        docker.servicesError = "GET /services failed with HTTP 503: This node is not a swarm manager.";
        Snapshot refused = scanner.scan();
        assertTrue(refused.dockerUp(), "the containers were scanned");
        assertEquals(1, refused.services().size(), "the last services are kept");
        docker.swarmManager = false;
        docker.servicesError = null;
        Snapshot demoted = scanner.scan();
        assertEquals(2L, demoted.dockerRequests().get("info"), "asked again after the manager refused its services");
        assertFalse(demoted.swarmManager());
        assertEquals(List.of(), demoted.services());
    }

    @Test
    void anExemptionThatExpiresDuringTheRunTurnsItsContainersIntoFindingsWithoutAnyDockerChange() {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-30T23:59:50Z"));
        Exemption legacy = Exemption.of(
                "legacy",
                new Exemption.Match(Pattern.compile("legacy-.*"), null, List.of(), null, null),
                "vendor image",
                "",
                "",
                Instant.parse("2026-03-31T00:00:00Z"));
        DockerRequestCounts counts = new DockerRequestCounts();
        InMemoryDocker d = new InMemoryDocker(counts);
        d.swarmManager = true;
        d.services.add(new SwarmService("s1", "legacy-svc", "img", "replicated", Map.of(), false));
        Scanner s = new Scanner(
                d,
                new Classifier(new CompliancePolicy(true, KubernetesMode.NOT_APPLICABLE, List.of(legacy))),
                counts,
                clock,
                "h");
        d.add("a1", "legacy-app", "running", false, Map.of());
        d.add("b2", "web", "running", false, Map.of());
        Snapshot before = s.scan();
        assertEquals(Status.EXEMPT, before.containers().get(0).verdict().status());
        assertEquals(Status.EXEMPT, before.services().get(0).verdict().status());
        assertEquals(1, before.findingsDetected());
        Map<String, Long> requests = before.dockerRequests();

        clock.advance(Duration.ofSeconds(10));
        Snapshot after = s.current();
        assertEquals(requests, after.dockerRequests(), "no Docker call was needed");
        assertEquals(Status.FINDING, after.containers().get(0).verdict().status());
        assertEquals("legacy", after.containers().get(0).verdict().exemption());
        assertEquals(Status.FINDING, after.services().get(0).verdict().status());
        assertEquals(2, after.findingsDetected(), "the container turned finding is counted once");
        assertEquals(2, after.exemptionMatches().get(legacy), "the expired exemption still names what it selects");
        assertEquals(2, s.scan().findingsDetected());
    }

    @Test
    void theDaemonIsAskedWhoItIsWhenItMayHaveChangedAndEveryFiveMinutes() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        Scanner s = new Scanner(docker, new Classifier(true), requests, clock, "h");
        assertEquals(Optional.empty(), s.authorizationPlugins(), "nothing is known before the daemon answered");
        s.scan();
        assertEquals(Optional.of(List.of()), s.authorizationPlugins());
        docker.swarmManager = true;
        docker.authorizationPlugins = List.of("other-authz", "readonly-rootfs:latest");
        clock.advance(Duration.ofSeconds(15));
        Snapshot steady = s.scan();
        assertEquals(1L, steady.dockerRequests().get("info"), "a steady scan is the list call alone");
        assertFalse(steady.swarmManager());

        // a new events connection (a restarted daemon ends the stream): asked at the next scan
        s.eventsStreamUp(true);
        Snapshot reconnected = s.scan();
        assertEquals(2L, reconnected.dockerRequests().get("info"));
        assertEquals(
                Optional.of(List.of("other-authz", "readonly-rootfs:latest")),
                s.authorizationPlugins(),
                "a changed chain (a daemon restarted with the plugin) is seen after the reconnection");
        assertTrue(reconnected.swarmManager());

        // nothing said so, yet the daemon changed (a promotion): seen within INFO_REFRESH
        docker.swarmManager = false;
        clock.advance(Scanner.INFO_REFRESH.minusSeconds(1));
        assertTrue(s.scan().swarmManager(), "not asked again before INFO_REFRESH");
        clock.advance(Duration.ofSeconds(1));
        Snapshot refreshed = s.scan();
        assertEquals(3L, refreshed.dockerRequests().get("info"));
        assertFalse(refreshed.swarmManager());

        // unreachable, then back: asked at once
        docker.down = true;
        assertFalse(s.scan().dockerUp());
        assertEquals(
                Optional.of(List.of("other-authz", "readonly-rootfs:latest")),
                s.authorizationPlugins(),
                "the last chain is kept while the daemon is away");
        docker.down = false;
        docker.authorizationPlugins = List.of();
        assertTrue(s.scan().dockerUp());
        assertEquals(Optional.of(List.of()), s.authorizationPlugins(), "read again once the daemon is back");
    }

    @Test
    void anExpiryIsLoggedOnceHoweverOftenTheSnapshotIsTaken() {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-30T23:59:59Z"));
        Exemption legacy = Exemption.of(
                "legacy",
                new Exemption.Match(Pattern.compile("legacy"), null, List.of(), null, null),
                "vendor image",
                "",
                "",
                Instant.parse("2026-03-31T00:00:00Z"));
        Scanner s = new Scanner(
                docker,
                new Classifier(new CompliancePolicy(true, KubernetesMode.NOT_APPLICABLE, List.of(legacy))),
                requests,
                clock,
                "h");
        docker.add("a1", "legacy", "running", false, Map.of());
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            s.scan();
            clock.advance(Duration.ofSeconds(1));
            s.current();
            s.scan();
            s.current();
        } finally {
            System.setErr(err);
        }
        List<String> lines = captured.toString(java.nio.charset.StandardCharsets.UTF_8)
                .lines()
                .filter(l -> l.contains("exemption legacy expired"))
                .toList();
        assertEquals(1, lines.size(), captured.toString(java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(
                lines.get(0)
                        .contains("WARN Scanner - exemption legacy expired at 2026-03-31T00:00:00Z and no longer"
                                + " applies: containers it selects: 1, swarm services: 0"),
                lines.get(0));
    }

    /** The in-memory daemon behind a wrapper that changes one call or two. */
    private abstract static class Wrapped implements DockerGateway {
        final InMemoryDocker inner;

        Wrapped(InMemoryDocker inner) {
            this.inner = inner;
        }

        @Override
        public DaemonInfo info() {
            return inner.info();
        }

        @Override
        public List<ContainerSummary> listContainers() {
            return inner.listContainers();
        }

        @Override
        public Optional<ContainerDetails> inspect(String id) {
            return inner.inspect(id);
        }

        @Override
        public AutoCloseable followEvents(long since, EventListener l) {
            return () -> {};
        }

        @Override
        public void close() {}
    }

    private static void await(CountDownLatch latch, String failure) {
        try {
            if (!latch.await(5, TimeUnit.SECONDS)) {
                throw new AssertionError(failure);
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** A scan over {@code docker} with a fresh inventory and two inspector threads. */
    private Snapshot scanWithPool(DockerGateway docker) {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            return new Scanner(
                            docker,
                            new Inventory(new Classifier(true), Clock.systemUTC()),
                            requests,
                            pool,
                            Clock.systemUTC(),
                            "h")
                    .scan();
        } finally {
            pool.shutdownNow();
        }
    }

    /** A daemon whose list call hands out one container, then waits until that container was inspected. */
    private static final class SlowListDocker extends Wrapped {
        final CountDownLatch firstInspected = new CountDownLatch(1);
        final boolean failAfterFirst;

        SlowListDocker(InMemoryDocker inner, boolean failAfterFirst) {
            super(inner);
            this.failAfterFirst = failAfterFirst;
        }

        @Override
        public List<ContainerSummary> listContainers(Consumer<ContainerSummary> each) {
            List<ContainerSummary> all = inner.listContainers();
            each.accept(all.get(0));
            await(firstInspected, "the first container was not inspected while the list was read");
            if (failAfterFirst) {
                throw new DockerException("GET /containers/json?all=1: the connection broke");
            }
            all.subList(1, all.size()).forEach(each);
            return all;
        }

        @Override
        public Optional<ContainerDetails> inspect(String id) {
            try {
                return inner.inspect(id);
            } finally {
                firstInspected.countDown();
            }
        }
    }

    @Test
    void inspectsStartWhileTheListIsStillBeingRead() {
        docker.add("a1", "first", "running", false, Map.of());
        docker.add("b2", "second", "exited", true, Map.of());
        Snapshot snap = scanWithPool(new SlowListDocker(docker, false));
        assertTrue(snap.dockerUp(), snap.lastError());
        assertEquals(List.of("first", "second"), names(snap));
    }

    @Test
    void aListThatBreaksMidwayFailsTheScanAndKeepsNothingOfIt() {
        docker.add("a1", "first", "running", false, Map.of());
        docker.add("b2", "second", "exited", true, Map.of());
        Snapshot snap = scanWithPool(new SlowListDocker(docker, true));
        assertFalse(snap.dockerUp());
        assertEquals("GET /containers/json?all=1: the connection broke", snap.lastError());
        assertEquals(List.of(), names(snap));
    }

    /** A daemon whose info call answers only once the list call has begun (or fails, when told to). */
    private static final class InfoAfterListDocker extends Wrapped {
        final CountDownLatch listing = new CountDownLatch(1);
        volatile String infoError;
        volatile String listError;

        InfoAfterListDocker(InMemoryDocker inner) {
            super(inner);
        }

        @Override
        public DaemonInfo info() {
            await(listing, "the list call did not start while the info call was running");
            if (infoError != null) {
                throw new DockerException(infoError);
            }
            return inner.info();
        }

        @Override
        public List<ContainerSummary> listContainers() {
            listing.countDown();
            if (listError != null) {
                throw new DockerException(listError);
            }
            return inner.listContainers();
        }
    }

    @Test
    void theInfoCallRunsBesideTheListCallAndItsErrorIsTheScans() {
        docker.add("a1", "first", "running", false, Map.of());
        Snapshot ok = scanWithPool(new InfoAfterListDocker(docker));
        assertTrue(ok.dockerUp(), ok.lastError());
        assertEquals("node-1", ok.host());
        assertEquals(List.of("first"), names(ok));

        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            InfoAfterListDocker failing = new InfoAfterListDocker(docker);
            failing.infoError = "Docker daemon did not answer GET /info within 300 ms";
            failing.listError = "Docker daemon did not answer GET /containers/json?all=1 within 300 ms";
            Scanner t = new Scanner(
                    failing,
                    new Inventory(new Classifier(true), Clock.systemUTC()),
                    requests,
                    pool,
                    Clock.systemUTC(),
                    "h");
            assertEquals(failing.infoError, t.scan().lastError(), "when both fail, the info call's error is reported");
            failing.listError = null;
            assertEquals(failing.infoError, t.scan().lastError());
            failing.infoError = null;
            failing.listError = "GET /containers/json?all=1 failed with HTTP 500: boom";
            assertEquals(failing.listError, t.scan().lastError());
        } finally {
            pool.shutdownNow();
        }
    }
}
