package org.readonlyrootfs.exporter.it.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.RecordingDockerProxy;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.TestConfig;

/**
 * Read-only by construction: a recording proxy between the exporter and the daemon sees only GET
 * requests, on the paths a docker-socket-proxy allowing GET on containers, events, info and services
 * lets through, across start-up, scans, container churn and every HTTP endpoint.
 */
class ReadOnlyClientIT {
    /** What a docker-socket-proxy with CONTAINERS, EVENTS, INFO, SERVICES (plus its always-on _ping, version) allows. */
    static final Pattern ALLOWED = Pattern.compile(
            "GET (/v[0-9.]+)?/(_ping|version|info|events|containers/json|containers/[0-9a-f]{12,64}/(json|changes)|services(/[^/?]+)?)(\\?.*)?");

    static final List<String> HTTP_PATHS = List.of(
            "/",
            "/metrics",
            "/-/healthy",
            "/-/ready",
            "/findings",
            "/checklist.cklb",
            "/checklist.ckl",
            "/nope",
            "/metrics?name[]=x");

    @Test
    void everythingTheExporterSendsIsAGetOnAllowedPaths() throws Exception {
        PrivateDockerd dockerd = PrivateDockerd.shared();
        String p = "ro" + UUID.randomUUID().toString().substring(0, 6) + "-";
        dockerd.createSleeper(p + "a", false);
        dockerd.createSleeper(p + "w", false); // a running finding: its remediation plan reads its changes
        dockerd.docker("start", p + "w");
        try (RecordingDockerProxy proxy = new RecordingDockerProxy(dockerd.socketPath());
                Exporter exporter = Exporter.start(TestConfig.config(proxy.host(), "--scan.interval=300ms"))) {
            int port = exporter.port();
            try {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> Scrape.metrics(port).container(p + "a").isPresent());
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(
                        "requests " + proxy.requests() + " snapshot "
                                + exporter.scanner().current(),
                        e);
            }
            // churn: new, started, renamed, removed containers between scans
            dockerd.createSleeper(p + "b", true);
            dockerd.docker("start", p + "b");
            dockerd.docker("rename", p + "a", p + "c");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> Scrape.metrics(port).container(p + "c").isPresent()
                            && Scrape.metrics(port).container(p + "b").isPresent());
            dockerd.docker("rm", "-f", p + "b");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> Scrape.metrics(port).container(p + "b").isEmpty());
            // every HTTP endpoint, every method a client may try
            HttpClient http = HttpClient.newHttpClient();
            for (String path : HTTP_PATHS) {
                for (String method : List.of("GET", "HEAD", "POST", "PUT", "DELETE")) {
                    http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                    .method(
                                            method,
                                            method.equals("GET") || method.equals("HEAD")
                                                    ? HttpRequest.BodyPublishers.noBody()
                                                    : HttpRequest.BodyPublishers.ofString("{}"))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
                }
                http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .header("Accept", "application/openmetrics-text; version=1.0.0")
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
            }
            long scans = exporter.scanner().current().scansSucceeded();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> exporter.scanner().current().scansSucceeded() >= scans + 2);

            exporter.close(); // no more scans: what the proxy saw is all the exporter sent
            List<String> sent = proxy.requests();
            long counted = exporter.scanner().current().dockerRequests().values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
            assertTrue(
                    sent.size() >= counted,
                    "the proxy saw every request the exporter counted: " + sent.size() + " < " + counted);
            assertFalse(sent.isEmpty(), "the proxy saw the exporter's requests");
            TreeSet<String> endpoints = new TreeSet<>();
            for (String r : sent) {
                endpoints.add(r.replaceAll("/containers/[0-9a-f]{12,64}/", "/containers/{id}/"));
            }
            String report =
                    "Docker API requests of the exporter, as recorded by the proxy (" + sent.size() + " requests, "
                            + exporter.scanner().current().scansSucceeded() + " scans):\n  "
                            + String.join("\n  ", endpoints) + "\n";
            System.err.print("[ReadOnlyClientIT] " + report);
            Files.writeString(Path.of("target", "docker-api-endpoints.txt"), report);
            assertTrue(
                    endpoints.stream().anyMatch(e -> e.startsWith("GET /events?")),
                    "the events stream went through: " + endpoints);
            assertTrue(
                    endpoints.contains("GET /containers/{id}/changes"), "a finding's changes were read: " + endpoints);
            for (String r : sent) {
                assertTrue(r.startsWith("GET "), "not a GET: " + r);
                assertTrue(ALLOWED.matcher(r).matches(), "outside what the docker-socket-proxy allows: " + r);
            }
        }
    }
}
