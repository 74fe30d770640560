package org.readonlyrootfs.exporter.scan;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.remediation.Plan;
import org.readonlyrootfs.exporter.remediation.PlanKind;
import org.readonlyrootfs.exporter.testing.MutableClock;

class RemediationObserverTest {
    private static final Duration REFRESH = Duration.ofMinutes(10);
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T12:00:00Z"));
    private final DockerRequestCounts requests = new DockerRequestCounts();
    private final InMemoryDocker docker = new InMemoryDocker(requests);
    private final Scanner scanner = new Scanner(docker, new Classifier(true), requests, clock, "h");
    private final RemediationObserver observer =
            new RemediationObserver(docker, () -> scanner.inventory().containers(), REFRESH, clock);

    private static Object[] c(String path, int kind) {
        return new Object[] {path, kind};
    }

    private Plan plan(String id) {
        return observer.plans().get(id);
    }

    @Test
    void aFindingGetsAPlanFromItsChangesAndOthersGetNone() {
        docker.add("w1", "web", "running", false, Map.of());
        docker.add("ro", "ro", "running", true, Map.of());
        docker.changes.put("w1", List.of(c("/run", 0), c("/run/web.pid", 1)));
        scanner.scan();
        assertEquals(1, observer.observeDue());
        assertEquals(PlanKind.TMPFS_ONLY, plan("w1").kind());
        assertEquals(List.of("--read-only", "--tmpfs", "/run"), plan("w1").dockerRunFlags());
        assertEquals(clock.instant(), plan("w1").observedAt());
        assertNull(plan("ro"));
        assertEquals(1L, requests.snapshot().get("changes"));
        scanner.remediations(observer::plans);
        assertEquals(1, scanner.current().remediationCounts().get(PlanKind.TMPFS_ONLY));
        assertEquals(
                PlanKind.TMPFS_ONLY,
                scanner.current()
                        .remediation(scanner.current().containers().stream()
                                .filter(x -> x.facts().id().equals("w1"))
                                .findFirst()
                                .orElseThrow())
                        .orElseThrow()
                        .kind());
    }

    @Test
    void aFindingIsReadAgainOnlyAfterRefresh() {
        docker.add("w1", "web", "running", false, Map.of());
        scanner.scan();
        assertEquals(1, observer.observeDue());
        assertEquals(PlanKind.NO_WRITES, plan("w1").kind());
        docker.changes.put("w1", List.of(c("/tmp", 0), c("/tmp/x", 1)));
        clock.advance(REFRESH.minusSeconds(1));
        assertEquals(0, observer.observeDue());
        assertEquals(PlanKind.NO_WRITES, plan("w1").kind());
        clock.advance(Duration.ofSeconds(1));
        assertEquals(1, observer.observeDue());
        assertEquals(PlanKind.TMPFS_ONLY, plan("w1").kind());
        assertEquals(2, docker.changesCalls.get());
    }

    @Test
    void aNeverStartedFindingIsNotObservedUntilItStarts() {
        docker.add("c1", "job", "created", false, Map.of());
        scanner.scan();
        observer.observeDue();
        assertEquals(PlanKind.NOT_OBSERVED, plan("c1").kind());
        assertEquals(List.of("--read-only"), plan("c1").dockerRunFlags());
        assertEquals(0, docker.changesCalls.get(), "nothing to read before it ever ran");
        assertEquals(0, observer.observeDue(), "not due again while it has not started");
        docker.add("c1", "job", "running", false, Map.of());
        docker.changes.put(
                "c1", List.of(c("/var", 0), c("/var/lib", 0), c("/var/lib/job", 0), c("/var/lib/job/state", 0)));
        scanner.scan();
        assertEquals(1, observer.observeDue(), "started since: due at once, whatever the refresh");
        assertEquals(PlanKind.NEEDS_VOLUME, plan("c1").kind());
    }

    @Test
    void aFailedCallIsUnknownAndNeverFailsAScan() {
        docker.add("w1", "web", "running", false, Map.of());
        docker.add("w2", "api", "running", false, Map.of());
        docker.brokenChanges.add("w1");
        docker.changes.put("w2", List.of(c("/tmp", 0), c("/tmp/x", 1)));
        assertTrue(scanner.scan().dockerUp());
        assertEquals(2, observer.observeDue());
        assertEquals(PlanKind.UNKNOWN, plan("w1").kind());
        assertNull(plan("w1").observedAt());
        assertEquals(PlanKind.TMPFS_ONLY, plan("w2").kind(), "one container's failure affects no other");
        docker.brokenChanges.clear();
        assertEquals(0, observer.observeDue(), "tried again after refresh, like any plan");
        clock.advance(REFRESH);
        observer.observeDue();
        assertEquals(PlanKind.NO_WRITES, plan("w1").kind());
    }

    @Test
    void aContainerThatVanishedOrIsNoLongerAFindingLosesItsPlan() {
        docker.add("w1", "web", "running", false, Map.of());
        docker.add("w2", "api", "running", false, Map.of());
        scanner.scan();
        docker.containers.remove("w2"); // gone between the scan and the observation
        observer.observeDue();
        assertTrue(observer.plans().containsKey("w1"));
        assertFalse(observer.plans().containsKey("w2"));
        docker.containers.remove("w1");
        scanner.scan();
        observer.observeDue();
        assertEquals(Map.of(), observer.plans());
    }

    @Test
    void dockersInitMountPointIsNoWrite() {
        // measured (RemediationBenchmark): with --init, an image without /sbin shows A /sbin, A /sbin/docker-init
        docker.add("i1", "with-init", "running", false, Map.of());
        docker.changes.put("i1", List.of(c("/sbin", 1), c("/sbin/docker-init", 1)));
        scanner.scan();
        observer.observeDue();
        assertEquals(PlanKind.NO_WRITES, plan("i1").kind(), plan("i1").toString());
    }

    @Test
    void aHugeWritableLayerStreamsIntoABoundedPlan() {
        docker.add("big", "spooler", "running", false, Map.of());
        docker.generatedChanges.put("big", 50_000);
        scanner.scan();
        observer.observeDue();
        Plan p = plan("big");
        assertEquals(PlanKind.TMPFS_ONLY, p.kind());
        assertEquals(50_002, p.changes());
        assertEquals(List.of("/tmp"), p.tmpfsPaths());
    }

    @Test
    void theBackgroundThreadObservesEveryFindingWithOneCallInFlight() {
        for (int i = 0; i < 40; i++) {
            docker.add("w" + i, "web-" + i, "running", false, Map.of());
            docker.changes.put("w" + i, List.of(c("/run", 0), c("/run/p" + i, 1)));
        }
        scanner.scan();
        observer.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> observer.plans().size() == 40);
        } finally {
            observer.close();
        }
        assertEquals(1, docker.maxChangesInFlight.get());
        assertEquals(40, docker.changesCalls.get(), "each finding read once within the refresh");
    }
}
