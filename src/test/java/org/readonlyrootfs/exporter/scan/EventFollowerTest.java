package org.readonlyrootfs.exporter.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.compliance.Status;
import org.readonlyrootfs.exporter.docker.ContainerEvent;

class EventFollowerTest {
    private final DockerRequestCounts requests = new DockerRequestCounts();
    private final InMemoryDocker docker = new InMemoryDocker(requests);
    private final Scanner scanner = new Scanner(docker, new Classifier(true), requests, Clock.systemUTC(), "h");
    private final AtomicInteger resyncs = new AtomicInteger();
    private final EventFollower follower =
            new EventFollower(docker, scanner, Runnable::run, resyncs::incrementAndGet, Clock.systemUTC());

    private List<String> names() {
        return scanner.current().containers().stream()
                .map(c -> c.facts().name())
                .toList();
    }

    @Test
    void connectingResyncsAndMarksTheStreamUp() {
        follower.start();
        assertEquals(1, resyncs.get());
        assertTrue(scanner.current().eventsStreamUp());
        follower.close();
        assertFalse(scanner.current().eventsStreamUp());
    }

    @Test
    void rightAfterAScanTheFirstConnectionReplaysFromItsListCallInsteadOfScanningAgain() {
        java.time.Instant before = java.time.Instant.now();
        scanner.scan();
        follower.start();
        assertEquals(0, resyncs.get(), "the scan that just ran is the resync");
        assertTrue(
                docker.lastSince <= before.getEpochSecond() + 1 && docker.lastSince >= before.getEpochSecond(),
                "since the scan's list call: " + docker.lastSince);
        docker.events.ended("daemon gone");
        // every reconnection resyncs (the failed end ran its check scan at once; the new connection resyncs)
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(5))
                .until(() -> resyncs.get() >= 2);
        follower.close();
    }

    @Test
    void aStartLongAfterTheLastScanResyncs() {
        org.readonlyrootfs.exporter.testing.MutableClock clock =
                new org.readonlyrootfs.exporter.testing.MutableClock(java.time.Instant.parse("2026-11-30T12:00:00Z"));
        Scanner s = new Scanner(docker, new Classifier(true), requests, clock, "h");
        EventFollower f = new EventFollower(docker, s, Runnable::run, resyncs::incrementAndGet, clock);
        s.scan();
        clock.advance(EventFollower.FRESH_SCAN.plusSeconds(1));
        f.start();
        assertEquals(1, resyncs.get());
        assertEquals(clock.instant().getEpochSecond(), docker.lastSince);
        f.close();
    }

    @Test
    void createInspectsAndClassifiesAtOnceAndDestroyRemoves() {
        follower.start();
        docker.add("a1", "web", "created", false, Map.of());
        docker.events.event(new ContainerEvent("create", "a1", 0));
        assertEquals(List.of("web"), names());
        assertEquals(
                Status.FINDING, scanner.current().containers().get(0).verdict().status());
        assertEquals(1, scanner.current().findingsDetected());
        docker.containers.remove("a1");
        docker.events.event(new ContainerEvent("destroy", "a1", 0));
        assertEquals(List.of(), names());
        assertEquals(2, scanner.current().eventsApplied());
    }

    @Test
    void eachAppliedEventTellsItsDelayFromTheDaemonsTimeOfIt() {
        org.readonlyrootfs.exporter.testing.MutableClock clock =
                new org.readonlyrootfs.exporter.testing.MutableClock(java.time.Instant.parse("2026-12-03T12:00:00Z"));
        long daemonTime = clock.instant().getEpochSecond() * 1_000_000_000L - 150_000_000L; // 150 ms ago
        List<Long> delays = new java.util.concurrent.CopyOnWriteArrayList<>();
        Scanner s = new Scanner(docker, new Classifier(true), requests, clock, "h");
        EventFollower f = new EventFollower(docker, s, Runnable::run, () -> {}, clock, delays::add);
        f.start();
        docker.add("d1", "web", "created", false, Map.of());
        docker.events.event(new ContainerEvent("create", "d1", daemonTime));
        docker.events.event(new ContainerEvent("attach", "d1", daemonTime)); // changes nothing: no delay
        docker.events.event(new ContainerEvent("start", "d1", 0)); // no time from the daemon: no delay
        docker.containers.remove("d1");
        docker.events.event(new ContainerEvent("destroy", "d1", daemonTime - 50_000_000L));
        assertEquals(List.of(150_000_000L, 200_000_000L), delays);
        assertEquals(3, s.current().eventsApplied());
        f.close();
    }

    @Test
    void podmansRemoveRemovesLikeDockersDestroy() {
        follower.start();
        docker.add("p1", "podman-web", "created", false, Map.of());
        docker.events.event(new ContainerEvent("create", "p1", 0));
        assertEquals(List.of("podman-web"), names());
        docker.containers.remove("p1");
        docker.events.event(new ContainerEvent("remove", "p1", 0));
        assertEquals(List.of(), names());
        assertEquals(2, scanner.current().eventsApplied());
    }

    @Test
    void churnThroughEventsAloneLeavesNothingBehind() {
        follower.start();
        for (int i = 0; i < 1000; i++) {
            String id = "c" + i;
            docker.add(id, "job-" + i, "created", false, Map.of());
            docker.events.event(new ContainerEvent("create", id, 0));
            docker.containers.remove(id);
            docker.events.event(new ContainerEvent("destroy", id, 0));
        }
        assertEquals(List.of(), names());
        // no scan since the churn: at most the last destroy is remembered, until the next inspect or scan ends
        assertTrue(
                scanner.inventory().size() <= 1,
                "inventory holds " + scanner.inventory().size());
    }

    @Test
    void renameAndStateChangesAreReadAgain() {
        follower.start();
        docker.add("a1", "before", "created", true, Map.of());
        docker.events.event(new ContainerEvent("create", "a1", 0));
        docker.add("a1", "after", "running", true, Map.of());
        docker.events.event(new ContainerEvent("rename", "a1", 0));
        assertEquals(List.of("after"), names());
        assertEquals("running", scanner.current().containers().get(0).facts().state());
    }

    @Test
    void eventsThatChangeNothingAreIgnoredAndAVanishedContainerLeaves() {
        follower.start();
        docker.events.event(new ContainerEvent("exec_start: sh", "a1", 0));
        docker.events.event(new ContainerEvent("health_status: healthy", "a1", 0));
        assertEquals(0, requests.snapshot().get("inspect"));
        docker.add("a1", "web", "running", false, Map.of());
        docker.events.event(new ContainerEvent("start", "a1", 0));
        docker.containers.remove("a1");
        docker.events.event(new ContainerEvent("die", "a1", 0)); // inspect answers 404
        assertEquals(List.of(), names());
    }
}
