package org.readonlyrootfs.exporter.remediation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One test per planning rule and per plan kind. */
class PlannerRulesTest {
    static final ContainerContext APP = ContainerContext.started("app", "img", Instant.EPOCH);
    final Planner planner = new Planner();

    Plan plan(ContainerContext c, String... changes) {
        return planner.plan(c, Changes.of(changes));
    }

    List<String> flags(ContainerContext c, String... changes) {
        return plan(c, changes).dockerRunFlags();
    }

    @Test
    void neverStartedGetsTheGenericFix() {
        ContainerContext created = new ContainerContext("app", "img", "", "", List.of(), false, true, null, "");
        Plan p = planner.plan(created, ObservedWrites.none());
        assertEquals(PlanKind.NOT_OBSERVED, p.kind());
        assertEquals(List.of("--read-only"), p.dockerRunFlags());
        assertTrue(p.warnings().get(0).startsWith("never started"));
    }

    @Test
    void unreadableChangesAreUnknown() {
        ContainerContext c = new ContainerContext("app", "img", "", "", List.of(), true, false, null, "");
        Plan p = planner.plan(c, ObservedWrites.none());
        assertEquals(PlanKind.UNKNOWN, p.kind());
        assertEquals(List.of("--read-only"), p.dockerRunFlags());
        assertEquals(1, p.warnings().size());
    }

    @Test
    void writesOnlyInTheRootDirectoryAreUnknownWithAWarning() {
        Plan p = plan(APP, "A /app.pid");
        assertEquals(PlanKind.UNKNOWN, p.kind());
        assertEquals(List.of("--read-only"), p.dockerRunFlags());
        assertTrue(
                p.warnings().get(0).contains("no mount can go (e.g. \"/app.pid\" in \"/\")"),
                p.warnings().get(0));
    }

    @Test
    void aNewTopLevelDirectoryIsMountedItself() {
        assertEquals(List.of("--read-only", "--volume", "app-data:/data"), flags(APP, "A /data", "A /data/x"));
    }

    @Test
    void aNewDirectoryWithoutAClearPurposeGetsAVolume() {
        assertEquals(
                List.of("--read-only", "--volume", "app-app-out:/app/out"),
                flags(APP, "C /app", "A /app/out", "A /app/out/report.txt"));
    }

    @Test
    void aVolumeForANonRootUserGoesOnTheImageDirectoryAboveANewOne() {
        assertEquals(
                List.of("--read-only", "--volume", "app-app:/app"),
                flags(APP.withUser("1000"), "C /app", "A /app/out", "A /app/out/report.txt"));
    }

    @Test
    void aNewDirectoryUnderTmpOrRunIsMountedAtTmpOrRun() {
        assertEquals(
                List.of("--read-only", "--tmpfs", "/tmp"),
                flags(APP, "C /tmp", "A /tmp/tmp.Xy12", "A /tmp/tmp.Xy12/f"));
        assertEquals(
                List.of("--read-only", "--tmpfs", "/run/app"),
                flags(APP, "C /run", "C /run/app", "A /run/app/sock", "A /run/app/sock/s"));
    }

    @Test
    void imageContentChangedInAnEphemeralPlaceKeepsItVisibleWithAVolume() {
        Plan p = plan(APP, "C /run", "C /run/app.pid");
        assertEquals(List.of("--read-only", "--volume", "app-run:/run"), p.dockerRunFlags());
        Plan cache = plan(APP, "C /var", "C /var/cache", "C /var/cache/apk", "C /var/cache/apk/index");
        assertEquals(List.of("--read-only", "--volume", "app-var-cache-apk:/var/cache/apk"), cache.dockerRunFlags());
    }

    @Test
    void filesAddedToAnImageCacheDirectoryGetATmpfsAndACheck() {
        Plan p = plan(APP, "C /var", "C /var/cache", "C /var/cache/nginx", "A /var/cache/nginx/client_temp");
        assertEquals(List.of("--read-only", "--tmpfs", "/var/cache/nginx"), p.dockerRunFlags());
        assertTrue(
                p.warnings().get(0).contains("nothing the app needs in /var/cache/nginx"),
                p.warnings().toString());
    }

    @Test
    void anImageDirectoryInsideATmpfsKeepsItsOwnTmpfsSoItStillExists() {
        assertEquals(
                List.of("--read-only", "--tmpfs", "/run", "--tmpfs", "/run/nginx"),
                flags(APP, "C /run", "A /run/x.pid", "C /run/nginx", "A /run/nginx/nginx.pid"));
    }

    @Test
    void placesInsideAVolumeAreDropped() {
        Plan p = plan(
                APP,
                "C /srv",
                "C /srv/app",
                "A /srv/app/a",
                "C /srv/app/sub",
                "C /srv/app/sub/b",
                "A /srv/app/new",
                "A /srv/app/new/c");
        assertEquals(List.of("--read-only", "--volume", "app-srv-app:/srv/app"), p.dockerRunFlags());
        assertTrue(
                p.warnings().get(0).startsWith("/srv/app holds 4 changes"),
                p.warnings().toString());
    }

