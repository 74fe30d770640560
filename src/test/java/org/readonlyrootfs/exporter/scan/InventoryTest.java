package org.readonlyrootfs.exporter.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.compliance.CompliancePolicy;
import org.readonlyrootfs.exporter.compliance.Exemption;
import org.readonlyrootfs.exporter.compliance.KubernetesMode;
import org.readonlyrootfs.exporter.compliance.ServiceFacts;
import org.readonlyrootfs.exporter.compliance.Status;
import org.readonlyrootfs.exporter.docker.ContainerDetails;
import org.readonlyrootfs.exporter.docker.ContainerSummary;

/** Scans and events race; the newer observation must win. */
class InventoryTest {
    private final Inventory inventory = new Inventory(new Classifier(true), Clock.systemUTC());

    private static ContainerSummary listed(String id, String name, String state) {
        return new ContainerSummary(id, name, "img", state, Map.of(), 1);
    }

    private static ContainerDetails inspected(String id, String name, String state, boolean ro) {
        return new ContainerDetails(id, name, "img", state, Map.of(), 1, ro);
    }

    private List<String> names() {
        return inventory.containers().stream()
                .map(c -> c.facts().name() + ":" + c.facts().state())
                .toList();
    }

    @Test
    void aScanPutsListedContainersWithTheirInspectedFlag() {
        long at = inventory.nextSeq();
        inventory.scanned(
                at,
                List.of(listed("a", "web", "running"), listed("b", "gone-before-inspect", "running")),
                Map.of("a", true));
        assertEquals(List.of("web:running"), names());
        assertEquals(true, inventory.readonly("a").orElseThrow());
        assertTrue(inventory.readonly("b").isEmpty());
    }

    @Test
    void aContainerDestroyedAfterTheListIsNotBroughtBackByTheScan() {
        long scan = inventory.nextSeq();
        inventory.inspected(inspected("a", "web", "running", false), inventory.nextSeq());
        inventory.gone("a", inventory.nextSeq());
        inventory.scanned(scan, List.of(listed("a", "web", "running")), Map.of("a", false));
        assertEquals(List.of(), names());
    }

    @Test
    void aContainerCreatedAfterTheListIsNotDroppedByTheScan() {
        long scan = inventory.nextSeq();
        inventory.inspected(inspected("new", "fresh", "created", false), inventory.nextSeq());
        inventory.scanned(scan, List.of(), Map.of());
        assertEquals(List.of("fresh:created"), names());
        // the next scan, whose list does not show it, removes it
        inventory.scanned(inventory.nextSeq(), List.of(), Map.of());
        assertEquals(List.of(), names());
    }

    @Test
    void aLateInspectDoesNotOverwriteANewerObservation() {
        long startEvent = inventory.nextSeq();
        long renameEvent = inventory.nextSeq();
        inventory.inspected(inspected("a", "renamed", "running", true), renameEvent);
        inventory.inspected(inspected("a", "old-name", "created", true), startEvent);
        assertEquals(List.of("renamed:running"), names());
        long scan = inventory.nextSeq();
        inventory.scanned(scan, List.of(listed("a", "renamed", "exited")), Map.of());
        assertEquals(List.of("renamed:exited"), names(), "the scan's list is newer");
    }

    @Test
    void anInspectForAnEventBeforeADestroyIsDropped() {
        long create = inventory.nextSeq();
        inventory.gone("a", inventory.nextSeq());
        inventory.inspected(inspected("a", "web", "created", false), create);
        assertEquals(List.of(), names());
    }

    @Test
    void rememberedDestroysAreForgottenByTheNextScan() {
        inventory.inspected(inspected("a", "web", "running", false), inventory.nextSeq());
        inventory.gone("a", inventory.nextSeq());
        assertEquals(1, inventory.size(), "one remembered destroy");
        inventory.scanned(inventory.nextSeq(), List.of(), Map.of());
        assertEquals(0, inventory.size());
    }

