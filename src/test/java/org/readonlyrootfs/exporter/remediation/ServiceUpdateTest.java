package org.readonlyrootfs.exporter.remediation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceUpdateTest {
    private static final Instant AT = Instant.parse("2026-11-30T12:00:00Z");
    private final Planner planner = new Planner();

    private Plan plan(String name, String user, Change... changes) {
        return planner.plan(ContainerContext.started(name, "shop/web:1", AT).withUser(user), List.of(changes));
    }

    @Test
    void mergesTheTasksMountsIntoServiceMounts() {
        Plan a = plan(
                "shop_web.1.abc",
                "",
                new Change("/run", ChangeKind.MODIFIED),
                new Change("/run/web.pid", ChangeKind.ADDED));
        Plan b = plan(
                "shop_web.2.def",
                "",
                new Change("/run", ChangeKind.MODIFIED),
                new Change("/run/web.pid", ChangeKind.ADDED),
                new Change("/var", ChangeKind.MODIFIED),
                new Change("/var/lib", ChangeKind.MODIFIED),
                new Change("/var/lib/web", ChangeKind.MODIFIED),
                new Change("/var/lib/web/state.db", ChangeKind.MODIFIED));
        ServiceUpdate u = ServiceUpdate.of("shop_web", List.of(a, b));
        assertEquals(
                List.of(
                        "--read-only",
                        "--mount-add",
                        "type=tmpfs,destination=/run",
                        "--mount-add",
                        "type=volume,source=shop_web-var-lib-web,destination=/var/lib/web"),
                u.flags());
        assertEquals(2, u.tasks());
        assertTrue(
                u.warnings().stream().anyMatch(w -> w.contains("its own local volume")),
                u.warnings().toString());
    }

    @Test
    void aTmpfsThatNeedsAnOwnerBecomesAWarning() {
        Plan p = plan(
                "api.1.x",
                "1000",
                new Change("/run", ChangeKind.MODIFIED),
                new Change("/run/app", ChangeKind.MODIFIED),
                new Change("/run/app/app.pid", ChangeKind.ADDED));
        ServiceUpdate u = ServiceUpdate.of("api", List.of(p));
        assertTrue(
                u.flags().contains("type=tmpfs,destination=/run/app"), u.flags().toString());
        assertTrue(
                u.warnings().stream().anyMatch(w -> w.contains("uid=1000")),
                u.warnings().toString());
    }

    @Test
    void nothingWrittenIsReadOnlyAlone() {
        ServiceUpdate u = ServiceUpdate.of("api", List.of(plan("api.1.x", "")));
        assertEquals(List.of("--read-only"), u.flags());
        assertEquals(List.of(), u.warnings());
    }
}
