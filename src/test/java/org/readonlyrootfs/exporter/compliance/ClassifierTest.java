package org.readonlyrootfs.exporter.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ClassifierTest {
    private final Classifier classifier = new Classifier(true);

    private static ContainerFacts container(String name, boolean readonly, Map<String, String> labels) {
        return new ContainerFacts("0123456789abcdef0123", name, "img:1", "running", labels, 1, readonly);
    }

    @Test
    void readonlyRootfsIsCompliantAndWritableIsAFinding() {
        Verdict ro = classifier.classify(container("web", true, Map.of()));
        Verdict rw = classifier.classify(container("web", false, Map.of()));
        assertEquals(Status.COMPLIANT, ro.status());
        assertEquals(Status.FINDING, rw.status());
        assertEquals(Orchestrator.STANDALONE, rw.orchestrator());
        assertEquals("", rw.stack());
        assertEquals("", rw.service());
        assertTrue(rw.reason().contains("ReadonlyRootfs=false"));
    }

    @Test
    void kubernetesContainersAreNotApplicableWhateverTheirRootfs() {
        Verdict pod = classifier.classify(container("k8s_web", false,
                Map.of("io.kubernetes.pod.name", "web-0", "io.kubernetes.pod.namespace", "shop")));
        Verdict sandbox = classifier.classify(container("k8s_POD", false,
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
        Verdict v = classifier.classify(container("ucp-kube", false, Map.of("io.kubernetes.pod.name", "p")));
        assertEquals(Status.NOT_APPLICABLE, v.status());
    }

    @Test
    void mkeAndMsrSystemContainersAreExemptByNameOrLabel() {
        assertEquals(Status.EXEMPT, classifier.classify(container("ucp-proxy", false, Map.of())).status());
        assertEquals(Status.EXEMPT, classifier.classify(container("dtr-registry-1", false, Map.of())).status());
        assertEquals(Status.EXEMPT, classifier.classify(container("agent", false,
                Map.of("com.docker.ucp.version", "3.7.1"))).status());
        assertEquals(Status.EXEMPT, classifier.classify(container("agent", true,
                Map.of("com.docker.dtr.version", "2.9"))).status());
        assertTrue(classifier.classify(container("ucp-proxy", false, Map.of())).reason().contains("MKE"));
    }

    @Test
    void namesThatMerelyContainUcpAreJudged() {
        assertEquals(Status.FINDING, classifier.classify(container("myucp-proxy", false, Map.of())).status());
        assertEquals(Status.FINDING, classifier.classify(container("ucp", false, Map.of())).status());
    }

    @Test
    void switchingExemptionOffJudgesSystemContainersLikeAnyOther() {
        Classifier strict = new Classifier(false);
        assertEquals(Status.FINDING, strict.classify(container("ucp-proxy", false, Map.of())).status());
        assertEquals(Status.COMPLIANT, strict.classify(container("dtr-api", true,
                Map.of("com.docker.dtr.version", "2.9"))).status());
    }

    @Test
    void swarmAndComposeGiveStackAndService() {
        Verdict swarm = classifier.classify(container("shop_web.1.abc", false, Map.of(
                "com.docker.swarm.service.name", "shop_web", "com.docker.stack.namespace", "shop",
                "com.docker.compose.project", "ignored")));
        assertEquals(Orchestrator.SWARM, swarm.orchestrator());
        assertEquals("shop", swarm.stack());
        assertEquals("shop_web", swarm.service());
        Verdict plainService = classifier.classify(container("web.1.abc", true,
                Map.of("com.docker.swarm.service.name", "web")));
        assertEquals(Orchestrator.SWARM, plainService.orchestrator());
        assertEquals("", plainService.stack());
        Verdict compose = classifier.classify(container("app-db-1", true, Map.of(
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
