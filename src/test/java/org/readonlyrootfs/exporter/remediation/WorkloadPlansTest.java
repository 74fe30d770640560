package org.readonlyrootfs.exporter.remediation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** Exact plans for realistic workloads (the changes are what Docker 20.10 reported for them). */
class WorkloadPlansTest {
    static final Instant AT = Instant.parse("2026-01-02T03:04:05Z");
    static final ContainerContext APP = ContainerContext.started("app", "registry.example/app:1", AT);
    final Planner planner = new Planner();

    Plan plan(ContainerContext c, String... changes) {
        return planner.plan(c, Changes.of(changes));
    }

    @Test
    void nothingWritten() {
        Plan p = plan(APP);
        assertEquals(PlanKind.NO_WRITES, p.kind());
        assertEquals(List.of("--read-only"), p.dockerRunFlags());
        assertEquals(List.of(), p.warnings());
        assertEquals(AT, p.observedAt());
        assertEquals("services:\n  \"app\":\n    read_only: true\n", p.compose());
    }

    @Test
    void tmpOnly() {
        Plan p = plan(APP, "C /tmp", "A /tmp/a.txt", "A /tmp/hsperfdata_root", "A /tmp/hsperfdata_root/1");
        assertEquals(PlanKind.TMPFS_ONLY, p.kind());
        assertEquals(List.of("--read-only", "--tmpfs", "/tmp"), p.dockerRunFlags());
        assertEquals(List.of(), p.warnings());
        assertEquals(List.of(new WriteCount("/tmp/hsperfdata_root", 2), new WriteCount("/tmp", 1)), p.writes());
    }

    @Test
    void pidFileUnderRun() {
        Plan p = plan(APP, "C /run", "A /run/app.pid");
        assertEquals(PlanKind.TMPFS_ONLY, p.kind());
        assertEquals(List.of("--read-only", "--tmpfs", "/run"), p.dockerRunFlags());
        assertEquals(1, p.warnings().size());
        assertTrue(
                p.warnings().get(0).contains("hides what the image ships there"),
                p.warnings().get(0));
    }

    @Test
    void pidFileUnderRunAsNumericUserGetsOwnerOptions() {
        Plan p = plan(APP.withUser("1000:1000"), "C /run", "A /run/app.pid");
        assertEquals(List.of("--read-only", "--tmpfs", "/run:uid=1000,gid=1000"), p.dockerRunFlags());
    }

    @Test
    void newCacheTreeUnderVarCache() {
        Plan p = plan(
                APP,
                "C /var",
                "C /var/cache",
                "A /var/cache/app",
                "A /var/cache/app/top",
                "A /var/cache/app/sub",
                "A /var/cache/app/sub/deep",
                "A /var/cache/app/sub/deep/f");
        assertEquals(PlanKind.TMPFS_ONLY, p.kind());
        assertEquals(List.of("--read-only", "--tmpfs", "/var/cache/app"), p.dockerRunFlags());
        assertEquals(List.of(), p.warnings());
        assertEquals(List.of(new WriteCount("/var/cache/app", 5)), p.writes());
    }

    @Test
    void configRenderedIntoAnImageDirectory() {
        Plan p = plan(APP, "C /etc", "C /etc/app", "C /etc/app/app.conf");
        assertEquals(PlanKind.NEEDS_VOLUME, p.kind());
        assertEquals(List.of("--read-only", "--volume", "app-etc-app:/etc/app"), p.dockerRunFlags());
        assertEquals(2, p.warnings().size(), p.warnings().toString());
        assertTrue(
                p.warnings().get(0).contains("docker cp app:/etc/app ./app-etc-app"),
                p.warnings().get(0));
        assertTrue(
                p.warnings().get(0).contains("docker cp -a ./app-etc-app/. app:/etc/app"),
                p.warnings().get(0));
        assertTrue(p.warnings().get(1).contains("newer image"), p.warnings().get(1));
    }

    @Test
    void appendingToADatabaseFile() {
        Plan p = plan(APP, "C /var", "C /var/lib", "C /var/lib/db", "C /var/lib/db/data.db");
        assertEquals(PlanKind.NEEDS_VOLUME, p.kind());
        assertEquals(List.of("--read-only", "--volume", "app-var-lib-db:/var/lib/db"), p.dockerRunFlags());
        assertEquals(1, p.warnings().size(), p.warnings().toString());
        assertTrue(
                p.warnings().get(0).startsWith("/var/lib/db holds 1 change this"),
                p.warnings().get(0));
    }

