package org.readonlyrootfs.exporter.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.metrics.Fixtures;
import org.readonlyrootfs.exporter.scan.AuditedService;
import org.readonlyrootfs.exporter.scan.Snapshot;

class RemediationsTest {
    @Test
    void argumentsAreQuotedForAShellOnlyWhereNeeded() {
        assertEquals(
                "--read-only --tmpfs /run:uid=1000 --volume 'a b:/opt/my state' 'it'\\''s' ''",
                Remediations.shell(List.of(
                        "--read-only", "--tmpfs", "/run:uid=1000", "--volume", "a b:/opt/my state", "it's", "")));
        assertEquals(
                "'/tmp/\u00e9t\u00e9' '$HOME' 'a\nb'",
                Remediations.shell(List.of("/tmp/\u00e9t\u00e9", "$HOME", "a\nb")));
    }

    @Test
    void aFindingWithoutAPlanGetsTheGenericFix() {
        assertEquals(Remediations.GENERIC, Remediations.line(Optional.empty()));
    }

    @Test
    void aSwarmServiceGetsTheUpdateOfItsTasksOnThisNode() {
        Snapshot s = Fixtures.inventory();
        AuditedService web = s.services().stream()
                .filter(a -> a.facts().name().equals("shop_web"))
                .findFirst()
                .orElseThrow();
        assertEquals(
                "docker service update --read-only --mount-add type=tmpfs,destination=/run shop_web",
                Remediations.line("shop_web", Remediations.service(s, web).orElseThrow()));
        AuditedService api = s.services().stream()
                .filter(a -> a.facts().name().equals("shop_api"))
                .findFirst()
                .orElseThrow();
        assertEquals(Optional.empty(), Remediations.service(s, api), "no task of it on this node has a plan");
    }
}
