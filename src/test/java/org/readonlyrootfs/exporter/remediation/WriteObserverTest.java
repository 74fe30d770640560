package org.readonlyrootfs.exporter.remediation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Order independence, bounded memory and hostile input. */
class WriteObserverTest {
    static final ContainerContext APP = ContainerContext.started("app", "img", Instant.EPOCH);
    final Planner planner = new Planner();

    static final List<List<Change>> WORKLOADS = List.of(
            Changes.of("C /tmp", "A /tmp/a.txt"),
            Changes.of("C /run", "A /run/app.pid", "C /run/nginx", "A /run/nginx/nginx.pid"),
            Changes.of(
                    "C /var",
                    "C /var/cache",
                    "A /var/cache/app",
                    "A /var/cache/app/top",
                    "A /var/cache/app/sub",
                    "A /var/cache/app/sub/deep",
                    "A /var/cache/app/sub/deep/f"),
            Changes.of(
                    "C /etc", "C /etc/app", "C /etc/app/app.conf", "A /etc/app/new.conf", "D /etc/app/defaults.conf"),
            Changes.of(
                    "C /var",
                    "C /var/lib",
                    "C /var/lib/db",
                    "C /var/lib/db/data.db",
                    "C /usr",
                    "C /usr/share",
                    "C /usr/share/app",
                    "D /usr/share/app/old.txt",
                    "C /root",
                    "A /root/.config",
                    "A /root/.config/x",
                    "C /tmp",
                    "A /tmp/j",
                    "A /tmp/j/lib.so",
                    "A /mnt",
                    "A /mnt/tfs",
                    "C /srv",
                    "C /srv/a",
                    "C /srv/a/b",
                    "A /srv/a/b/c",
                    "A /srv/a/n",
                    "A /srv/a/n/m"));

    @Test
    void anyOrderGivesTheSamePlan() {
        ContainerContext c = APP.withMounts(List.of("/mnt/tfs")).withUser("1000");
        for (List<Change> workload : WORKLOADS) {
            Plan expected = planner.plan(c, workload);
            assertCoversEveryWrite(expected, workload, c.existingMounts());
            Random random = new Random(42);
            for (int i = 0; i < 50; i++) {
                List<Change> shuffled = new ArrayList<>(workload);
                Collections.shuffle(shuffled, random);
                assertEquals(expected, planner.plan(c, shuffled), shuffled.toString());
            }
        }
    }

    @Test
    void tinyCapsStillGiveSoundPlansInAnyOrder() {
        // past the name cap a directory's own entry may go uncounted, so the plan can differ by order;
        // it must still make every write land in a mount, and memory must stay within the cap
        for (List<Change> workload : WORKLOADS) {
            Random random = new Random(7);
            for (int i = 0; i < 50; i++) {
                List<Change> shuffled = new ArrayList<>(workload);
                Collections.shuffle(shuffled, random);
                WriteObserver o = new WriteObserver(List.of("/mnt/tfs"), 4096, 2, 32);
                o.acceptAll(shuffled);
                assertTrue(o.peakTrackedEntries() <= o.maxTrackedEntries());
                Plan p = planner.plan(APP.withMounts(List.of("/mnt/tfs")), o.finish());
                assertCoversEveryWrite(p, workload, List.of("/mnt/tfs"));
            }
        }
    }

    /** Every leaf change (nothing listed below it) lies in a planned or existing mount, or is a mount point's parent. */
    static void assertCoversEveryWrite(Plan p, List<Change> changes, List<String> existing) {
        List<String> mounts = new ArrayList<>(existing);
        mounts.addAll(p.tmpfsPaths());
        mounts.addAll(p.volumePaths());
        for (Change c : changes) {
            boolean leaf = changes.stream().noneMatch(o -> ChangePaths.isBelow(o.path(), c.path()));
            if (!leaf || existing.stream().anyMatch(m -> ChangePaths.isAtOrBelow(m, c.path()))) {
                continue;
            }
            String dir = ChangePaths.parent(c.path());
            assertTrue(
                    mounts.stream()
                            .anyMatch(m -> ChangePaths.isAtOrBelow(dir, m) || ChangePaths.isAtOrBelow(c.path(), m)),
                    c + " not covered by " + p.dockerRunFlags());
        }
    }

