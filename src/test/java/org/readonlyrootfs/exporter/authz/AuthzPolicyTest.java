package org.readonlyrootfs.exporter.authz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.compliance.CompliancePolicy;
import org.readonlyrootfs.exporter.compliance.Exemption;
import org.readonlyrootfs.exporter.compliance.KubernetesMode;

/** Every branch of the plugin's policy, in both modes. */
class AuthzPolicyTest {
    private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
    private static final String RO = "{\"Image\":\"busybox\",\"HostConfig\":{\"ReadonlyRootfs\":true}}";
    private static final String RW = "{\"Image\":\"busybox\",\"HostConfig\":{\"ReadonlyRootfs\":false}}";
    private static final String SERVICE_RO =
            "{\"Name\":\"web\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"nginx\",\"ReadOnly\":true}}}";
    private static final String SERVICE_RW =
            "{\"Name\":\"web\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"nginx\"}}}";

    private static AuthzPolicy enforce() {
        return new AuthzPolicy(CompliancePolicy.defaults(), AuthzMode.ENFORCE, "readonly-rootfs", FixHints.NONE);
    }

    private static AuthzPolicy audit() {
        return new AuthzPolicy(CompliancePolicy.defaults(), AuthzMode.AUDIT, "readonly-rootfs", FixHints.NONE);
    }

    private static AuthzPolicy enforce(CompliancePolicy compliance) {
        return new AuthzPolicy(compliance, AuthzMode.ENFORCE, "readonly-rootfs", FixHints.NONE);
    }

    private static Decision post(AuthzPolicy p, String uri, String body) {
        return p.decide(AuthzRequest.of("POST", uri, body), NOW);
    }

    private static void refused(Decision d, Action action) {
        assertEquals(Outcome.REFUSED, d.outcome(), d.toString());
        assertEquals(action, d.action(), d.toString());
        assertFalse(d.allow());
        assertTrue(d.message().contains("V-260936"), d.message());
        assertTrue(d.message().contains("docs/prevention.md"), d.message());
    }

    private static void outcome(Decision d, Action action, Outcome outcome) {
        assertEquals(outcome, d.outcome(), d.toString());
        assertEquals(action, d.action(), d.toString());
        assertEquals(outcome != Outcome.REFUSED, d.allow());
    }

    @Test
    void getsTakeTheFastPathWhateverTheyLookLike() {
        for (String uri : List.of("/v1.41/containers/json", "/_ping", "/containers/%63reate", "//x/../y", "garbage")) {
            assertSame(Decision.OTHER_ALLOWED, enforce().decide(AuthzRequest.of("GET", uri), NOW));
            assertSame(Decision.OTHER_ALLOWED, enforce().decide(AuthzRequest.of("HEAD", uri), NOW));
        }
    }

    @Test
    void readOnlyCreatesPassWritableOnesAreRefused() {
        outcome(post(enforce(), "/containers/create?name=web", RO), Action.CONTAINER_CREATE, Outcome.ALLOWED);
        outcome(post(enforce(), "/v1.41/containers/create?name=web", RO), Action.CONTAINER_CREATE, Outcome.ALLOWED);
        Decision d = post(enforce(), "/v1.51/containers/create?name=web", RW);
        refused(d, Action.CONTAINER_CREATE);
        assertTrue(d.message().contains("container \"web\" (image \"busybox\")"), d.message());
        assertTrue(d.message().contains("--read-only --tmpfs /run --tmpfs /tmp"), d.message());
        assertTrue(d.message().contains("volume"), d.message());
        assertEquals("container \"web\" (image \"busybox\")", d.what());
        refused(post(enforce(), "/containers/create", "{\"Image\":\"busybox\"}"), Action.CONTAINER_CREATE);
        refused(
                post(
                        enforce(),
                        "/containers/create",
                        "{\"HostConfig\":{\"ReadonlyRootfs\":true,\"readonlyrootfs\":false}}"),
                Action.CONTAINER_CREATE);
        // the top-level field of 20.10's deprecated embedded HostConfig: not read by 23 and later
        Decision top = post(enforce(), "/containers/create", "{\"Image\":\"busybox\",\"ReadonlyRootfs\":true}");
        refused(top, Action.CONTAINER_CREATE);
        assertTrue(top.why().contains("HostConfig is missing"), top.why());
    }

