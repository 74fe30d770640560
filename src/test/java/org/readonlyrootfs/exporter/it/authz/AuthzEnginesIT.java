package org.readonlyrootfs.exporter.it.authz;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.readonlyrootfs.exporter.it.authz.CraftedRequests.Crafted;
import org.readonlyrootfs.exporter.it.authz.CraftedRequests.Expect;
import org.readonlyrootfs.exporter.testing.AuthzPlugin;
import org.readonlyrootfs.exporter.testing.Engine;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.SocketProxy;

/**
 * The authorization plugin ({@code readonly-rootfs-exporter authz}, the packaged jar, found through a spec file) in
 * front of a real private daemon of every Docker engine of the matrix: Debian 12's 20.10, trixie's 26.1 and sid's
 * 28.5 (Podman has no authorization plugins). One daemon per engine, reused by every step:
 *
 * <ol>
 *   <li>audit mode: a writable create and a writable service pass, counted as {@code would_refuse};
 *   <li>enforce mode: crafted requests (duplicate keys, escaped keys, chunked, empty and oversized bodies, content
 *       types, non-canonical paths, wrong types, service create/update/rollback), each answer recorded in a table
 *       ({@code target/authz-it/crafted-ENGINE.md}); then the STIG command finds no writable container that is not
 *       exempt, and no service spec is writable; the docker CLI's refusal names V-260936 and the fix;
 *   <li>bad input on the plugin's own socket never blocks the daemon's requests;
 *   <li>the plugin down, while the daemon runs and at daemon start: how long {@code docker ps} and {@code docker
 *       create} stall and what they get ({@code target/authz-it/plugin-down.md}).
 * </ol>
 */
class AuthzEnginesIT {
    static final Path OUT = Path.of("target", "authz-it");
    private static final Duration ANSWER = Duration.ofSeconds(90);

    @TestFactory
    Stream<DynamicTest> everyDockerEngine() {
        // -Dauthz.engines=docker-system runs one engine while developing; CI runs all three
        return Stream.of(System.getProperty("authz.engines", "docker-system,docker-trixie,docker-sid")
                        .split(","))
                .map(name -> DynamicTest.dynamicTest(name, () -> prove(name)));
    }

