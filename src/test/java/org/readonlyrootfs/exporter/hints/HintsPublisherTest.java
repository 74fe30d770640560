package org.readonlyrootfs.exporter.hints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.compliance.ContainerFacts;
import org.readonlyrootfs.exporter.remediation.Change;
import org.readonlyrootfs.exporter.remediation.ChangeKind;
import org.readonlyrootfs.exporter.remediation.ContainerContext;
import org.readonlyrootfs.exporter.remediation.Plan;
import org.readonlyrootfs.exporter.remediation.Planner;
import org.readonlyrootfs.exporter.scan.AuditedContainer;
import org.readonlyrootfs.exporter.testing.MutableClock;

/** The exporter's side: which plan per image, written when (and only when) the hints change, atomically. */
class HintsPublisherTest {
    static final Instant AT = Instant.parse("2026-12-03T20:00:00Z");
    private final Classifier classifier = new Classifier(true);
    private final MutableClock clock = new MutableClock(AT);

    static Plan plan(String name, String image, String... writtenFiles) {
        List<Change> changes = new java.util.ArrayList<>();
        for (String f : writtenFiles) {
            String dir = f.substring(0, f.lastIndexOf('/'));
            changes.add(new Change(dir, ChangeKind.MODIFIED));
            changes.add(new Change(f, ChangeKind.ADDED));
        }
        return new Planner().plan(ContainerContext.started(name, image, AT), changes);
    }

    AuditedContainer container(String id, String name, String image, boolean readonly, Map<String, String> labels) {
        ContainerFacts f = new ContainerFacts(id, name, image, "running", labels, 1700000000L, readonly);
        return new AuditedContainer(f, classifier.classify(f, AT), 1700000000L);
    }

    @Test
    void onePlanPerImageTheOneWithMostMountsOnlyObservedOnesAndOnlyFindings() {
        AuditedContainer small = container("a1", "web-1", "nginx:1.25", false, Map.of());
        AuditedContainer big = container("a2", "web-2", "nginx:1.25", false, Map.of());
        AuditedContainer ro = container("a3", "web-3", "nginx:1.25", true, Map.of());
        AuditedContainer system = container("a4", "ucp-agent", "mirantis/ucp-agent:3", false, Map.of());
        AuditedContainer task =
                container("a5", "shop_api.1.x", "api:2", false, Map.of("com.docker.swarm.service.name", "shop_api"));
        Map<String, Plan> plans = Map.of(
                "a1", plan("web-1", "nginx:1.25", "/run/nginx.pid"),
                "a2", plan("web-2", "nginx:1.25", "/run/nginx.pid", "/var/cache/nginx/x"),
                "a3", plan("web-3", "nginx:1.25", "/run/a", "/tmp/b", "/var/c/d"),
                "a4", plan("ucp-agent", "mirantis/ucp-agent:3", "/run/x"),
                "a5", plan("shop_api.1.x", "api:2", "/tmp/x"));
        List<FixHint> hints = HintsPublisher.hints(List.of(small, big, ro, system, task), plans);
        assertEquals(
                List.of("api:2", "nginx:1.25"),
                hints.stream().map(FixHint::image).toList());
        FixHint nginx = hints.get(1);
        assertEquals("web-2", nginx.container(), "the plan with the most mounts; the read-only web-3 is no finding");
        assertEquals(plans.get("a2").dockerRunFlags(), nginx.dockerRun());
        assertEquals("", nginx.service());
        FixHint api = hints.get(0);
        assertEquals("shop_api", api.service());
        assertEquals("--read-only", api.serviceUpdate().get(0));
        assertTrue(
                api.serviceUpdate().contains("type=tmpfs,destination=/tmp"),
                api.serviceUpdate().toString());
        assertTrue(
                HintsPublisher.hints(List.of(small), Map.of("a1", plan("web-1", "nginx:1.25"))).stream()
                        .allMatch(h -> h.plan().equals("no_writes")),
                "a container that wrote nothing: --read-only alone");
    }

    @Test
    void writesWhenTheHintsChangeAndOnlyThen(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("sub/hints.json");
        AuditedContainer web = container("a1", "web-1", "nginx:1.25", false, Map.of());
        AtomicReference<List<AuditedContainer>> containers = new AtomicReference<>(List.of(web));
        AtomicReference<Map<String, Plan>> plans = new AtomicReference<>(Map.of());
        HintsPublisher p =
                new HintsPublisher(containers::get, plans::get, () -> "node-1", () -> Optional.of(file), clock);
        assertTrue(p.publishIfChanged(), "the first check writes, even with no hints, creating the directory");
        assertEquals(List.of(), read(file).hints());
        assertFalse(p.publishIfChanged(), "nothing changed");
        plans.set(Map.of("a1", plan("web-1", "nginx:1.25", "/run/nginx.pid")));
        assertTrue(p.publishIfChanged());
        HintsFile.Content c = read(file);
        assertEquals("node-1", c.host());
        assertEquals(
                List.of("nginx:1.25"), c.hints().stream().map(FixHint::image).toList());
        plans.set(Map.of("a1", plan("web-1", "nginx:1.25", "/run/nginx.pid"))); // a new map, same plan
        assertFalse(p.publishIfChanged(), "the same hints are not written again");
        try (var files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void withoutAPathNothingIsWrittenAndAFailedWriteIsTriedAgain(@TempDir Path dir) throws IOException {
        AtomicReference<Optional<Path>> target = new AtomicReference<>(Optional.empty());
        HintsPublisher p = new HintsPublisher(List::of, Map::of, () -> "node-1", target::get, clock);
        assertFalse(p.publishIfChanged());
        Path blocker = dir.resolve("not-a-dir");
        Files.writeString(blocker, "x");
        target.set(Optional.of(blocker.resolve("hints.json")));
        assertFalse(p.publishIfChanged(), "a parent that is a file: one warning, no exception");
        Files.delete(blocker);
        assertTrue(p.publishIfChanged(), "tried again at the next check");
        target.set(Optional.of(dir.resolve("other.json")));
        assertTrue(p.publishIfChanged(), "a reloaded path is written at once");
    }

    private static HintsFile.Content read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return HintsFile.read(in);
        }
    }
}