    @Test
    void auditModeAllowsAndCountsWhatEnforceWouldRefuse() {
        Decision d = post(audit(), "/containers/create?name=web", RW);
        outcome(d, Action.CONTAINER_CREATE, Outcome.WOULD_REFUSE);
        assertEquals("", d.message());
        assertTrue(d.logged());
        assertTrue(
                d.logLine().startsWith("would_refuse container_create by (no TLS user): container \"web\""),
                d.logLine());
        outcome(post(audit(), "/containers/create", RO), Action.CONTAINER_CREATE, Outcome.ALLOWED);
        outcome(post(audit(), "/containers/create", "not json"), Action.CONTAINER_CREATE, Outcome.WOULD_REFUSE);
        outcome(
                audit().decide(AuthzRequest.of("POST", "/containers/create"), NOW),
                Action.CONTAINER_CREATE,
                Outcome.WOULD_REFUSE);
        outcome(
                audit().decide(AuthzRequest.of("DELETE", "/plugins/readonly-rootfs"), NOW),
                Action.PLUGIN,
                Outcome.WOULD_REFUSE);
    }

    @Test
    void theUserIsToldWhoWasRefused() {
        Decision d = enforce()
                .decide(
                        new AuthzRequest(
                                "alice",
                                "TLS",
                                "POST",
                                "/containers/create",
                                RW.getBytes(StandardCharsets.UTF_8),
                                Map.of()),
                        NOW);
        assertEquals("alice", d.who());
        assertTrue(
                d.logLine().startsWith("refused container_create by [alice]: container (no name given)"), d.logLine());
    }

    @Test
    void bodiesThatCannotBeReadAsTheDaemonReadsThemAreRefused() {
        // CVE-2024-41110: no body forwarded (chunked or oversized on older daemons, text/plain, Content-Length: 0)
        refused(enforce().decide(AuthzRequest.of("POST", "/containers/create"), NOW), Action.CONTAINER_CREATE);
        refused(
                enforce().decide(new AuthzRequest("", "", "POST", "/containers/create", new byte[0], Map.of()), NOW),
                Action.CONTAINER_CREATE);
        for (String body : List.of(
                "not json",
                "[]",
                "null",
                "{\"HostConfig\":{\"ReadonlyRootfs\":true}} trailing",
                "{\"HostConfig\":{\"ReadonlyRootfs\":true}}{}",
                "{\"HostConfig\":{\"ReadonlyRootfs\":\"true\"}}",
                "{\"HostConfig\":\"x\"}")) {
            Decision d = post(enforce(), "/containers/create", body);
            refused(d, Action.CONTAINER_CREATE);
            assertTrue(d.message().contains("cannot be judged"), d.message());
        }
        Decision noBody = enforce().decide(AuthzRequest.of("POST", "/services/create"), NOW);
        refused(noBody, Action.SERVICE_CREATE);
        assertTrue(noBody.message().contains("CVE-2024-41110"), noBody.message());
        refused(enforce().decide(AuthzRequest.of("POST", "/services/x/update?version=1"), NOW), Action.SERVICE_UPDATE);
        refused(post(enforce(), "/services/create", "{\"TaskTemplate\":[]}"), Action.SERVICE_CREATE);
    }