    static Engine engine(String name) {
        return switch (name) {
            case "docker-system" -> Engine.SYSTEM;
            case "docker-trixie" -> Engine.debian("trixie");
            case "docker-sid" -> Engine.debian("sid");
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** A config file with one exemption by name, as sites write them. */
    static Path exemptionConfig() throws IOException {
        Files.createDirectories(OUT);
        Path config = OUT.resolve("authz-exemption.conf");
        Files.writeString(config, """
                readonly-rootfs-exporter.compliance.exemptions = [
                  { id = proof-legacy, name = "exempt-proof-.*", reason = "AuthzEnginesIT: an exemption in force" }
                ]
                """);
        return config;
    }

    private static void prove(String engineName) throws Exception {
        Engine engine = engine(engineName);
        Path config = exemptionConfig();
        List<Row> rows = new ArrayList<>();
        try (AuthzPlugin plugin = AuthzPlugin.start("audit", "--config.file=" + config.toAbsolutePath())) {
            try (PrivateDockerd d = PrivateDockerd.start(engine, plugin.dockerdArgs())) {
                String[] version = d.serverVersion();
                String image = d.image();
                d.swarmInit();

                // ------------------------------------------------------------ audit
                d.createSleeper("audit-rw", false);
                String svc = "{\"Name\":\"svc-legacy\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"" + image
                        + "\",\"Command\":[\"/bin/sleep\",\"100000\"]}},\"Mode\":{\"Replicated\":{\"Replicas\":0}}}";
                assertEquals(
                        201,
                        send(d, CraftedRequests.request("/services/create", "application/json", svc))
                                .status());
                double wouldRefuse = plugin.sample(
                        "readonly_rootfs_authz_requests_total{action=\"container_create\",decision=\"would_refuse\"}");
                assertTrue(wouldRefuse >= 1, "audit mode counts the writable create:\n" + plugin.metrics());
                assertTrue(
                        plugin.sample("readonly_rootfs_authz_requests_total{action=\"service_create\",decision="
                                        + "\"would_refuse\"}")
                                >= 1,
                        "audit mode counts the writable service");
                d.docker("rm", "audit-rw");
                // the legacy service made read-only: its previous spec, the writable one, is what a rollback brings
                // back
                d.docker("service", "update", "--read-only", "svc-legacy");

                // ------------------------------------------------------------ enforce
                plugin.stop();
                plugin.startAgain("enforce");
                await("the daemon answers again through the restarted plugin")
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> d.tryDocker("ps").ok());

                for (Crafted c : CraftedRequests.containerCreates(image, "cr-")) {
                    rows.add(new Row(c, send(d, c.raw())));
                }
                rows.add(new Row(
                        CraftedRequests.named(
                                "ucp-name",
                                "writable, name ucp-* (MKE system)",
                                "ucp-proof-agent",
                                Expect.CREATED,
                                image,
                                false),
                        null));
                rows.add(new Row(
                        CraftedRequests.named(
                                "exempt",
                                "writable, exempted in the config file",
                                "exempt-proof-1",
                                Expect.CREATED,
                                image,
                                false),
                        null));
                rows.replaceAll(r -> r.answer() == null
                        ? new Row(r.crafted(), send(d, r.crafted().raw()))
                        : r);
                rows.addAll(services(d, image));

                // ------------------------------------------------------------ the verdicts
                Map<String, Boolean> stig = d.stigCheckByName();
                List<String> specs = serviceSpecs(d);
                String table = table(engineName + " " + version[0] + " (API " + version[1] + ")", rows, stig, specs);
                Files.writeString(OUT.resolve("crafted-" + engineName + ".md"), table);
                System.err.println(table);
                List<String> failures = new ArrayList<>();
                for (Row r : rows) {
                    Crafted c = r.crafted();
                    Boolean readOnly = stig.get(c.container());
                    switch (c.expect()) {
                        case CREATED -> {
                            if (r.answer().status() != 201 && r.answer().status() != 200) {
                                failures.add(c.id() + ": expected to pass, got "
                                        + r.answer().cell(200));
                            }
                        }
                        case REFUSED -> {
                            if (r.answer().status() != 403
                                    || !r.answer().message().contains("V-260936")) {
                                failures.add(c.id() + ": expected the plugin's refusal, got "
                                        + r.answer().cell(200));
                            }
                        }
                        case NO_WRITABLE_LEFT -> {
                            // checked below for every row
                        }
                    }
                    if (Boolean.FALSE.equals(readOnly) && c.expect() != Expect.CREATED) {
                        failures.add(c.id() + ": left a writable container " + c.container());
                    }
                }
                stig.forEach((name, ro) -> {
                    if (!ro && !exemptName(name)) {
                        failures.add("the STIG command finds " + name + ": ReadonlyRootfs=false");
                    }
                });
                for (String line : specs) {
                    if (!line.endsWith(" true") && !line.startsWith("exempt-proof-")) {
                        failures.add("writable service spec: " + line);
                    }
                }

                // ------------------------------------------------------------ the CLI's refusal
                PrivateDockerd.Result cli = d.tryDocker("create", "--network", "none", "--name", "cli-rw", image);
                Files.writeString(OUT.resolve("cli-refusal-" + engineName + ".txt"), cli.stderr());
                System.err.println("[AuthzEnginesIT] " + engineName + " docker create: "
                        + cli.stderr().trim());
                if (cli.ok()
                        || !cli.stderr().contains("V-260936")
                        || !cli.stderr().contains("--read-only")) {
                    failures.add("the docker CLI's refusal names V-260936 and --read-only, got: " + cli.stderr());
                }

                if (engineName.equals("docker-system")) {
                    badInputAtThePluginSocket(d, plugin, image);
                }
                PluginDown.measure(engineName, version[0], d, plugin);
                assertTrue(failures.isEmpty(), String.join("\n", failures) + "\n" + table);
            }
        }
    }

    static boolean exemptName(String name) {
        return name.startsWith("ucp-")
                || name.startsWith("exempt-proof-")
                || name.equals("cr-k8s")
                || name.equals("cr-ucp-label");
    }

    /** {@code NAME READONLY} of every service spec. */
    static List<String> serviceSpecs(PrivateDockerd d) {
        String ids = d.docker("service", "ls", "--quiet");
        if (ids.isBlank()) {
            return List.of();
        }
        List<String> args = new ArrayList<>(List.of(
                "service", "inspect", "--format", "{{ .Spec.Name }} {{ .Spec.TaskTemplate.ContainerSpec.ReadOnly }}"));
        args.addAll(List.of(ids.split("\\s+")));
        return d.docker(args.toArray(String[]::new)).lines().toList();
    }

    /** Service create, update and rollback: the spec the daemon would keep is what counts. */
    private static List<Row> services(PrivateDockerd d, String image) {
        List<Row> rows = new ArrayList<>();
        String json = "application/json";
        java.util.function.BiFunction<String, String, String> spec = (name, containerSpecExtra) ->
                "{\"Name\":\"" + name + "\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"" + image
                        + "\",\"Command\":[\"/bin/sleep\",\"100000\"]" + containerSpecExtra
                        + "}},\"Mode\":{\"Replicated\":{\"Replicas\":0}}}";
        List<Crafted> creates = List.of(
                new Crafted(
                        "svc-ro",
                        "service create, ReadOnly true",
                        "svc-ro",
                        Expect.CREATED,
                        CraftedRequests.request("/services/create", json, spec.apply("svc-ro", ",\"ReadOnly\":true"))),
                new Crafted(
                        "svc-rw",
                        "service create, no ReadOnly",
                        "svc-rw",
                        Expect.REFUSED,
                        CraftedRequests.request("/services/create", json, spec.apply("svc-rw", ""))),
                new Crafted(
                        "svc-dup",
                        "service create, ReadOnly true then readonly false",
                        "svc-dup",
                        Expect.REFUSED,
                        CraftedRequests.request(
                                "/services/create",
                                json,
                                spec.apply("svc-dup", ",\"ReadOnly\":true,\"readonly\":false"))),
                new Crafted(
                        "svc-v-chunked",
                        "/v1.41/services/create chunked, no ReadOnly",
                        "svc-v-chunked",
                        Expect.REFUSED,
                        CraftedRequests.chunked("/v1.41/services/create", json, spec.apply("svc-v-chunked", ""))),
                new Crafted(
                        "svc-exempt",
                        "service create, no ReadOnly, exempted by name",
                        "exempt-proof-svc",
                        Expect.CREATED,
                        CraftedRequests.request("/services/create", json, spec.apply("exempt-proof-svc", ""))));
        for (Crafted c : creates) {
            rows.add(new Row(c, send(d, c.raw())));
        }
        String id = d.docker("service", "inspect", "--format", "{{ .ID }}", "svc-ro");
        // each update names the spec version it changes: read just before sending
        record Update(String id, String what, Expect expect, String path, String extra) {}
        List<Update> updates = List.of(
                new Update(
                        "svc-update-rw",
                        "service update to writable",
                        Expect.REFUSED,
                        "/services/" + id + "/update",
                        ""),
                new Update(
                        "svc-update-pct",
                        "service update to writable, /services/ID/%75pdate",
                        Expect.NO_WRITABLE_LEFT,
                        "/services/" + id + "/%75pdate",
                        ""),
                new Update(
                        "svc-update-ro",
                        "service update, stays read-only",
                        Expect.CREATED,
                        "/v1.41/services/" + id + "/update",
                        ",\"ReadOnly\":true,\"Env\":[\"A=1\"]"));
        for (Update u : updates) {
            String version = d.docker("service", "inspect", "--format", "{{ .Version.Index }}", "svc-ro");
            Crafted c = new Crafted(
                    u.id(),
                    u.what(),
                    "svc-ro",
                    u.expect(),
                    CraftedRequests.request(u.path() + "?version=" + version, json, spec.apply("svc-ro", u.extra())));
            rows.add(new Row(c, send(d, c.raw())));
        }
        String legacyVersion = d.docker("service", "inspect", "--format", "{{ .Version.Index }}", "svc-legacy");
        Crafted rollback = new Crafted(
                "svc-rollback",
                "rollback to a writable previous spec (read-only body)",
                "svc-legacy",
                Expect.REFUSED,
                CraftedRequests.request(
                        "/services/svc-legacy/update?version=" + legacyVersion + "&rollback=previous",
                        json,
                        spec.apply("svc-legacy", ",\"ReadOnly\":true")));
        rows.add(new Row(rollback, send(d, rollback.raw())));
        return rows;
    }

    /** Garbage, malformed plugin requests and a client that never finishes: refusals, and the daemon keeps working. */
    private static void badInputAtThePluginSocket(PrivateDockerd d, AuthzPlugin plugin, String image) throws Exception {
        List<SocketChannel> hung = new ArrayList<>();
        try {
            for (int i = 0; i < 16; i++) {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(plugin.socket()));
                ch.write(ByteBuffer.wrap(
                        ("POST /AuthZPlugin.AuthZReq HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
                                        + "{\"RequestMethod\":\"POST\",")
                                .getBytes(StandardCharsets.US_ASCII)));
                hung.add(ch);
            }
            SocketProxy.Answer garbage = SocketProxy.raw(
                    plugin.socket(), "\u0000\u0001\u00ff\r\n\r\nnot http at all\r\n\r\n", 1, Duration.ofSeconds(3));
            String create = "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/containers/create\",\"RequestBody\":";
            List<String> malformed = List.of(
                    "{not json",
                    "[]",
                    "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/containers/create\"}",
                    create + "\"%%% not base64\"}",
                    create + "\""
                            + Base64.getEncoder().encodeToString("{\"HostConfig\":".getBytes(StandardCharsets.UTF_8))
                            + "\"}",
                    create + "42}",
                    "{\"RequestMethod\":\"POST\",\"RequestUri\":null,\"RequestBody\":null}");
            List<String> answers = new ArrayList<>();
            for (String m : malformed) {
                SocketProxy.Answer a = plugin.call("/AuthZPlugin.AuthZReq", m);
                answers.add(a.status() + " " + RawHttp.parse(a.text()).message() + "  <-  " + m);
                // an answer (the daemon would retry a dropped connection for 15 s), and never an allow
                assertTrue(
                        a.status() > 0 && !a.text().replace(" ", "").contains("\"Allow\":true"),
                        "a malformed request gets a refusal in enforce mode: " + m + " -> " + a.text());
            }
            long t0 = System.nanoTime();
            assertTrue(d.tryDocker("ps").ok(), "docker ps while 16 clients hang on the plugin socket");
            d.createSleeper("bad-input-ro", true);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(plugin.isRunning(), "the plugin survives:\n" + plugin.logTail(30));
            String report = "garbage -> " + (garbage.status() < 0 ? "connection closed" : garbage.status()) + "\n"
                    + String.join("\n", answers) + "\n16 hung clients: docker ps + docker create --read-only took "
                    + ms + " ms\n";
            Files.writeString(OUT.resolve("bad-input.txt"), report);
            System.err.println("[AuthzEnginesIT] bad input at the plugin socket:\n" + report);
        } finally {
            for (SocketChannel ch : hung) {
                ch.close();
            }
        }
    }

