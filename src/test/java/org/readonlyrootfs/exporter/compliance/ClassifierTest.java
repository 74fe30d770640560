package org.readonlyrootfs.exporter.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClassifierTest {
    private static final Instant NOW = Instant.parse("2026-01-15T12:00:00Z");
    private final Classifier classifier = new Classifier(true);

    private static Verdict classify(Classifier c, ContainerFacts f) {
        return c.classify(f, NOW);
    }

    private static ContainerFacts container(String name, boolean readonly, Map<String, String> labels) {
        return new ContainerFacts("0123456789abcdef0123", name, "img:1", "running", labels, 1, readonly);
    }

    @Test
    void readonlyRootfsIsCompliantAndWritableIsAFinding() {
        Verdict ro = classify(classifier, container("web", true, Map.of()));
        Verdict rw = classify(classifier, container("web", false, Map.of()));
        assertEquals(Status.COMPLIANT, ro.status());
        assertEquals(Status.FINDING, rw.status());
        assertEquals(Orchestrator.STANDALONE, rw.orchestrator());
        assertEquals("", rw.stack());
        assertEquals("", rw.service());
        assertTrue(rw.reason().contains("ReadonlyRootfs=false"));
    }

    @Test
    void kubernetesContainersAreNotApplicableWhateverTheirRootfs() {
        Verdict pod = classify(classifier, container("k8s_web", false,
                Map.of("io.kubernetes.pod.name", "web-0", "io.kubernetes.pod.namespace", "shop")));
        Verdict sandbox = classify(classifier, container("k8s_POD", false,
                Map.of("io.kubernetes.docker.type", "podsandbox")));
        assertEquals(Status.NOT_APPLICABLE, pod.status());
        assertEquals(Orchestrator.KUBERNETES, pod.orchestrator());
        assertEquals("shop", pod.stack());
        assertEquals("web-0", pod.service());
        assertEquals(Status.NOT_APPLICABLE, sandbox.status());
        assertEquals(Orchestrator.KUBERNETES, sandbox.orchestrator());
    }

    @Test
    void kubernetesWinsOverSystemContainerNames() {
        Verdict v = classify(classifier, container("ucp-kube", false, Map.of("io.kubernetes.pod.name", "p")));
        assertEquals(Status.NOT_APPLICABLE, v.status());
    }

    @Test
    void mkeAndMsrSystemContainersAreExemptByNameOrLabel() {
        assertEquals(Status.EXEMPT, classify(classifier, container("ucp-proxy", false, Map.of())).status());
        assertEquals(Status.EXEMPT, classify(classifier, container("dtr-registry-1", false, Map.of())).status());
        assertEquals(Status.EXEMPT, classify(classifier, container("agent", false,
                Map.of("com.docker.ucp.version", "3.7.1"))).status());
        assertEquals(Status.EXEMPT, classify(classifier, container("agent", true,
                Map.of("com.docker.dtr.version", "2.9"))).status());
        assertTrue(classify(classifier, container("ucp-proxy", false, Map.of())).reason().contains("MKE"));
    }

    @Test
    void namesThatMerelyContainUcpAreJudged() {
        assertEquals(Status.FINDING, classify(classifier, container("myucp-proxy", false, Map.of())).status());
        assertEquals(Status.FINDING, classify(classifier, container("ucp", false, Map.of())).status());
    }

    @Test
    void switchingExemptionOffJudgesSystemContainersLikeAnyOther() {
        Classifier strict = new Classifier(false);
        assertEquals(Status.FINDING, classify(strict, container("ucp-proxy", false, Map.of())).status());
        assertEquals(Status.COMPLIANT, classify(strict, container("dtr-api", true,
                Map.of("com.docker.dtr.version", "2.9"))).status());
    }

    @Test
    void swarmAndComposeGiveStackAndService() {
        Verdict swarm = classify(classifier, container("shop_web.1.abc", false, Map.of(
                "com.docker.swarm.service.name", "shop_web", "com.docker.stack.namespace", "shop",
                "com.docker.compose.project", "ignored")));
        assertEquals(Orchestrator.SWARM, swarm.orchestrator());
        assertEquals("shop", swarm.stack());
        assertEquals("shop_web", swarm.service());
        Verdict plainService = classify(classifier, container("web.1.abc", true,
                Map.of("com.docker.swarm.service.name", "web")));
        assertEquals(Orchestrator.SWARM, plainService.orchestrator());
        assertEquals("", plainService.stack());
        Verdict compose = classify(classifier, container("app-db-1", true, Map.of(
                "com.docker.compose.project", "app", "com.docker.compose.service", "db")));
        assertEquals(Orchestrator.COMPOSE, compose.orchestrator());
        assertEquals("app", compose.stack());
        assertEquals("db", compose.service());
        assertEquals(Status.COMPLIANT, compose.status());
    }

    @Test
    void shortIdIsTwelveHex() {
        assertEquals("0123456789ab", container("x", true, Map.of()).shortId());
    }
}