    @Test
    void mutatingRequestsMustHaveACanonicalPath() {
        for (String uri : List.of(
                "/containers/%63reate",
                "/v1.41/containers%2Fcreate",
                "//containers/create",
                "/containers//create",
                "/./containers/create",
                "/v1.41/../containers/create",
                "/containers/create/",
                "/containers/create/.",
                "http://docker/containers/create",
                "containers/create",
                "")) {
            Decision d = post(enforce(), uri, RO);
            assertEquals(Outcome.REFUSED, d.outcome(), uri);
            assertTrue(d.message().contains("not canonical"), d.message());
        }
        assertEquals(
                Action.CONTAINER_CREATE,
                post(enforce(), "/containers/%63reate", RO).action());
        assertEquals(
                Action.CONTAINER_CREATE,
                post(enforce(), "/v1.41/../containers/create", RO).action());
        assertEquals(
                Action.CONTAINER_CREATE,
                post(enforce(), "http://docker/v1.41/containers/create", RO).action());
        // any mutating request, not only the judged ones
        outcome(enforce().decide(AuthzRequest.of("DELETE", "/containers/%61bc"), NOW), Action.OTHER, Outcome.REFUSED);
        outcome(enforce().decide(AuthzRequest.of("DELETE", "/containers/abc"), NOW), Action.OTHER, Outcome.ALLOWED);
        outcome(
                enforce().decide(AuthzRequest.of("POST", "/containers/abc/kill?signal=KILL"), NOW),
                Action.OTHER,
                Outcome.ALLOWED);
        outcome(
                audit().decide(AuthzRequest.of("POST", "/containers/%61bc/kill"), NOW),
                Action.OTHER,
                Outcome.WOULD_REFUSE);
        // the query may hold escapes
        outcome(post(enforce(), "/containers/create?name=a%2Db", RO), Action.CONTAINER_CREATE, Outcome.ALLOWED);
    }

    @Test
    void systemContainersAreExemptByNameOrLabel() {
        outcome(post(enforce(), "/containers/create?name=ucp-agent", RW), Action.CONTAINER_CREATE, Outcome.EXEMPT);
        outcome(post(enforce(), "/containers/create?name=%2Fdtr-rethink", RW), Action.CONTAINER_CREATE, Outcome.EXEMPT);
        outcome(post(enforce(), "/containers/create?name=ucp%2Dagent", RW), Action.CONTAINER_CREATE, Outcome.EXEMPT);
        outcome(
                post(enforce(), "/containers/create", "{\"Labels\":{\"com.docker.ucp.version\":\"3.7\"}}"),
                Action.CONTAINER_CREATE,
                Outcome.EXEMPT);
        // Go's Form.Get: the first name counts
        refused(post(enforce(), "/containers/create?name=web&name=ucp-agent", RW), Action.CONTAINER_CREATE);
        outcome(
                post(enforce(), "/containers/create?name=ucp-agent&name=web", RW),
                Action.CONTAINER_CREATE,
                Outcome.EXEMPT);
        // the parameter's name is exact
        refused(post(enforce(), "/containers/create?NAME=ucp-agent", RW), Action.CONTAINER_CREATE);
        // a malformed escape: the daemon fails the request; refused
        refused(post(enforce(), "/containers/create?name=ucp-%zz", RW), Action.CONTAINER_CREATE);
        // switched off
        refused(
                post(
                        enforce(new CompliancePolicy(false, KubernetesMode.NOT_APPLICABLE, List.of())),
                        "/containers/create?name=ucp-agent",
                        RW),
                Action.CONTAINER_CREATE);
    }

    @Test
    void kubernetesContainersAreNotApplicableUnlessAudited() {
        String k8s = "{\"Labels\":{\"io.kubernetes.pod.name\":\"p\"},\"HostConfig\":{}}";
        Decision d = post(enforce(), "/containers/create?name=k8s_x", k8s);
        outcome(d, Action.CONTAINER_CREATE, Outcome.EXEMPT);
        assertTrue(d.why().contains("Kubernetes"), d.why());
        refused(
                post(enforce(new CompliancePolicy(true, KubernetesMode.AUDIT, List.of())), "/containers/create", k8s),
                Action.CONTAINER_CREATE);
    }