    @Test
    void fiftyThousandFilesStayWithinTheCapInAnyOrder() {
        List<Change> changes = new ArrayList<>(Changes.of(
                "C /tmp",
                "A /tmp/spool",
                "C /var",
                "C /var/cache",
                "A /var/cache/app",
                "A /var/cache/app/idx",
                "C /var/lib",
                "C /var/lib/db",
                "C /var/lib/db/data.db"));
        for (int i = 0; i < 50_000; i++) {
            changes.add(new Change("/tmp/spool/msg-" + i, ChangeKind.ADDED));
        }
        WriteObserver sorted = new WriteObserver(List.of());
        sorted.acceptAll(changes);
        assertTrue(sorted.peakTrackedEntries() <= sorted.maxTrackedEntries(), "peak " + sorted.peakTrackedEntries());
        Plan expected = planner.plan(APP, sorted.finish());
        assertEquals(
                List.of(
                        "--read-only",
                        "--tmpfs",
                        "/tmp",
                        "--tmpfs",
                        "/var/cache/app",
                        "--volume",
                        "app-var-lib-db:/var/lib/db"),
                expected.dockerRunFlags());
        assertEquals(new WriteCount("/tmp/spool", 50_001), expected.writes().get(0));

        Collections.shuffle(changes, new Random(1));
        WriteObserver shuffled = new WriteObserver(List.of());
        shuffled.acceptAll(changes);
        assertTrue(shuffled.peakTrackedEntries() <= shuffled.maxTrackedEntries());
        assertEquals(expected, planner.plan(APP, shuffled.finish()));
    }

    @Test
    void manyDirectoriesPastTheCapCountInTheirAncestorsAndSaySo() {
        WriteObserver o = new WriteObserver(List.of(), 64, 128, 32);
        o.acceptAll(Changes.of("C /var", "C /var/lib", "A /var/lib/app"));
        for (int d = 0; d < 500; d++) {
            o.accept(new Change("/var/lib/app/d" + d, ChangeKind.ADDED));
            for (int f = 0; f < 100; f++) {
                o.accept(new Change("/var/lib/app/d" + d + "/f" + f, ChangeKind.ADDED));
            }
            assertTrue(o.trackedEntries() <= o.maxTrackedEntries());
        }
        ObservedWrites w = o.finish();
        assertTrue(w.truncated() > 0);
        Plan p = planner.plan(APP, w);
        assertEquals(List.of("--read-only", "--volume", "app-var-lib-app:/var/lib/app"), p.dockerRunFlags());
        assertTrue(
                p.warnings().get(0).contains("past the tracking limits"),
                p.warnings().toString());
    }

    @Test
    void veryDeepPathsAreCutAtTheDepthCap() {
        StringBuilder path = new StringBuilder("/var/cache/app");
        List<Change> changes = new ArrayList<>(Changes.of("C /var", "C /var/cache", "A /var/cache/app"));
        for (int i = 0; i < 300; i++) {
            path.append("/d");
            changes.add(new Change(path.toString(), ChangeKind.ADDED));
        }
        Plan p = planner.plan(APP, changes);
        assertEquals(List.of("--read-only", "--tmpfs", "/var/cache/app"), p.dockerRunFlags());
    }