    @Test
    void deletingAnImageFile() {
        Plan p = plan(APP, "C /usr", "C /usr/share", "C /usr/share/app", "D /usr/share/app/old.txt");
        assertEquals(PlanKind.NEEDS_VOLUME, p.kind());
        assertEquals(List.of("--read-only", "--volume", "app-usr-share-app:/usr/share/app"), p.dockerRunFlags());
        assertEquals(2, p.warnings().size(), p.warnings().toString());
        assertTrue(
                p.warnings()
                        .get(0)
                        .contains("deleted 1 entry the image ships in /usr/share/app"
                                + " (e.g. \"/usr/share/app/old.txt\")"),
                p.warnings().get(0));
    }

    @Test
    void writesUnderRootsHome() {
        Plan p = plan(APP, "C /root", "A /root/.config", "A /root/.config/app", "A /root/.config/app/settings.json");
        assertEquals(List.of("--read-only", "--volume", "app-root-.config:/root/.config"), p.dockerRunFlags());
        assertEquals(1, p.warnings().size(), p.warnings().toString());
    }

    @Test
    void writesUnderAUsersHomeGoToTheHomeSoTheVolumeKeepsItsOwner() {
        Plan p = plan(
                APP.withUser("1000").withHome("/home/app"),
                "C /home",
                "C /home/app",
                "A /home/app/.config",
                "A /home/app/.config/x");
        assertEquals(List.of("--read-only", "--volume", "app-home-app:/home/app"), p.dockerRunFlags());
    }

    @Test
    void aCacheInTheHomeIsATmpfs() {
        Plan p = plan(
                APP.withUser("1000").withHome("/home/app"),
                "C /home",
                "C /home/app",
                "A /home/app/.cache",
                "A /home/app/.cache/x");
        assertEquals(List.of("--read-only", "--tmpfs", "/home/app/.cache"), p.dockerRunFlags());
    }

    @Test
    void manySmallFilesUnderTmpSpool() {
        List<String> lines = new ArrayList<>(List.of("C /tmp", "A /tmp/spool"));
        for (int i = 0; i < 5000; i++) {
            lines.add("A /tmp/spool/msg-" + i);
        }
        Plan p = plan(APP, lines.toArray(String[]::new));
        assertEquals(PlanKind.TMPFS_ONLY, p.kind());
        assertEquals(List.of("--read-only", "--tmpfs", "/tmp"), p.dockerRunFlags());
        assertEquals(List.of(new WriteCount("/tmp/spool", 5001)), p.writes());
    }

    @Test
    void aMixedWorkloadGetsOneFlagPerMountAndValidCompose() {
        Plan p = plan(
                APP.withUser("1000"),
                "C /tmp",
                "A /tmp/x",
                "C /run",
                "A /run/app.pid",
                "C /var",
                "C /var/lib",
                "C /var/lib/app",
                "A /var/lib/app/state.json",
                "C /var/cache",
                "A /var/cache/app",
                "A /var/cache/app/f");
        assertEquals(PlanKind.NEEDS_VOLUME, p.kind());
        assertEquals(
                List.of(
                        "--read-only",
                        "--tmpfs",
                        "/run:uid=1000",
                        "--tmpfs",
                        "/tmp:uid=1000",
                        "--tmpfs",
                        "/var/cache/app",
                        "--volume",
                        "app-var-lib-app:/var/lib/app"),
                p.dockerRunFlags());
        Map<String, Object> yaml = new Yaml().load(p.compose());
        Map<?, ?> service = (Map<?, ?>) ((Map<?, ?>) yaml.get("services")).get("app");
        assertEquals(true, service.get("read_only"));
        assertEquals(List.of("/run:uid=1000", "/tmp:uid=1000", "/var/cache/app"), service.get("tmpfs"));
        assertEquals(List.of("app-var-lib-app:/var/lib/app"), service.get("volumes"));
        assertEquals(Map.of("app-var-lib-app", Map.of()), yaml.get("volumes"));
    }
}