    @Test
    void configuredExemptionsMatchAsTheExportersDo() {
        Exemption legacy = Exemption.of(
                "legacy-db",
                new Exemption.Match(null, Pattern.compile("postgres:.*"), List.of(), null, null),
                "writes to its image",
                "CHG-1",
                "dba",
                Instant.parse("2027-01-01T00:00:00Z"));
        Exemption team = Exemption.of(
                "team-a",
                new Exemption.Match(null, null, List.of(new Exemption.LabelMatch("team", "a", null)), null, null),
                "pilot",
                "",
                "",
                null);
        Exemption expired = Exemption.of(
                "old",
                new Exemption.Match(Pattern.compile("old-.*"), null, List.of(), null, null),
                "was fine",
                "",
                "",
                Instant.parse("2026-01-01T00:00:00Z"));
        AuthzPolicy p =
                enforce(new CompliancePolicy(true, KubernetesMode.NOT_APPLICABLE, List.of(legacy, team, expired)));
        Decision byImage = post(p, "/containers/create?name=db", "{\"Image\":\"postgres:16\"}");
        outcome(byImage, Action.CONTAINER_CREATE, Outcome.EXEMPT);
        assertTrue(byImage.why().contains("legacy-db"), byImage.why());
        outcome(
                post(p, "/containers/create", "{\"Image\":\"x\",\"Labels\":{\"team\":\"a\"}}"),
                Action.CONTAINER_CREATE,
                Outcome.EXEMPT);
        refused(
                post(p, "/containers/create", "{\"Image\":\"x\",\"Labels\":{\"team\":\"b\"}}"),
                Action.CONTAINER_CREATE);
        Decision old = post(p, "/containers/create?name=old-app", "{\"Image\":\"x\"}");
        refused(old, Action.CONTAINER_CREATE);
        assertTrue(old.message().contains("exemption old has expired"), old.message());
        // services: by the service's labels
        outcome(
                post(p, "/services/create", "{\"Name\":\"s\",\"Labels\":{\"team\":\"a\"}}"),
                Action.SERVICE_CREATE,
                Outcome.EXEMPT);
    }

    @Test
    void servicesAreJudgedByTheirSpec() {
        outcome(post(enforce(), "/services/create", SERVICE_RO), Action.SERVICE_CREATE, Outcome.ALLOWED);
        Decision create = post(enforce(), "/v1.44/services/create", SERVICE_RW);
        refused(create, Action.SERVICE_CREATE);
        assertTrue(create.message().contains("docker service create --read-only"), create.message());
        outcome(post(enforce(), "/services/abc/update?version=3", SERVICE_RO), Action.SERVICE_UPDATE, Outcome.ALLOWED);
        Decision update = post(enforce(), "/services/abc/update?version=3", SERVICE_RW);
        refused(update, Action.SERVICE_UPDATE);
        assertTrue(update.message().contains("docker service update --read-only web"), update.message());
        assertEquals("service \"web\" (abc) (image \"nginx\")", update.what());
        outcome(
                post(enforce(), "/services/create", "{\"Name\":\"ucp-x\",\"TaskTemplate\":{}}"),
                Action.SERVICE_CREATE,
                Outcome.EXEMPT);
        outcome(post(audit(), "/services/create", SERVICE_RW), Action.SERVICE_CREATE, Outcome.WOULD_REFUSE);
    }

    @Test
    void aRollbackIsRefusedEvenWithAReadOnlyBody() {
        // swarmkit restores PreviousSpec and ignores the body: a read-only body proves nothing
        Decision d = post(enforce(), "/services/abc/update?version=3&rollback=previous", SERVICE_RO);
        refused(d, Action.SERVICE_UPDATE);
        assertTrue(d.message().contains("rollback"), d.message());
        assertTrue(d.message().contains("docker service update --image nginx --read-only web"), d.message());
        refused(post(enforce(), "/services/abc/update?rollback=previous;version=3", SERVICE_RO), Action.SERVICE_UPDATE);
        refused(
                post(enforce(), "/services/abc/update?version=3&rollback=%70revious", SERVICE_RO),
                Action.SERVICE_UPDATE);
        // "" and "none" are no rollback
        outcome(
                post(enforce(), "/services/abc/update?version=3&rollback=none", SERVICE_RO),
                Action.SERVICE_UPDATE,
                Outcome.ALLOWED);
        outcome(
                post(enforce(), "/services/abc/update?version=3&rollback=", SERVICE_RO),
                Action.SERVICE_UPDATE,
                Outcome.ALLOWED);
        // an exempt service may roll back
        outcome(
                post(enforce(), "/services/abc/update?rollback=previous", "{\"Name\":\"ucp-x\"}"),
                Action.SERVICE_UPDATE,
                Outcome.EXEMPT);
        outcome(
                post(audit(), "/services/abc/update?rollback=previous", SERVICE_RO),
                Action.SERVICE_UPDATE,
                Outcome.WOULD_REFUSE);
    }