    @Test
    void rememberedDestroysAreForgottenOnceNoOlderObservationIsPending() {
        long inspect = inventory.begin(); // after a create event
        long scan = inventory.begin();
        inventory.gone("a", inventory.nextSeq());
        inventory.inspected(inspected("a", "web", "created", false), inspect);
        inventory.end();
        assertEquals(List.of(), names(), "the late inspect is dropped");
        assertEquals(1, inventory.size(), "the destroy is remembered while the scan is pending");
        inventory.scanned(scan, List.of(listed("a", "web", "created")), Map.of("a", false));
        assertEquals(List.of(), names(), "the scan's list predates the destroy");
        inventory.end();
        assertEquals(0, inventory.size());
    }

    @Test
    void churnWithoutASuccessfulScanLeavesNothingBehind() {
        for (int i = 0; i < 10_000; i++) {
            String id = "c" + i;
            long create = inventory.begin();
            inventory.gone(id, inventory.nextSeq());
            inventory.gone(id, create); // its inspect answered 404
            inventory.end();
        }
        assertEquals(0, inventory.size());
        assertEquals(List.of(), names());
    }

    @Test
    void findingsAreCountedOnceAndTheSortedListIsReusedUntilAChange() {
        inventory.inspected(inspected("a", "web", "running", false), inventory.nextSeq());
        inventory.inspected(inspected("a", "web", "running", false), inventory.nextSeq());
        assertEquals(1, inventory.findingsDetected());
        List<AuditedContainer> first = inventory.containers();
        inventory.scanned(
                inventory.nextSeq(),
                List.of(new ContainerSummary("a", "web", "img", "running", Map.of(), 1)),
                Map.of());
        assertSame(first, inventory.containers(), "nothing changed: no rebuild");
        inventory.inspected(inspected("b", "api", "running", true), inventory.nextSeq());
        assertEquals(List.of("api:running", "web:running"), names());
    }

    @Test
    void judgeByAReloadedPolicyReJudgesEveryContainerAndServiceFromTheFactsItHolds() {
        inventory.scanned(
                inventory.nextSeq(),
                List.of(listed("a", "batch", "running"), listed("b", "web", "running")),
                Map.of("a", false, "b", true));
        inventory.services(List.of(new ServiceFacts("s1", "batch-svc", "img", "replicated", Map.of(), false)));
        assertEquals(Status.FINDING, status("batch"));
        long findings = inventory.findingsDetected();
        List<AuditedContainer> before = inventory.containers();

        Exemption batch = Exemption.of(
                "batch",
                new Exemption.Match(Pattern.compile("batch.*"), null, List.of(), null, null),
                "vendor image",
                "",
                "",
                null);
        CompliancePolicy policy = new CompliancePolicy(true, KubernetesMode.NOT_APPLICABLE, List.of(batch));
        assertEquals(1, inventory.judgeBy(new Classifier(policy)));

        assertEquals(Status.EXEMPT, status("batch"));
        assertEquals(Status.COMPLIANT, status("web"));
        assertEquals(Status.EXEMPT, inventory.services().get(0).verdict().status());
        assertSame(policy, inventory.classifier().policy());
        assertTrue(before != inventory.containers(), "a new list: the metric renderer's cache sees the change");
        // a container put afterwards (a scan's, an event's) is judged by the new policy too
        inventory.inspected(inspected("c", "batch-2", "created", false), inventory.nextSeq());
        assertEquals(Status.EXEMPT, status("batch-2"));

        // and back: a finding again, counted once as before
        assertEquals(2, inventory.judgeBy(new Classifier(true)));
        assertEquals(Status.FINDING, status("batch"));
        assertEquals(Status.FINDING, status("batch-2"));
        assertEquals(findings + 1, inventory.findingsDetected(), "batch-2 is a new finding; batch was counted");
    }

    private Status status(String name) {
        return inventory.containers().stream()
                .filter(c -> c.facts().name().equals(name))
                .findFirst()
                .orElseThrow()
                .verdict()
                .status();
    }
}