    @Test
    void absurdPathsAreCountedAndIgnored() {
        String tooLong = "/" + "x".repeat(5000);
        Plan p = planner.plan(
                APP,
                List.of(
                        new Change("", ChangeKind.ADDED),
                        new Change(null, ChangeKind.ADDED),
                        new Change("tmp/x", ChangeKind.ADDED),
                        new Change("/tmp/../etc/passwd", ChangeKind.MODIFIED),
                        new Change("/tmp/./x", ChangeKind.ADDED),
                        new Change("//tmp", ChangeKind.ADDED),
                        new Change("/tmp/", ChangeKind.ADDED),
                        new Change("/", ChangeKind.MODIFIED),
                        new Change("/a\0b", ChangeKind.ADDED),
                        new Change(tooLong, ChangeKind.ADDED)));
        assertEquals(PlanKind.UNKNOWN, p.kind());
        assertEquals(List.of("--read-only"), p.dockerRunFlags());
        assertEquals(1, p.warnings().size());
        assertEquals(
                "10 changes had unusable paths and were ignored (NUL byte: 1, dot segment: 2, empty: 2,"
                        + " empty segment: 2, longer than 4096 characters: 1, relative: 1, the root itself: 1):"
                        + " the plan may miss what they wrote",
                p.warnings().get(0));
    }

    @Test
    void oddButValidNamesAreMountedOnTheirNearestNameableParent() {
        Plan p = planner.plan(
                APP,
                Changes.of(
                        "C /tmp",
                        "A /tmp/a\nb",
                        "A /tmp/a\nb/f",
                        "C /etc",
                        "C /etc/caf\uFFFD",
                        "C /etc/caf\uFFFD/x.conf",
                        "C /var",
                        "C /var/lib",
                        "A /var/lib/we\"ird:dir,x",
                        "A /var/lib/we\"ird:dir,x/'f'"));
        assertEquals(
                List.of(
                        "--read-only",
                        "--tmpfs",
                        "/tmp",
                        "--volume",
                        "app-etc:/etc",
                        "--volume",
                        "app-var-lib:/var/lib"),
                p.dockerRunFlags());
        assertTrue(
                p.warnings()
                        .get(0)
                        .startsWith("3 places have names a mount flag cannot carry (e.g. \"/etc/caf\\ufffd\")"),
                p.warnings().get(0));
        p.warnings().forEach(w -> assertTrue(w.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f), w));
    }

    @Test
    void unknownCodesAndFinishingTwiceAreClearErrors() {
        assertEquals(
                "change kind must be 0, 1 or 2, got [7]",
                assertThrows(IllegalArgumentException.class, () -> ChangeKind.fromCode(7))
                        .getMessage());
        WriteObserver o = new WriteObserver(null);
        o.finish();
        assertThrows(IllegalStateException.class, o::finish);
        assertThrows(IllegalStateException.class, () -> o.accept(Change.of("/tmp", 0)));
    }

    @Test
    void rawEntriesWithUnknownKindsAreCountedNotThrown() {
        WriteObserver o = new WriteObserver(List.of());
        o.accept("/tmp", 0);
        o.accept("/tmp/x", 1);
        o.accept("/tmp/y", 9);
        o.accept("/tmp/z", -1);
        ObservedWrites w = o.finish();
        assertEquals(Map.of("unknown kind", 2L), w.invalid());
        assertEquals(4, w.changes());
        assertEquals(List.of("/tmp"), w.places().stream().map(WritePlace::path).toList());
    }

    @Test
    void duplicateEntriesCountOnce() {
        ObservedWrites w = observe(Changes.of("C /tmp", "A /tmp/x", "A /tmp/x"));
        assertEquals(List.of(new WritePlace("/tmp", false, 1, 0, false, false, "/tmp/x", "")), w.places());
    }

    @Test
    void observedWritesTellNewDirectoriesFromImageOnes() {
        ObservedWrites w = observe(Changes.of(
                "A /var/cache/app/x",
                "C /var/cache",
                "A /var/cache/app",
                "C /var",
                "C /etc/app/app.conf",
                "D /etc/app/old",
                "C /etc/app",
                "C /etc"));
        assertEquals(
                List.of(
                        new WritePlace("/etc/app", false, 2, 1, true, false, "/etc/app/app.conf", "/etc/app/old"),
                        new WritePlace("/var/cache/app", true, 2, 0, false, false, "/var/cache/app/x", "")),
                w.places());
        assertEquals(Map.of(), w.invalid());
    }

    private static ObservedWrites observe(List<Change> changes) {
        WriteObserver o = new WriteObserver(List.of());
        o.acceptAll(changes);
        return o.finish();
    }
}