    @Test
    void aLegacyStartWithAHostConfigMustBeReadOnly() {
        // Docker 20.10 applies a start's host configuration for API versions before 1.24
        Decision d = post(enforce(), "/v1.23/containers/abc/start", "{\"HostConfig\":{\"ReadonlyRootfs\":false}}");
        refused(d, Action.CONTAINER_START);
        refused(post(enforce(), "/v1.12/containers/abc/start", "{\"Privileged\":false}"), Action.CONTAINER_START);
        outcome(
                post(enforce(), "/v1.23/containers/abc/start", "{\"HostConfig\":{\"ReadonlyRootfs\":true}}"),
                Action.CONTAINER_START,
                Outcome.ALLOWED);
        outcome(
                post(enforce(), "/v1.23/containers/abc/start", "{\"ReadonlyRootfs\":true}"),
                Action.CONTAINER_START,
                Outcome.ALLOWED);
        // no body, and the daemon reads none: Content-Length at most 7
        outcome(
                enforce()
                        .decide(
                                new AuthzRequest(
                                        "",
                                        "",
                                        "POST",
                                        "/v1.23/containers/abc/start",
                                        null,
                                        Map.of("Content-Length", "0")),
                                NOW),
                Action.CONTAINER_START,
                Outcome.ALLOWED);
        // no body forwarded, but one sent (chunked: no Content-Length)
        refused(enforce().decide(AuthzRequest.of("POST", "/v1.23/containers/abc/start"), NOW), Action.CONTAINER_START);
        // API 1.24 and later, or no version: the daemon refuses a body itself
        outcome(post(enforce(), "/v1.24/containers/abc/start", RW), Action.OTHER, Outcome.ALLOWED);
        outcome(post(enforce(), "/v1.41/containers/abc/start", RW), Action.OTHER, Outcome.ALLOWED);
        outcome(post(enforce(), "/containers/abc/start", RW), Action.OTHER, Outcome.ALLOWED);
        outcome(
                enforce().decide(AuthzRequest.of("POST", "/v1.9/containers/abc/start"), NOW),
                Action.CONTAINER_START,
                Outcome.REFUSED);
    }

