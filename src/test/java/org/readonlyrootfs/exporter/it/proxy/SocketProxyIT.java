package org.readonlyrootfs.exporter.it.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.SocketProxy;
import org.readonlyrootfs.exporter.testing.TestConfig;

/**
 * {@code deploy/socket-proxy/haproxy.cfg} in front of a private dockerd (a single-node swarm, debug log on):
 * the requests it must refuse get 403 and leave no trace at the daemon; every request the exporter sends
 * goes through; an exporter through the proxy exports the same series as one on the socket itself, events,
 * swarm service specs and remediation plans included; a stream the proxy cuts is reconnected.
 */
class SocketProxyIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String VICTIM = "rre-proxy-victim";
    private static final String REFUSAL = "refused by the socket proxy";
    /** The series that must be the same through the proxy and direct (the rest are timings and counters). */
    private static final Set<String> COMPARED = Set.of(
            "readonly_rootfs_container",
            "readonly_rootfs_containers",
            "readonly_rootfs_containers_unchecked",
            "readonly_rootfs_service",
            "readonly_rootfs_remediation",
            "readonly_rootfs_remediation_plans",
            "readonly_rootfs_exemption_matches",
            "readonly_rootfs_docker_up",
            "readonly_rootfs_events_stream_up",
            "readonly_rootfs_stig_info");

    private static PrivateDockerd dockerd;
    private static SocketProxy proxy;
    private static String victimId;

    @BeforeAll
    static void startDaemonAndProxy() {
        // --debug: the daemon logs "Calling <method> <path>" for every request it receives
        dockerd = PrivateDockerd.start(List.of("--debug"));
        dockerd.swarmInit();
        victimId = dockerd.createSleeper(VICTIM, false);
        dockerd.docker("start", VICTIM);
        proxy = SocketProxy.start(dockerd.socketPath());
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (dockerd != null) {
            dockerd.close();
        }
    }

    // ---------------------------------------------------------------- refused

    private static String request(String method, String target, String... headersAndBody) {
        return versioned(method, target, "HTTP/1.1", headersAndBody);
    }

    /** A request as bytes: {@code headersAndBody} are header lines, then optionally "" and a body. */
    private static String versioned(String method, String target, String version, String... headersAndBody) {
        StringBuilder sb = new StringBuilder(method + " " + target + " " + version + "\r\nHost: docker\r\n");
        int i = 0;
        for (; i < headersAndBody.length && !headersAndBody[i].isEmpty(); i++) {
            sb.append(headersAndBody[i]).append("\r\n");
        }
        sb.append("\r\n");
        for (i++; i < headersAndBody.length; i++) {
            sb.append(headersAndBody[i]);
        }
        return sb.toString();
    }

    private static String json(String method, String target, String body) {
        return request(
                method,
                target,
                "Content-Type: application/json",
                "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length,
                "",
                body);
    }

    /** Every request that must be refused, by what it tries. */
    static Map<String, String> refused(String id) {
        String evil = "{\"Image\":\"" + PrivateDockerd.IMAGE + "\",\"Cmd\":[\"/bin/sleep\",\"1000\"],"
                + "\"HostConfig\":{\"Privileged\":true,\"NetworkMode\":\"host\",\"Binds\":[\"/:/host\"]}}";
        String smuggled = request("DELETE", "/containers/" + id + "?force=1");
        Map<String, String> r = new LinkedHashMap<>();
        // writes of every kind
        r.put("create a privileged container", json("POST", "/containers/create?name=rre-proxy-evil", evil));
        r.put("create, versioned", json("POST", "/v1.41/containers/create?name=rre-proxy-evil2", evil));
        r.put("delete a container", request("DELETE", "/containers/" + id + "?force=1"));
        r.put("delete, versioned", request("DELETE", "/v1.41/containers/" + id + "?force=1&v=1"));
        r.put("kill", request("POST", "/containers/" + id + "/kill"));
        r.put("stop", request("POST", "/v1.41/containers/" + id + "/stop?t=0"));
        r.put("exec create", json("POST", "/containers/" + id + "/exec", "{\"Cmd\":[\"/bin/sh\"]}"));
        r.put(
                "exec start, upgraded",
                request(
                        "POST",
                        "/exec/0123456789ab/start",
                        "Upgrade: tcp",
                        "Connection: Upgrade",
                        "Content-Type: application/json",
                        "Content-Length: 2",
                        "",
                        "{}"));
        r.put(
                "attach, upgraded",
                request(
                        "POST",
                        "/containers/" + id + "/attach?stream=1&stdin=1&stdout=1",
                        "Upgrade: tcp",
                        "Connection: Upgrade"));
        r.put(
                "attach over a websocket",
                request(
                        "GET",
                        "/containers/" + id + "/attach/ws?stream=1&stdin=1",
                        "Upgrade: websocket",
                        "Connection: Upgrade",
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                        "Sec-WebSocket-Version: 13"));
        r.put(
                "put an archive into a container",
                request(
                        "PUT",
                        "/containers/" + id + "/archive?path=/tmp",
                        "Content-Type: application/x-tar",
                        "Content-Length: 0"));
        r.put("update a container", json("POST", "/containers/" + id + "/update", "{\"Privileged\":true}"));
        r.put("pull an image", request("POST", "/images/create?fromImage=busybox&tag=latest"));
        r.put("delete an image", request("DELETE", "/images/" + PrivateDockerd.IMAGE + "?force=1"));
        r.put("build", request("POST", "/build?t=evil", "Content-Type: application/x-tar", "Content-Length: 0"));
        r.put("prune containers", request("POST", "/containers/prune"));
        r.put("create a volume", json("POST", "/volumes/create", "{\"Name\":\"rre-proxy-evil\"}"));
        r.put("leave the swarm", request("POST", "/swarm/leave?force=1"));
        r.put("a write on an allowed path", request("POST", "/containers/" + id + "/json"));
        r.put("delete on an allowed path", request("DELETE", "/v1.41/containers/" + id + "/json"));
        // reads that leak data
        r.put("a container's files", request("GET", "/containers/" + id + "/archive?path=/etc/passwd"));
        r.put("a file's stat", request("HEAD", "/containers/" + id + "/archive?path=/etc/passwd"));
        r.put("export a container", request("GET", "/containers/" + id + "/export"));
        r.put("export, versioned", request("GET", "/v1.41/containers/" + id + "/export"));
        r.put("a container's logs", request("GET", "/containers/" + id + "/logs?stdout=1&stderr=1"));
        r.put("a container's processes", request("GET", "/containers/" + id + "/top"));
        r.put("swarm join tokens", request("GET", "/swarm"));
        r.put("swarm, versioned", request("GET", "/v1.41/swarm"));
        r.put("secrets", request("GET", "/secrets"));
        r.put("configs", request("GET", "/v1.41/configs"));
        r.put("tasks", request("GET", "/tasks"));
        r.put("nodes", request("GET", "/nodes"));
        r.put("save an image", request("GET", "/images/" + PrivateDockerd.IMAGE + "/get"));
        r.put("save images", request("GET", "/images/get?names=" + PrivateDockerd.IMAGE));
        r.put("an exec's state", request("GET", "/exec/0123456789ab/json"));
        r.put("every container's disk usage", request("GET", "/containers/json?all=1&size=1"));
        r.put("disk usage, the parameter's name encoded", request("GET", "/containers/json?all=1&si%7Ae=1"));
        r.put("a container's disk usage", request("GET", "/v1.41/containers/" + id + "/json?size=true"));
        r.put("HEAD of an allowed GET path", request("HEAD", "/info"));
        // path tricks: refused rather than normalised
        r.put("dot-dot", request("GET", "/containers/json/../../secrets"));
        r.put("dot-dot after an allowed path", request("GET", "/info/../swarm"));
        r.put("dot-dot in an id", request("GET", "/containers/../swarm/json"));
        r.put("encoded dot-dot", request("GET", "/containers/%2e%2e/%2e%2e/swarm"));
        r.put("encoded dot-dot and slash", request("GET", "/v1.41/containers/json/..%2f..%2fswarm"));
        r.put("encoded slash", request("GET", "/containers/" + id + "%2Farchive?path=/etc"));
        r.put("encoded letters", request("GET", "/%73warm"));
        r.put("double slash", request("GET", "//swarm"));
        r.put("double slash after a version", request("GET", "/v1.41//secrets"));
        r.put("dot segment", request("GET", "/containers/./" + id + "/export"));
        r.put("semicolon", request("GET", "/info;/../swarm"));
        r.put("trailing slash", request("GET", "/swarm/"));
        r.put("absolute form", request("GET", "http://docker/swarm"));
        r.put("absolute form of an allowed path", request("GET", "http://docker/info"));
        r.put("no Host header", "GET /swarm HTTP/1.1\r\n\r\n");
        r.put("lower-case method", request("get", "/secrets"));
        r.put("TRACE", request("TRACE", "/info"));
        r.put("OPTIONS", request("OPTIONS", "/containers/json"));
        // protocol tricks on allowed paths
        r.put("HTTP/1.0", versioned("GET", "/swarm", "HTTP/1.0"));
        r.put("HTTP/1.0 on an allowed path", versioned("GET", "/info", "HTTP/1.0"));
        r.put("method override header", request("GET", "/containers/json", "X-HTTP-Method-Override: DELETE"));
        r.put("X-HTTP-Method header", request("GET", "/info", "X-HTTP-Method: POST"));
        r.put("X-Method-Override header", request("GET", "/events", "X-Method-Override: POST"));
        r.put(
                "websocket upgrade of the events",
                request(
                        "GET",
                        "/events",
                        "Upgrade: websocket",
                        "Connection: Upgrade",
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                        "Sec-WebSocket-Version: 13"));
        r.put("h2c upgrade", request("GET", "/info", "Upgrade: h2c", "Connection: Upgrade, HTTP2-Settings"));
        r.put(
                "GET with a chunked body smuggling a DELETE",
                request(
                        "GET",
                        "/info",
                        "Transfer-Encoding: chunked",
                        "",
                        Integer.toHexString(smuggled.length()) + "\r\n" + smuggled + "\r\n0\r\n\r\n"));
        r.put(
                "GET with a Content-Length body smuggling a DELETE",
                request("GET", "/info", "Content-Length: " + smuggled.length(), "", smuggled));
        return r;
    }

    /** Malformed requests haproxy's HTTP parser rejects with 400, before any rule. */
    static Map<String, String> malformed(String id) {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("fragment", request("GET", "/info#/../../swarm"));
        r.put("space in the path", request("GET", "/info /../swarm"));
        r.put(
                "two different Content-Lengths",
                request("DELETE", "/containers/" + id + "?force=1", "Content-Length: 0", "Content-Length: 5"));
        return r;
    }

    @Test
    void refusedRequestsGet403AndNeverReachTheDaemon() throws IOException {
        String before = dockerd.docker("ps", "--all", "--format", "{{.ID}} {{.Names}} {{.State}}");
        String images = dockerd.docker("image", "ls", "--quiet", "--no-trunc");
        String volumes = dockerd.docker("volume", "ls", "--quiet");
        String start = "rre-marker-" + UUID.randomUUID();
        String end = "rre-marker-" + UUID.randomUUID();
        // markers: requests straight to the daemon, before and after the refused ones
        int refusalsBefore = proxy.refusals().size();
        mark(start);
        Map<String, String> cases = refused(victimId);
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, String> c : cases.entrySet()) {
            SocketProxy.Answer a = proxy.raw(c.getValue());
            boolean head = c.getValue().startsWith("HEAD "); // an answer without body
            System.err.println(
                    "[SocketProxyIT] " + first(a.text()) + " <- " + first(c.getValue()) + " (" + c.getKey() + ")");
            if (!a.text().startsWith("HTTP/1.1 403 ") || !(head || a.text().contains(REFUSAL))) {
                wrong.add(c.getKey() + ": got " + a.statuses() + " " + first(a.text()));
            }
        }
        for (Map.Entry<String, String> c : malformed(victimId).entrySet()) {
            SocketProxy.Answer a = proxy.raw(c.getValue());
            System.err.println(
                    "[SocketProxyIT] " + first(a.text()) + " <- " + first(c.getValue()) + " (" + c.getKey() + ")");
            if (!a.text().startsWith("HTTP/1.1 400 ")) {
                wrong.add(c.getKey() + ": got " + a.statuses() + " " + first(a.text()) + ", want 400");
            }
        }
        // HTTP/2 with prior knowledge (haproxy speaks it on this listener too): HEADERS of GET /_ping, refused as
        // not HTTP/1.1; the answer is HEADERS with a literal :status 403 ("H", length 3, "403"), then the body
        String h2 = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + h2Frame(4, 0, 0, "")
                + h2Frame(1, 5, 1, "\u0082\u0086\u0044\u0006/_ping\u0041\u0006docker");
        SocketProxy.Answer http2 = SocketProxy.raw(proxy.socket(), h2, 1, Duration.ofSeconds(1));
        System.err.println("[SocketProxyIT] HTTP/2 " + (http2.text().contains("H\u0003403") ? "403" : "?")
                + " <- GET /_ping over HTTP/2 (prior knowledge)");
        if (!http2.text().contains("H\u0003403") || !http2.text().contains(REFUSAL)) {
            wrong.add("GET /_ping over HTTP/2: " + http2.text());
        }
        // pipelined: the allowed request is answered, the one after it refused
        SocketProxy.Answer pipelined = SocketProxy.raw(
                proxy.socket(),
                request("GET", "/_ping") + request("DELETE", "/containers/" + victimId + "?force=1"),
                2,
                Duration.ofSeconds(3));
        if (!pipelined.statuses().equals(List.of(200, 403))) {
            wrong.add("pipelined DELETE after a GET: got " + pipelined.statuses() + " " + first(pipelined.text()));
        }
        mark(end);
        assertTrue(cases.size() >= 20, "at least 20 refused requests");
        assertEquals(List.of(), wrong, "requests not refused with 403");

        // no trace at the daemon: not a single request between the markers
        List<String> calls = await("the end marker in the daemon's debug log")
                .atMost(Duration.ofSeconds(10))
                .until(() -> calledBetween(start, end), c -> c != null);
        assertEquals(
                List.of("GET /_ping"),
                calls.stream()
                        .map(l -> l.replaceAll(".*msg=\"Calling ([^\"]*)\".*", "$1"))
                        .toList(),
                "requests the daemon received between the markers: only the pipelined allowed one");
        assertEquals(
                before,
                dockerd.docker("ps", "--all", "--format", "{{.ID}} {{.Names}} {{.State}}"),
                "no container created, deleted, stopped");
        assertEquals("running", dockerd.docker("inspect", "--format", "{{.State.Status}}", VICTIM));
        assertEquals(images, dockerd.docker("image", "ls", "--quiet", "--no-trunc"));
        assertEquals(volumes, dockerd.docker("volume", "ls", "--quiet"));
        assertEquals("active", dockerd.docker("info", "--format", "{{.Swarm.LocalNodeState}}"));
        // nor after them (a request held back and sent later)
        String log = Files.readString(dockerd.logFile());
        List<String> since = log.substring(log.indexOf(start)).lines().toList();
        for (String never : List.of(
                "/secrets", "/swarm", "/configs", "/archive", "/export", "/exec", "/attach", "DELETE", "POST")) {
            assertTrue(
                    since.stream().noneMatch(l -> l.contains("Calling") && l.contains(never)),
                    "the daemon saw a request for " + never);
        }
        // the proxy logged each refusal
        assertEquals(cases.size() + 2, proxy.refusals().size() - refusalsBefore, proxy.log());
    }

    /** An HTTP/2 frame: length, type, flags, stream id, payload (ISO-8859-1 characters as bytes). */
    private static String h2Frame(int type, int flags, int stream, String payload) {
        int n = payload.length();
        return new String(
                        new byte[] {
                            (byte) (n >> 16),
                            (byte) (n >> 8),
                            (byte) n,
                            (byte) type,
                            (byte) flags,
                            0,
                            0,
                            0,
                            (byte) stream
                        },
                        StandardCharsets.ISO_8859_1)
                + payload;
    }

    /** {@code GET /containers/<marker>/json} to the daemon itself (a 404, logged as "Calling GET ..."). */
    private static void mark(String marker) {
        SocketProxy.Answer a = SocketProxy.raw(
                dockerd.socketPath(),
                request("GET", "/containers/" + marker + "/json", "Connection: close"),
                1,
                Duration.ofSeconds(5));
        assertEquals(404, a.status(), a.text());
    }

    /** The "Calling" lines of the daemon's log between the two markers, null until the end marker is there. */
    private static List<String> calledBetween(String start, String end) throws IOException {
        List<String> calls = Files.readAllLines(dockerd.logFile(), StandardCharsets.UTF_8).stream()
                .filter(l -> l.contains("msg=\"Calling "))
                .toList();
        int from = indexOf(calls, start);
        int to = indexOf(calls, end);
        assertTrue(from >= 0, "the daemon's debug log has no start marker: is it running with --debug?");
        return to < 0 ? null : calls.subList(from + 1, to);
    }

    private static int indexOf(List<String> lines, String marker) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(marker)) {
                return i;
            }
        }
        return -1;
    }

    private static String first(String text) {
        int eol = text.indexOf('\r');
        return eol < 0 ? text : text.substring(0, eol);
    }

    // ---------------------------------------------------------------- allowed

    @Test
    void everyRequestTheExporterSendsIsForwarded() {
        List<String> paths = List.of(
                "/_ping",
                "/version",
                "/info",
                "/containers/json?all=1",
                "/containers/" + victimId + "/json",
                "/containers/" + VICTIM + "/json",
                "/containers/" + victimId + "/changes",
                "/services",
                "/services?status=true");
        List<String> wrong = new ArrayList<>();
        for (String p : paths) {
            for (String path : List.of(p, "/v1.41" + p)) {
                SocketProxy.Answer a = proxy.raw(request("GET", path, "Accept: application/json"));
                if (a.status() != 200) {
                    wrong.add("GET " + path + ": " + a.statuses() + " " + first(a.text()));
                }
            }
        }
        SocketProxy.Answer head = SocketProxy.raw(proxy.socket(), request("HEAD", "/_ping"), 1, Duration.ofSeconds(1));
        if (!head.text().startsWith("HTTP/1.1 200 ")) {
            wrong.add("HEAD /_ping: " + first(head.text()));
        }
        // a container that does not exist: the daemon's own 404 comes back
        SocketProxy.Answer gone = proxy.raw(request("GET", "/containers/nosuchcontainer/json"));
        if (gone.status() != 404) {
            wrong.add("GET /containers/nosuchcontainer/json: " + gone.statuses());
        }
        // the events stream: a head, then nothing until an event (read until 1 s of quiet)
        long since = System.currentTimeMillis() / 1000 - 60;
        String filters = "%7B%22type%22%3A%5B%22container%22%5D%7D";
        SocketProxy.Answer events = SocketProxy.raw(
                proxy.socket(),
                request("GET", "/events?since=" + since + "&filters=" + filters),
                1,
                Duration.ofSeconds(1));
        if (!events.text().startsWith("HTTP/1.1 200 ")) {
            wrong.add("GET /events: " + first(events.text()));
        }
        assertEquals(List.of(), wrong);
    }

    // ---------------------------------------------------------------- the exporter, through and direct

    @Test
    void exporterThroughTheProxyExportsTheSameSeriesAsDirect() throws Exception {
        String image = dockerd.image();
        dockerd.docker(
                "service",
                "create",
                "--detach",
                "--name",
                "rre-proxy-svc",
                "--network",
                "host",
                "--label",
                "com.docker.stack.namespace=shop",
                image,
                "/bin/sleep",
                "100000");
        dockerd.createSleeper("rre-proxy-ro", true);
        dockerd.createSleeper("rre-proxy-created", false);
        int refusalsBefore = proxy.refusals().size();
        String[] flags = {"--scan.interval=1h"};
        try (Exporter direct = Exporter.start(TestConfig.config(dockerd.host(), flags));
                Exporter through = Exporter.start(TestConfig.config(proxy.host(), flags))) {
            int d = direct.port();
            int t = through.port();
            await("the service's task and every finding's plan, in both")
                    .atMost(WAIT)
                    .until(() -> ready(d) && ready(t));
            // created after start, with an hour between full scans: seen through the events stream
            dockerd.createSleeper("rre-proxy-late", false);
            await("the late container, through the events, in both")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> Scrape.metrics(d).container("rre-proxy-late").isPresent()
                            && Scrape.metrics(t).container("rre-proxy-late").isPresent());
            Set<String> seriesDirect = await().atMost(WAIT).until(() -> compared(d), s -> s.equals(compared(t)));
            assertEquals(seriesDirect, compared(t));

            Scrape s = Scrape.metrics(t);
            assertEquals(1, s.value("readonly_rootfs_docker_up", Map.of()));
            assertEquals(1, s.value("readonly_rootfs_events_stream_up", Map.of()));
            assertTrue(s.value("readonly_rootfs_scans_total", Map.of("result", "success")) >= 1, s.text());
            assertTrue(s.find("readonly_rootfs_scans_total", Map.of("result", "failure"))
                    .map(x -> x.value() == 0)
                    .orElse(true));
            assertEquals(
                    "finding",
                    s.find("readonly_rootfs_service", Map.of("service", "rre-proxy-svc"))
                            .orElseThrow()
                            .label("status"));
            assertEquals("finding", s.container("rre-proxy-late").orElseThrow().label("status"));
            assertNotEquals(
                    "unknown",
                    s.find("readonly_rootfs_remediation", Map.of("container_name", VICTIM))
                            .orElseThrow(() -> new AssertionError(s.text()))
                            .label("plan"),
                    "the running finding's changes were read");
            Set<String> operations = s.samples("readonly_rootfs_docker_requests_total").stream()
                    .filter(x -> x.value() > 0)
                    .map(x -> x.label("operation"))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(
                    new TreeSet<>(List.of("changes", "events", "info", "inspect", "list", "plan_inspect", "services")),
                    operations,
                    "every kind of request went through");
            assertEquals(
                    refusalsBefore, proxy.refusals().size(), "nothing the exporter sent was refused\n" + proxy.log());
            assertTrue(
                    proxy.log()
                            .lines()
                            .noneMatch(l -> l.matches("socket-proxy: [45]\\d\\d .*")
                                    && !l.contains("\"GET /containers/nosuchcontainer/json")
                                    && !l.contains(" 403 ")),
                    proxy.log());
        } finally {
            dockerd.tryDocker("service", "rm", "rre-proxy-svc");
            await("the service's task gone")
                    .atMost(WAIT)
                    .until(() -> dockerd.docker(
                                    "ps",
                                    "--all",
                                    "--quiet",
                                    "--filter",
                                    "label=com.docker.swarm.service.name=rre-proxy-svc")
                            .isEmpty());
        }
    }

    /** Both read the service spec, its task, and planned the running finding. */
    private static boolean ready(int port) {
        Scrape s = Scrape.metrics(port);
        return s.find("readonly_rootfs_service", Map.of("service", "rre-proxy-svc"))
                        .isPresent()
                && s.samples(
                                        "readonly_rootfs_container",
                                        x -> x.label("service").equals("rre-proxy-svc")
                                                && x.label("state").equals("running"))
                                .size()
                        == 1
                && s.find("readonly_rootfs_remediation", Map.of("container_name", VICTIM))
                        .isPresent();
    }

    /** The series of {@link #COMPARED}, as text: name, sorted labels, value. */
    static Set<String> compared(int port) {
        return Scrape.metrics(port).samples().stream()
                .filter(x -> COMPARED.contains(x.name()))
                .map(x -> x.name() + new java.util.TreeMap<>(x.labels()) + " " + x.value())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    // ---------------------------------------------------------------- a stream cut by the proxy

    @Test
    void anEventsStreamCutByAnIdleTimeoutIsReconnected(@TempDir Path dir) throws Exception {
        String config = Files.readString(SocketProxy.CONFIG);
        for (String timeout : List.of("timeout client 24h", "timeout server 24h")) {
            assertTrue(config.contains(timeout), "haproxy.cfg no longer has [" + timeout + "]");
            config = config.replace(timeout, timeout.replace("24h", "1s"));
        }
        Path shortTimeouts = dir.resolve("haproxy-1s.cfg");
        Files.writeString(shortTimeouts, config);
        try (SocketProxy cutting = SocketProxy.start(dockerd.socketPath(), shortTimeouts);
                Exporter exporter = Exporter.start(TestConfig.config(cutting.host(), "--scan.interval=1h"))) {
            int port = exporter.port();
            await("the stream cut and reconnected twice")
                    .atMost(WAIT)
                    .until(() -> Scrape.metrics(port)
                                    .value("readonly_rootfs_docker_requests_total", Map.of("operation", "events"))
                            >= 3);
            dockerd.createSleeper("rre-proxy-after-cuts", false);
            await("a container created after the cuts")
                    .atMost(Duration.ofSeconds(15))
                    .until(() -> Scrape.metrics(port)
                            .container("rre-proxy-after-cuts")
                            .isPresent());
            assertEquals(1, Scrape.metrics(port).value("readonly_rootfs_docker_up", Map.of()));
            assertEquals(List.of(), cutting.refusals());
        }
    }
}
