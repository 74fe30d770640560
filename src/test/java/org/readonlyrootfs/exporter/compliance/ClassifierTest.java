package org.readonlyrootfs.exporter.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
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
        Verdict pod = classify(
                classifier,
                container(
                        "k8s_web",
                        false,
                        Map.of("io.kubernetes.pod.name", "web-0", "io.kubernetes.pod.namespace", "shop")));
        Verdict sandbox =
                classify(classifier, container("k8s_POD", false, Map.of("io.kubernetes.docker.type", "podsandbox")));
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
        assertEquals(
                Status.EXEMPT,
                classify(classifier, container("ucp-proxy", false, Map.of())).status());
        assertEquals(
                Status.EXEMPT,
                classify(classifier, container("dtr-registry-1", false, Map.of()))
                        .status());
        assertEquals(
                Status.EXEMPT,
                classify(classifier, container("agent", false, Map.of("com.docker.ucp.version", "3.7.1")))
                        .status());
        assertEquals(
                Status.EXEMPT,
                classify(classifier, container("agent", true, Map.of("com.docker.dtr.version", "2.9")))
                        .status());
        assertTrue(classify(classifier, container("ucp-proxy", false, Map.of()))
                .reason()
                .contains("MKE"));
    }

    @Test
    void namesThatMerelyContainUcpAreJudged() {
        assertEquals(
                Status.FINDING,
                classify(classifier, container("myucp-proxy", false, Map.of())).status());
        assertEquals(
                Status.FINDING,
                classify(classifier, container("ucp", false, Map.of())).status());
    }

    @Test
    void switchingExemptionOffJudgesSystemContainersLikeAnyOther() {
        Classifier strict = new Classifier(false);
        assertEquals(
                Status.FINDING,
                classify(strict, container("ucp-proxy", false, Map.of())).status());
        assertEquals(
                Status.COMPLIANT,
                classify(strict, container("dtr-api", true, Map.of("com.docker.dtr.version", "2.9")))
                        .status());
    }

    @Test
    void swarmAndComposeGiveStackAndService() {
        Verdict swarm = classify(
                classifier,
                container(
                        "shop_web.1.abc",
                        false,
                        Map.of(
                                "com.docker.swarm.service.name",
                                "shop_web",
                                "com.docker.stack.namespace",
                                "shop",
                                "com.docker.compose.project",
                                "ignored")));
        assertEquals(Orchestrator.SWARM, swarm.orchestrator());
        assertEquals("shop", swarm.stack());
        assertEquals("shop_web", swarm.service());
        Verdict plainService =
                classify(classifier, container("web.1.abc", true, Map.of("com.docker.swarm.service.name", "web")));
        assertEquals(Orchestrator.SWARM, plainService.orchestrator());
        assertEquals("", plainService.stack());
        Verdict compose = classify(
                classifier,
                container(
                        "app-db-1",
                        true,
                        Map.of("com.docker.compose.project", "app", "com.docker.compose.service", "db")));
        assertEquals(Orchestrator.COMPOSE, compose.orchestrator());
        assertEquals("app", compose.stack());
        assertEquals("db", compose.service());
        assertEquals(Status.COMPLIANT, compose.status());
    }

    @Test
    void shortIdIsTwelveHex() {
        assertEquals("0123456789ab", container("x", true, Map.of()).shortId());
    }

    // ---------------------------------------------------------------- exemptions

    private static Exemption exemption(String id, Exemption.Match match, Instant expires) {
        return Exemption.of(id, match, "vendor image writes to /opt", "CHG-1", "team-a", expires);
    }

    private static Exemption.Match match(
            String name, String image, List<Exemption.LabelMatch> labels, String stack, String service) {
        return new Exemption.Match(
                name == null ? null : Pattern.compile(name),
                image == null ? null : Pattern.compile(image),
                labels,
                stack == null ? null : Pattern.compile(stack),
                service == null ? null : Pattern.compile(service));
    }

    private static Classifier with(Exemption... exemptions) {
        return new Classifier(new CompliancePolicy(true, KubernetesMode.NOT_APPLICABLE, List.of(exemptions)));
    }

    @Test
    void anExemptionMatchesByNameImageLabelStackOrServiceAndAllItsCriteriaMustHold() {
        ContainerFacts billing = new ContainerFacts(
                "0123456789abcdef",
                "billing-1",
                "vendor/billing:7.2",
                "running",
                Map.of(
                        "com.example.team",
                        "billing",
                        "com.docker.swarm.service.name",
                        "shop_billing",
                        "com.docker.stack.namespace",
                        "shop"),
                1,
                false);
        List<Exemption.Match> selecting = List.of(
                match("billing-.*", null, List.of(), null, null),
                match(null, "vendor/billing:.*", List.of(), null, null),
                match(null, null, List.of(new Exemption.LabelMatch("com.example.team", "billing", null)), null, null),
                match(
                        null,
                        null,
                        List.of(new Exemption.LabelMatch("com.example.team", null, Pattern.compile("bill.*"))),
                        null,
                        null),
                match(null, null, List.of(), "shop", null),
                match(null, null, List.of(), null, "shop_billing"),
                match("billing-.*", "vendor/.*", List.of(), "shop", "shop_.*"));
        for (Exemption.Match m : selecting) {
            Verdict v = with(exemption("billing", m, null)).classify(billing, NOW);
            assertEquals(Status.EXEMPT, v.status(), m.toString());
            assertEquals("billing", v.exemption(), m.toString());
            assertTrue(
                    v.reason()
                            .startsWith("exemption billing: vendor image writes to /opt (ticket CHG-1, owner team-a)"),
                    v.reason());
            assertEquals("shop", v.stack());
            assertEquals(Orchestrator.SWARM, v.orchestrator());
        }
        List<Exemption.Match> notSelecting = List.of(
                match("billing", null, List.of(), null, null), // regexes match the whole value
                match(null, "billing", List.of(), null, null),
                match(null, null, List.of(new Exemption.LabelMatch("com.example.team", "Billing", null)), null, null),
                match(
                        null,
                        null,
                        List.of(new Exemption.LabelMatch("com.example.owner", null, Pattern.compile(".*"))),
                        null,
                        null),
                match(null, null, List.of(), "shop2", null),
                match("billing-.*", null, List.of(), "other", null)); // every criterion must hold
        for (Exemption.Match m : notSelecting) {
            Verdict v = with(exemption("billing", m, null)).classify(billing, NOW);
            assertEquals(Status.FINDING, v.status(), m.toString());
            assertEquals("", v.exemption(), m.toString());
        }
    }

    @Test
    void anExpiredExemptionNoLongerAppliesButIsNamedInTheVerdict() {
        Instant expires = Instant.parse("2026-01-15T12:00:05Z");
        Classifier c = with(exemption("legacy", match("legacy", null, List.of(), null, null), expires));
        ContainerFacts rw = container("legacy", false, Map.of());
        Verdict before = c.classify(rw, expires.minusMillis(1));
        assertEquals(Status.EXEMPT, before.status());
        assertTrue(before.reason().contains("expires 2026-01-15T12:00:05Z"), before.reason());
        Verdict at = c.classify(rw, expires);
        assertEquals(Status.FINDING, at.status(), "an exemption stops applying at its expiry");
        assertEquals("legacy", at.exemption());
        assertTrue(at.exemptionExpired());
        assertEquals(
                "root filesystem is writable (HostConfig.ReadonlyRootfs=false); exemption legacy expired at"
                        + " 2026-01-15T12:00:05Z",
                at.reason());
        Verdict readonly = c.classify(container("legacy", true, Map.of()), expires);
        assertEquals(Status.COMPLIANT, readonly.status());
        assertTrue(readonly.exemptionExpired());
    }

    @Test
    void theFirstExemptionInForceWinsSoARenewalCanFollowAnExpiredOne() {
        Exemption old = exemption(
                "legacy-2025", match("legacy", null, List.of(), null, null), Instant.parse("2026-01-01T00:00:00Z"));
        Exemption renewed = exemption(
                "legacy-2026", match("legacy", null, List.of(), null, null), Instant.parse("2027-01-01T00:00:00Z"));
        Verdict v = with(old, renewed).classify(container("legacy", false, Map.of()), NOW);
        assertEquals(Status.EXEMPT, v.status());
        assertEquals("legacy-2026", v.exemption());
        assertFalse(v.exemptionExpired());
    }

    @Test
    void theBuiltInSystemContainerExemptionComesFirstAndIsNamed() {
        Classifier c = with(exemption("everything", match(".*", null, List.of(), null, null), null));
        Verdict ucp = c.classify(container("ucp-proxy", false, Map.of()), NOW);
        assertEquals(Status.EXEMPT, ucp.status());
        assertEquals(Exemption.SYSTEM_CONTAINERS, ucp.exemption());
        assertEquals(
                "MKE system container (name ucp-*), built-in exemption system-containers: the STIG fix targets"
                        + " nonsystem containers",
                ucp.reason());
        assertEquals(
                "everything", c.classify(container("web", false, Map.of()), NOW).exemption());
        assertTrue(Exemption.SYSTEM.builtIn());
        assertTrue(Exemption.SYSTEM.explanation().contains("(built-in)"));
        assertEquals(List.of(Exemption.SYSTEM), CompliancePolicy.defaults().effective());
        assertEquals(List.of(), new CompliancePolicy(false, KubernetesMode.NOT_APPLICABLE, List.of()).effective());
    }

    @Test
    void kubernetesAuditJudgesKubernetesContainersLikeOthers() {
        Map<String, String> pod = Map.of("io.kubernetes.pod.name", "web-0", "io.kubernetes.pod.namespace", "prod");
        Classifier audit = new Classifier(new CompliancePolicy(
                true,
                KubernetesMode.AUDIT,
                List.of(exemption("prod-pods", match(null, null, List.of(), "prod", "web-.*"), null))));
        Verdict exempt = audit.classify(container("k8s_web", false, pod), NOW);
        assertEquals(Status.EXEMPT, exempt.status());
        assertEquals(Orchestrator.KUBERNETES, exempt.orchestrator());
        assertEquals(
                Status.FINDING,
                audit.classify(container("k8s_api", false, Map.of("io.kubernetes.pod.name", "api-0")), NOW)
                        .status());
        assertEquals(
                Status.COMPLIANT,
                audit.classify(container("k8s_api", true, Map.of("io.kubernetes.pod.name", "api-0")), NOW)
                        .status());
        assertEquals(
                Status.NOT_APPLICABLE,
                classify(classifier, container("k8s_web", false, pod)).status(),
                "not_applicable is the default");
    }

    @Test
    void serviceSpecsAreJudgedByTheirSpecWithTheSameExemptions() {
        ServiceFacts web = new ServiceFacts(
                "s1", "shop_web", "web:1", "replicated", Map.of("com.docker.stack.namespace", "shop"), false);
        ServiceFacts api = new ServiceFacts("s2", "shop_api", "api:1", "global", Map.of(), true);
        Verdict w = classify(classifier, web);
        assertEquals(Status.FINDING, w.status());
        assertEquals(Orchestrator.SWARM, w.orchestrator());
        assertEquals("shop", w.stack());
        assertEquals("shop_web", w.service());
        assertTrue(w.reason().contains("TaskTemplate.ContainerSpec.ReadOnly is not true"), w.reason());
        assertEquals(Status.COMPLIANT, classify(classifier, api).status());
        Classifier c = with(exemption("web", match(null, null, List.of(), "shop", "shop_web"), null));
        assertEquals(Status.EXEMPT, c.classify(web, NOW).status());
        assertEquals(
                Status.EXEMPT,
                classify(
                                classifier,
                                new ServiceFacts("s3", "ucp-agent", "mirantis/ucp-agent:3", "global", Map.of(), false))
                        .status(),
                "the built-in exemption applies to services too");
    }

    @Test
    void theNextExpiryIsTheEarliestAhead() {
        CompliancePolicy p = new CompliancePolicy(
                true,
                KubernetesMode.NOT_APPLICABLE,
                List.of(
                        exemption("a", match("a", null, List.of(), null, null), Instant.parse("2026-03-01T00:00:00Z")),
                        exemption("b", match("b", null, List.of(), null, null), Instant.parse("2026-02-01T00:00:00Z")),
                        exemption("c", match("c", null, List.of(), null, null), null)));
        assertEquals(
                Instant.parse("2026-02-01T00:00:00Z"), p.nextExpiryAfter(NOW).orElseThrow());
        assertEquals(
                Instant.parse("2026-03-01T00:00:00Z"),
                p.nextExpiryAfter(Instant.parse("2026-02-01T00:00:00Z")).orElseThrow());
        assertTrue(p.nextExpiryAfter(Instant.parse("2026-03-01T00:00:00Z")).isEmpty());
    }

    @Test
    void expiriesAtMidnightReadAsDates() {
        assertEquals(
                "2026-03-31",
                exemption("x", match("x", null, List.of(), null, null), Instant.parse("2026-03-31T00:00:00Z"))
                        .expiresText());
        assertEquals(
                "2026-03-31T12:30:00Z",
                exemption("x", match("x", null, List.of(), null, null), Instant.parse("2026-03-31T12:30:00Z"))
                        .expiresText());
        assertEquals(
                "name=~\"a.*\", label team=\"x\", label tier=~\"b|c\", stack=~\"s\"",
                match(
                                "a.*",
                                null,
                                List.of(
                                        new Exemption.LabelMatch("team", "x", null),
                                        new Exemption.LabelMatch("tier", null, Pattern.compile("b|c"))),
                                "s",
                                null)
                        .toString());
    }

    private static Verdict classify(Classifier c, ServiceFacts f) {
        return c.classify(f, NOW);
    }
}