    static RawHttp.Answer send(PrivateDockerd d, String raw) {
        return RawHttp.exchange(d.socketPath(), raw, ANSWER);
    }

    record Row(Crafted crafted, RawHttp.Answer answer) {}

    static String table(String title, List<Row> rows, Map<String, Boolean> stig, List<String> serviceSpecs) {
        StringBuilder sb = new StringBuilder("### " + title + ": " + rows.size() + " crafted requests, enforce mode\n\n"
                + "| # | request | daemon's answer | container left |\n|---|---|---|---|\n");
        int i = 1;
        for (Row r : rows) {
            Crafted c = r.crafted();
            String left;
            if (c.id().startsWith("svc-")) {
                left = serviceSpecs.stream()
                        .filter(l -> l.startsWith(c.container() + " "))
                        .map(l ->
                                "service, ReadOnly=" + l.substring(c.container().length() + 1)
                                        + (exemptName(c.container()) ? " (exempt)" : ""))
                        .findFirst()
                        .orElse("none");
            } else {
                Boolean ro = stig.get(c.container());
                left = ro == null
                        ? "none"
                        : ro ? "read-only" : exemptName(c.container()) ? "writable (exempt)" : "WRITABLE";
            }
            sb.append("| ")
                    .append(i++)
                    .append(" | ")
                    .append(c.what().replace("|", "\\|"))
                    .append(" | ")
                    .append(r.answer().cell(140))
                    .append(" | ")
                    .append(left)
                    .append(" |\n");
        }
        return sb.toString();
    }
}
