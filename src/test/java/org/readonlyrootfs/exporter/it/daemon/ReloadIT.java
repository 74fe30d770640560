package org.readonlyrootfs.exporter.it.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.config.CommandLine;
import org.readonlyrootfs.exporter.config.ConfigLoader;
import org.readonlyrootfs.exporter.testing.Certs;
import org.readonlyrootfs.exporter.testing.Certs.Issued;
import org.readonlyrootfs.exporter.testing.Certs.Kind;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.Tools;
import org.readonlyrootfs.exporter.testing.Web;

/**
 * Live reload against a real private dockerd: SIGHUP to the packaged jar, and {@code POST /-/reload}
 * in process. An exemption added to the file re-judges a writable container with no new list or
 * inspect request; a bad file answers 500, sets the metric to 0 and keeps the old verdicts; the web
 * config's users and certificate change for new connections; the endpoint answers 403 without
 * {@code --web.enable-lifecycle} and 405 to GET.
 */
class ReloadIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String NS = ConfigLoader.NAMESPACE;
    private static final Path JAR =
            Path.of(System.getProperty("exporter.jar", "target/readonly-rootfs-exporter-0.1.0.jar"));
    private static PrivateDockerd dockerd;
    private static String prefix;

    @TempDir
    Path dir;

    @BeforeAll
    static void daemon() {
        dockerd = PrivateDockerd.shared();
        prefix = "rl" + UUID.randomUUID().toString().substring(0, 6) + "-";
    }

    private static String exemption(String name) {
        return NS + ".compliance.exemptions = [{ id = legacy-batch, reason = \"vendor image, RA-1234\", name = \"^"
                + name + "$\", expires = \"2099-01-01T00:00:00Z\" }]\n";
    }

    /** Starts in process as serve does: these flags; each reload reads the files again. */
    private static Exporter start(String... flags) throws IOException {
        ConfigLoader loader = new ConfigLoader(Map.of());
        CommandLine cli = CommandLine.parse(flags);
        return Exporter.start(loader.load(cli), Clock.systemUTC(), () -> loader.load(cli));
    }

    private static double requests(Scrape s, String operation) {
        return s
                .samples(
                        "readonly_rootfs_docker_requests_total",
                        x -> x.label("operation").equals(operation))
                .stream()
                .mapToDouble(Scrape.Sample::value)
                .sum();
    }

    private static HttpResponse<String> post(int port, String path) throws IOException {
        return Web.send(HttpClient.newHttpClient(), "http://127.0.0.1:" + port + path, "POST", null);
    }

    @Test
    void postReloadReJudgesWithoutDockerCallsAndABadFileChangesNothing() throws Exception {
        Path file = dir.resolve("rre.conf");
        Files.writeString(file, NS + ".scan.interval = 1h\n");
        String name = prefix + "post";
        try (Exporter exporter = start(
                "--config.file=" + file,
                "--docker.host=" + dockerd.host(),
                "--web.listen-address=127.0.0.1:0",
                "--web.enable-lifecycle")) {
            int port = exporter.port();
            await().atMost(WAIT)
                    .ignoreExceptions()
                    .until(() -> Scrape.metrics(port).value("readonly_rootfs_events_stream_up", Map.of()) == 1);
            dockerd.createSleeper(name, false); // seen by the events stream: no scan for an hour
            Scrape before = await().atMost(WAIT)
                    .until(() -> Scrape.metrics(port), s -> s.container(name).isPresent());
            assertEquals("finding", before.container(name).orElseThrow().label("status"));
            assertEquals(1, before.value("readonly_rootfs_config_last_reload_successful", Map.of()));
            double startedAt = before.value("readonly_rootfs_config_last_reload_success_timestamp_seconds", Map.of());

            Files.writeString(file, NS + ".scan.interval = 1h\n" + exemption(name));
            HttpResponse<String> ok = post(port, "/-/reload");
            assertEquals(200, ok.statusCode(), ok.body());
            assertEquals("Configuration reloaded.\n", ok.body());
            Scrape after = Scrape.metrics(port);
            assertEquals("exempt", after.container(name).orElseThrow().label("status"), "at once, at the next scrape");
            assertEquals(requests(before, "list"), requests(after, "list"), "no rescan");
            assertEquals(requests(before, "inspect"), requests(after, "inspect"), "no inspect");
            assertEquals(1, after.value("readonly_rootfs_config_last_reload_successful", Map.of()));
            assertTrue(
                    after.value("readonly_rootfs_config_last_reload_success_timestamp_seconds", Map.of()) >= startedAt);
            assertEquals(1, after.value("readonly_rootfs_exemption_matches", Map.of("exemption", "legacy-batch")));
            // the checklists' asset follows too: the next checklist names the new one
            Files.writeString(
                    file,
                    NS + ".scan.interval = 1h\n" + NS + ".evidence.asset.name = node-renamed\n" + NS
                            + ".evidence.asset.fqdn = node-renamed.example.com\n" + exemption(name));
            assertEquals(200, post(port, "/-/reload").statusCode());
            String ckl = Web.send(
                            HttpClient.newHttpClient(), "http://127.0.0.1:" + port + "/checklist.ckl", "GET", null)
                    .body();
            assertTrue(ckl.contains("<HOST_NAME>node-renamed</HOST_NAME>"), ckl.substring(0, 600));
            assertTrue(ckl.contains("<HOST_FQDN>node-renamed.example.com</HOST_FQDN>"), ckl.substring(0, 600));
            Scrape renamed = Scrape.metrics(port);

            // a bad file (a typo in a key, a bad value): 500, nothing changes, the metric says it
            Files.writeString(file, NS + ".scan.intervall = 1h\n" + NS + ".compliance.kubernetes = sometimes\n");
            HttpResponse<String> bad = post(port, "/-/reload");
            assertEquals(500, bad.statusCode());
            List<String> lines = bad.body().lines().toList();
            assertEquals(
                    "Configuration not reloaded: the running configuration stays. Problems:", lines.get(0), bad.body());
            assertEquals(3, lines.size(), bad.body());
            assertTrue(lines.get(1).startsWith("  unknown key [" + NS + ".scan.intervall] in config.file"), bad.body());
            assertTrue(
                    lines.get(2)
                            .startsWith("  " + NS + ".compliance.kubernetes must be one of not_applicable, audit, got"
                                    + " [sometimes]"),
                    bad.body());
            Scrape failed = Scrape.metrics(port);
            assertEquals("exempt", failed.container(name).orElseThrow().label("status"), "the old verdict stays");
            assertEquals(0, failed.value("readonly_rootfs_config_last_reload_successful", Map.of()));
            assertEquals(
                    renamed.value("readonly_rootfs_config_last_reload_success_timestamp_seconds", Map.of()),
                    failed.value("readonly_rootfs_config_last_reload_success_timestamp_seconds", Map.of()));
            assertEquals(requests(before, "list"), requests(failed, "list"));
            assertEquals(requests(before, "inspect"), requests(failed, "inspect"));
        } finally {
            dockerd.docker("rm", "-f", name);
        }
    }

    @Test
    void withoutTheLifecycleFlagReloadIsForbiddenAndGetIsNotAllowed() throws Exception {
        Path file = dir.resolve("rre.conf");
        Files.writeString(file, NS + ".scan.interval = 1h\n");
        try (Exporter exporter =
                start("--config.file=" + file, "--docker.host=" + dockerd.host(), "--web.listen-address=127.0.0.1:0")) {
            int port = exporter.port();
            HttpResponse<String> forbidden = post(port, "/-/reload");
            assertEquals(403, forbidden.statusCode());
            assertTrue(forbidden.body().contains("--web.enable-lifecycle"), forbidden.body());
            HttpResponse<String> get = Scrape.get(port, "/-/reload");
            assertEquals(405, get.statusCode());
            assertEquals("POST", get.headers().firstValue("Allow").orElse(""));
            assertEquals(1, Scrape.metrics(port).value("readonly_rootfs_config_last_reload_successful", Map.of()));
        }
    }

    @Test
    void webConfigReloadChangesUsersAndCertificateForNewConnections() throws Exception {
        Issued oldCa = Certs.ca(Kind.RSA, "old-ca");
        Issued newCa = Certs.ca(Kind.EC, "new-ca");
        Issued oldServer = Certs.server(oldCa, Kind.RSA);
        Issued newServer = Certs.server(newCa, Kind.EC);
        Certs.write(dir.resolve("old.pem"), Certs.pem(oldServer.cert()));
        Certs.write(dir.resolve("old.key"), Certs.traditionalKey(oldServer.keys()));
        Certs.write(dir.resolve("new.pem"), Certs.pem(newServer.cert()));
        Certs.write(dir.resolve("new.key"), Certs.traditionalKey(newServer.keys()));
        Path web = Certs.write(
                dir.resolve("web.yml"),
                "tls_server_config:\n  cert_file: old.pem\n  key_file: old.key\nbasic_auth_users:\n  alice: "
                        + Web.ALICE + "\n");
        String alice = Web.basic("alice", "s3cret");
        String bob = Web.basic("bob", "s3cret");
        try (Exporter exporter = start(
                "--web.config.file=" + web,
                "--docker.host=" + Web.NO_DOCKER,
                "--web.listen-address=127.0.0.1:0",
                "--web.enable-lifecycle")) {
            int port = exporter.port();
            String reload = "https://127.0.0.1:" + port + "/-/reload";
            HttpClient trustsOld = Web.client(Certs.context(null, oldCa));
            assertEquals(200, Web.get(trustsOld, port, "/-/healthy", alice).statusCode());
            assertEquals(
                    401, Web.send(trustsOld, reload, "POST", null).statusCode(), "behind basic auth as every endpoint");
            assertEquals(401, Web.send(trustsOld, reload, "POST", bob).statusCode());

            // a broken certificate: 500, the old certificate and users stay
            Certs.write(
                    dir.resolve("web.yml"),
                    "tls_server_config:\n  cert_file: new.pem\n  key_file: old.key\n" + "basic_auth_users:\n  bob: "
                            + Web.ALICE + "\n");
            HttpResponse<String> bad = Web.send(trustsOld, reload, "POST", alice);
            assertEquals(500, bad.statusCode());
            assertTrue(
                    bad.body().contains("tls_server_config.key_file must be the private key of cert_file"), bad.body());
            assertEquals(
                    200,
                    Web.get(Web.client(Certs.context(null, oldCa)), port, "/-/healthy", alice)
                            .statusCode());

            // bob replaces alice, and the new certificate replaces the old one
            Certs.write(
                    dir.resolve("web.yml"),
                    "tls_server_config:\n  cert_file: new.pem\n  key_file: new.key\n" + "basic_auth_users:\n  bob: "
                            + Web.ALICE + "\n");
            HttpResponse<String> ok = Web.send(trustsOld, reload, "POST", alice);
            assertEquals(200, ok.statusCode(), ok.body());

            HttpClient trustsNew = Web.client(Certs.context(null, newCa));
            assertEquals(200, Web.get(trustsNew, port, "/-/healthy", bob).statusCode());
            assertEquals(401, Web.get(trustsNew, port, "/-/healthy", alice).statusCode());
            SSLContext old = Certs.context(null, oldCa);
            assertThrows(
                    IOException.class,
                    () -> Web.get(Web.client(old), port, "/-/healthy", bob),
                    "a new connection gets the new certificate, which the old CA did not sign");
            HttpResponse<String> metrics = Web.get(trustsNew, port, "/metrics", bob);
            assertTrue(metrics.body().contains("readonly_rootfs_config_last_reload_successful{host="), metrics.body());
        }
    }

    // ------------------------------------------------------------------------------- SIGHUP, as users run it

    private static void hangUp(Process p) {
        Tools.Run r = Tools.run(List.of("kill", "-HUP", String.valueOf(p.pid())), null, 10);
        assertEquals(0, r.exitCode(), r.stderr());
    }

    @Test
    void sighupReloadsThePackagedJar() throws Exception {
        assertTrue(Files.isRegularFile(JAR), "run mvn package first: " + JAR);
        Path file = dir.resolve("rre.conf");
        Files.writeString(file, NS + ".scan.interval = 1h\n");
        String name = prefix + "hup";
        dockerd.createSleeper(name, false);
        int port = Tools.freePort();
        Path log = dir.resolve("exporter.log");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString(),
                "--config.file=" + file,
                "--docker.host=" + dockerd.host(),
                "--web.listen-address=127.0.0.1:" + port));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            p.getOutputStream().close();
            Scrape before = await().atMost(WAIT)
                    .ignoreExceptions()
                    .until(
                            () -> Scrape.metrics(port),
                            s -> s.container(name).isPresent()
                                    && s.value("readonly_rootfs_events_stream_up", Map.of()) == 1);
            assertEquals("finding", before.container(name).orElseThrow().label("status"));

            // a bad file first: the metric goes to 0, the verdict stays
            Files.writeString(file, NS + ".scan.interval = 15\n" + exemption(name));
            hangUp(p);
            Scrape failed = await().atMost(WAIT)
                    .until(
                            () -> Scrape.metrics(port),
                            s -> s.value("readonly_rootfs_config_last_reload_successful", Map.of()) == 0);
            assertEquals("finding", failed.container(name).orElseThrow().label("status"));

            // the events stream's first connection replays the second of the start-up list call (an inspect of
            // the container created just before): the counts are taken once they have settled
            double[] settled = {-1};
            Scrape quiet = await().atMost(WAIT)
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> Scrape.metrics(port), s -> {
                        double n = requests(s, "inspect") + requests(s, "list");
                        boolean same = n == settled[0];
                        settled[0] = n;
                        return same;
                    });
            Files.writeString(file, NS + ".scan.interval = 1h\n" + NS + ".docker.timeout = 5s\n" + exemption(name));
            hangUp(p);
            Scrape after = await().atMost(WAIT)
                    .until(
                            () -> Scrape.metrics(port),
                            s -> s.value("readonly_rootfs_config_last_reload_successful", Map.of()) == 1);
            assertEquals("exempt", after.container(name).orElseThrow().label("status"));
            assertEquals(requests(quiet, "list"), requests(after, "list"), "no rescan");
            assertEquals(requests(quiet, "inspect"), requests(after, "inspect"), "no inspect");
            double startedAt = before.value("readonly_rootfs_config_last_reload_success_timestamp_seconds", Map.of());
            double reloadedAt = after.value("readonly_rootfs_config_last_reload_success_timestamp_seconds", Map.of());
            assertTrue(reloadedAt > startedAt, startedAt + " then " + reloadedAt);
            System.out.println("[ReloadIT] metrics before: successful=1 success_timestamp=" + startedAt
                    + "; after the bad file: successful=0 success_timestamp="
                    + failed.value("readonly_rootfs_config_last_reload_success_timestamp_seconds", Map.of())
                    + "; after the good file: successful=1 success_timestamp=" + reloadedAt);
        } finally {
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "exits on SIGTERM");
            dockerd.docker("rm", "-f", name);
        }
        String output = Files.readString(log);
        output.lines().forEach(l -> System.out.println("[ReloadIT exporter] " + l));
        assertFalse(output.contains("\tat ") || output.contains("Exception"), output);
        List<String> lines = output.lines().toList();
        assertTrue(
                lines.stream()
                        .anyMatch(l -> l.endsWith("configuration reload (SIGHUP) failed, the running configuration"
                                + " stays: 1 problem")),
                output);
        assertTrue(
                lines.stream()
                        .anyMatch(l -> l.contains("ERROR ConfigReloader - readonly-rootfs-exporter: error: " + NS
                                + ".scan.interval must be a duration with a unit such as 15s or 500ms, got [15] ("
                                + file + ": 1)")),
                output);
        assertTrue(
                lines.stream()
                        .anyMatch(l -> l.contains(
                                "WARN ConfigReloader - configuration reload (SIGHUP): docker.timeout [10s] -> [5s] needs"
                                        + " a restart to apply")),
                output);
        assertTrue(
                lines.stream()
                        .anyMatch(l -> l.contains(
                                "configuration reloaded (SIGHUP): 1 exemption, 1 container changed" + " verdict")),
                output);
    }
}