    @Test
    void thePluginCannotBeTurnedOffThroughTheApiItGuards() {
        for (String[] r : List.of(
                new String[] {"POST", "/plugins/readonly-rootfs/disable"},
                new String[] {"POST", "/v1.41/plugins/readonly-rootfs:latest/disable?force=1"},
                new String[] {"POST", "/plugins/docker.io/library/readonly-rootfs:latest/set"},
                new String[] {"POST", "/plugins/readonly-rootfs/upgrade?remote=evil/allow-all"},
                new String[] {"DELETE", "/plugins/readonly-rootfs?force=1"},
                new String[] {"DELETE", "/v1.44/plugins/readonly-rootfs:1.0"},
                new String[] {"DELETE", "/plugins/READONLY-ROOTFS"},
                new String[] {"POST", "/plugins/3fa2/disable"},
                new String[] {"DELETE", "/plugins/0123456789abcdef"},
                new String[] {"POST", "/plugins/pull?remote=evil/allow-all&name=readonly-rootfs"},
                new String[] {"POST", "/plugins/pull?remote=readonly-rootfs:latest"},
                new String[] {"POST", "/plugins/create?name=readonly-rootfs"})) {
            Decision d = enforce().decide(AuthzRequest.of(r[0], r[1]), NOW);
            assertEquals(Outcome.REFUSED, d.outcome(), r[0] + " " + r[1]);
            assertEquals(Action.PLUGIN, d.action());
            assertTrue(d.message().contains("authorization-plugins"), d.message());
            assertTrue(d.message().contains("SIGHUP"), d.message());
            assertTrue(d.message().contains("--authorization-plugin=readonly-rootfs"), d.message());
        }
        for (String[] r : List.of(
                new String[] {"POST", "/plugins/other/disable"},
                new String[] {"DELETE", "/plugins/vieux/sshfs:latest"},
                new String[] {"POST", "/plugins/readonly-rootfs/enable"},
                new String[] {"POST", "/plugins/readonly-rootfs/push"},
                new String[] {"POST", "/plugins/pull?remote=vieux/sshfs"},
                new String[] {"POST", "/plugins/readonly-rootfs-2/disable"})) {
            outcome(enforce().decide(AuthzRequest.of(r[0], r[1]), NOW), Action.PLUGIN, Outcome.ALLOWED);
        }
        AuthzPolicy managed = new AuthzPolicy(
                CompliancePolicy.defaults(), AuthzMode.ENFORCE, "registry.example.com/sec/rre:2.1", FixHints.NONE);
        outcome(
                managed.decide(AuthzRequest.of("POST", "/plugins/registry.example.com/sec/rre:2.0/disable"), NOW),
                Action.PLUGIN,
                Outcome.REFUSED);
        outcome(
                managed.decide(AuthzRequest.of("POST", "/plugins/readonly-rootfs/disable"), NOW),
                Action.PLUGIN,
                Outcome.ALLOWED);
    }

    @Test
    void theRefusalCarriesTheExportersPlanForTheImage() {
        FixHints hints = image -> image.equals("busybox")
                ? Optional.of("docker run --read-only --tmpfs /run -v data:/var/lib/app busybox")
                : Optional.empty();
        AuthzPolicy p = new AuthzPolicy(CompliancePolicy.defaults(), AuthzMode.ENFORCE, "readonly-rootfs", hints);
        Decision d = post(p, "/containers/create", RW);
        assertTrue(
                d.message()
                        .contains("The exporter's plan for a container of this image on this node: docker run"
                                + " --read-only --tmpfs /run -v data:/var/lib/app busybox."),
                d.message());
        assertFalse(post(p, "/containers/create", "{\"Image\":\"alpine\"}")
                .message()
                .contains("plan"));
    }

    @Test
    void hostileNamesAreQuotedInMessagesAndLogs() {
        Decision d = post(enforce(), "/containers/create?name=a%0Ab%22c", RW);
        assertFalse(d.message().contains("\n"));
        assertFalse(d.logLine().contains("\n"));
        assertTrue(d.what().contains("a\\u000ab\\\"c"), d.what());
    }

    @Test
    void noInputMakesItThrow() {
        Random random = new Random(20);
        List<String> methods = List.of("POST", "DELETE", "PUT", "post", "");
        List<String> paths = List.of(
                "/containers/create",
                "/services/create",
                "/services/x/update",
                "/plugins/x",
                "/v1.1/containers/x/start");
        for (int i = 0; i < 3000; i++) {
            byte[] body = new byte[random.nextInt(40)];
            random.nextBytes(body);
            if (i % 3 == 0) {
                body = ("{\"HostConfig\":" + new String(body, StandardCharsets.ISO_8859_1))
                        .getBytes(StandardCharsets.UTF_8);
            }
            String uri = paths.get(random.nextInt(paths.size())) + (i % 2 == 0 ? "?name=%" + random.nextInt(300) : "");
            AuthzRequest r = new AuthzRequest("", "", methods.get(random.nextInt(methods.size())), uri, body, Map.of());
            Decision d = enforce().decide(r, NOW);
            assertNotNull(d);
        }
    }
}