    @Test
    void aTmpfsInsideAVolumeIsKept() {
        assertEquals(
                List.of("--read-only", "--tmpfs", "/var/lib/app/cache", "--volume", "app-var-lib-app:/var/lib/app"),
                flags(
                        APP,
                        "C /var",
                        "C /var/lib",
                        "C /var/lib/app",
                        "A /var/lib/app/x",
                        "A /var/lib/app/cache",
                        "A /var/lib/app/cache/y"));
    }

    @Test
    void aDeletedImageDirectoryIsAWriteToItsParent() {
        Plan p = plan(APP, "C /var", "C /var/lib", "D /var/lib/db");
        assertEquals(List.of("--read-only", "--volume", "app-var-lib:/var/lib"), p.dockerRunFlags());
        assertEquals(1, p.warnings().size(), p.warnings().toString());
        assertTrue(p.warnings().get(0).contains("deleted 1 entry"));
    }

    @Test
    void writesInsideExistingMountsAndTheirMountPointsAreIgnored() {
        ContainerContext c = APP.withMounts(List.of("/mnt/tfs", "/data-decl/"));
        assertEquals(
                PlanKind.NO_WRITES,
                plan(c, "A /mnt", "A /mnt/tfs", "A /data-decl/w").kind());
        assertEquals(
                List.of("--read-only", "--volume", "app-mnt:/mnt"),
                flags(c, "A /mnt", "A /mnt/tfs", "A /mnt/other.txt"));
    }

    @Test
    void nativeCodeInATmpfsGetsExec() {
        Plan p = plan(APP, "C /tmp", "A /tmp/jna-1", "A /tmp/jna-1/libjnidispatch.so");
        assertEquals(List.of("--read-only", "--tmpfs", "/tmp:exec"), p.dockerRunFlags());
        assertTrue(p.warnings().get(0).contains("exec"));
    }

    @Test
    void aNamedUserGetsAVolumeWhereATmpfsWouldBeRoots() {
        // measured (RemediationIT's corpus): a tmpfs on an image directory is root's, and a name gives no uid=;
        // a new volume keeps the image directory's owner
        Plan p = plan(APP.withUser("app"), "C /run", "C /run/app", "A /run/app/app.pid");
        assertEquals(List.of("--read-only", "--volume", "app-run-app:/run/app"), p.dockerRunFlags());
        assertTrue(
                p.warnings().stream().anyMatch(w -> w.contains("is a name, not a uid") && w.contains("/run/app")),
                p.warnings().toString());
        assertEquals(
                List.of("--read-only", "--tmpfs", "/tmp"),
                flags(APP.withUser("app"), "C /tmp", "A /tmp/x"),
                "a named user's /tmp stays a tmpfs: it is open to all as a rule");
    }

    @Test
    void tmpGetsTheUsersOwnerSoAnImageThatGaveItsTmpToTheUserStillWorks() {
        // measured: an image /tmp owned 1000 with mode 755 under --user 1000 and a plain --tmpfs /tmp: denied
        assertEquals(
                List.of("--read-only", "--tmpfs", "/tmp:uid=1000"), flags(APP.withUser("1000"), "C /tmp", "A /tmp/x"));
        assertEquals(List.of("--read-only", "--tmpfs", "/tmp"), flags(APP, "C /tmp", "A /tmp/x"), "root needs none");
    }

    @Test
    void aNewDirectoryTmpfsNeedsNoOwnerOptions() {
        assertEquals(
                List.of("--read-only", "--tmpfs", "/var/cache/app"),
                flags(APP.withUser("1000"), "C /var", "C /var/cache", "A /var/cache/app", "A /var/cache/app/x"));
    }

    @Test
    void homeFromTheEnvironmentIsPersistent() {
        ContainerContext c = APP.withHome("/opt/app");
        assertEquals(
                List.of("--read-only", "--volume", "app-opt-app:/opt/app"),
                flags(c, "C /opt", "C /opt/app", "A /opt/app/.history"));
    }

    @Test
    void aComposeServiceNamesTheSnippet() {
        ContainerContext c = new ContainerContext("proj-web-1", "img", "", "", List.of(), true, true, null, "web");
        assertTrue(planner.plan(c, Changes.of("C /tmp", "A /tmp/x")).compose().startsWith("services:\n  \"web\":\n"));
    }

    @Test
    void writesAreCappedLargestFirst() {
        Planner small = new Planner(2);
        Plan p = small.plan(
                APP,
                Changes.of(
                        "C /tmp",
                        "A /tmp/a",
                        "C /run",
                        "A /run/a",
                        "A /run/b",
                        "C /srv",
                        "A /srv/a",
                        "A /srv/b",
                        "A /srv/c"));
        assertEquals(List.of(new WriteCount("/srv", 3), new WriteCount("/run", 2)), p.writes());
        assertEquals(1, p.writesOmitted());
    }
}
