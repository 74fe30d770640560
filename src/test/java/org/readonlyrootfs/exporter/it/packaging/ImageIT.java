package org.readonlyrootfs.exporter.it.packaging;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.testing.ImageBuild;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Sbom;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.Scrape.Sample;
import org.readonlyrootfs.exporter.testing.TlsUnixProxy;
import org.readonlyrootfs.exporter.testing.Tools;

/**
 * The container image, proved on this machine: the Dockerfile built by {@code scripts/build-image.sh}
 * (base images made from Debian packages, no Docker Hub) on a private dockerd; run with every
 * hardening flag, where it audits its own container as compliant and its HEALTHCHECK goes healthy; and
 * deployed with {@code deploy/stack.yml} on a single-node swarm, where a real Prometheus configured by
 * {@code deploy/prometheus-swarm.yml} discovers and scrapes it. Measurements go to
 * {@code target/image-it/report.txt}.
 */
class ImageIT {
    private static final String TAG = "readonly-rootfs-exporter:it";
    private static final String SELF = "rre-image-self";
    private static final int USER = 65532;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static PrivateDockerd dockerd;
    private static ImageBuild.Built built;

    @BeforeAll
    static void buildTheImage() {
        dockerd = PrivateDockerd.start();
        built = ImageBuild.build(dockerd, TAG);
        report(
                "image build (scripts/build-image.sh, %s cache): %.1f s",
                built.warmCache() ? "warm" : "cold", built.seconds());
    }

    @AfterAll
    static void stopTheDaemon() {
        if (dockerd != null) {
            dockerd.close();
        }
    }

    // ---------------------------------------------------------------- the hardened container

    @Test
    void hardenedContainerServesMetricsPassesItsOwnCheckAndGoesHealthy() throws IOException {
        int port = freePort();
        String socketGid = String.valueOf(Files.getAttribute(dockerd.socketPath(), "unix:gid"));
        dockerd.createSleeper("rre-image-writable", false);
        long t0 = System.nanoTime();
        dockerd.docker(
                "run",
                "--detach",
                "--name",
                SELF,
                "--read-only",
                "--cap-drop",
                "ALL",
                "--security-opt",
                "no-new-privileges",
                "--user",
                USER + ":" + USER,
                "--group-add",
                socketGid,
                "--memory",
                "128m",
                "--volume",
                dockerd.socketPath() + ":/var/run/docker.sock:ro",
                "--network",
                "host",
                "--env",
                "READONLY_ROOTFS_WEB_LISTEN_ADDRESS=127.0.0.1:" + port,
                "--health-interval",
                "2s",
                TAG);
        try {
            await("/-/ready of the exporter in its container")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .ignoreExceptions()
                    .until(() -> Scrape.get(port, "/-/ready").statusCode() == 200);
            double readySeconds = (System.nanoTime() - t0) / 1e9;

            Sample self = await("its own container in its metrics")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> Scrape.metrics(port).container(SELF), Optional::isPresent)
                    .orElseThrow();
            assertEquals("compliant", self.label("status"), self.toString());
            assertEquals(1.0, self.value());
            assertEquals(TAG, self.label("image"));
            assertEquals("running", self.label("state"));
            Scrape scrape = Scrape.metrics(port);
            assertEquals(1.0, scrape.value("readonly_rootfs_docker_up", Map.of()));
            // on the read-only root, without perf data: the process and JVM metrics, and the container's limit
            assertTrue(scrape.value("process_resident_memory_bytes", Map.of()) > 0, scrape.text());
            assertTrue(scrape.value("process_cpu_seconds_total", Map.of()) > 0, "jdk.management in the runtime");
            assertTrue(scrape.value("process_open_fds", Map.of()) > 0, "jdk.management in the runtime");
            assertTrue(scrape.value("jvm_memory_used_bytes", Map.of("area", "heap")) > 0);
            assertEquals(128.0 * 1024 * 1024, scrape.value("readonly_rootfs_memory_limit_bytes", Map.of()));
            assertTrue(scrape.value("readonly_rootfs_memory_working_set_bytes", Map.of()) > 0);
            Sample writable =
                    scrape.container("rre-image-writable").orElseThrow(() -> new AssertionError(scrape.text()));
            assertEquals("finding", writable.label("status"));
            assertEquals(Boolean.TRUE, dockerd.stigCheckByName().get(SELF), "the STIG command agrees");

            await("HEALTHCHECK healthy")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .until(
                            () -> dockerd.docker("inspect", "--format", "{{.State.Health.Status}}", SELF),
                            "healthy"::equals);
            double healthySeconds = (System.nanoTime() - t0) / 1e9;
            String healthLog = dockerd.docker("inspect", "--format", "{{json .State.Health.Log}}", SELF);
            assertTrue(healthLog.contains("/-/healthy: 200"), healthLog);

            // what the kernel says about the exporter's process
            long init = Long.parseLong(dockerd.docker("inspect", "--format", "{{.State.Pid}}", SELF));
            long java = ProcessHandle.of(init)
                    .orElseThrow()
                    .children()
                    .filter(h ->
                            h.info().command().map(c -> c.endsWith("/java")).orElse(false))
                    .findFirst()
                    .map(ProcessHandle::pid)
                    .orElse(init);
            String status = Files.readString(Path.of("/proc", Long.toString(java), "status"));
            assertEquals(USER + "\t" + USER + "\t" + USER + "\t" + USER, field(status, "Uid"));
            assertTrue((" " + field(status, "Groups") + " ").contains(" " + socketGid + " "), field(status, "Groups"));
            assertEquals("0000000000000000", field(status, "CapEff"));
            assertEquals("0000000000000000", field(status, "CapBnd"));
            assertEquals("1", field(status, "NoNewPrivs"));

            // the jlink runtime has every module the endpoints need (TLS, XML for the CKL, JSON)
            for (String path : new String[] {"/", "/findings", "/checklist.cklb", "/checklist.ckl"}) {
                HttpResponse<String> r = Scrape.get(port, path);
                assertEquals(200, r.statusCode(), path + ": " + r.body());
                assertTrue(r.body().contains("rre-image-writable"), path + " names the writable container");
            }
            assertTrue(Scrape.get(port, "/findings").body().contains(SELF), "/findings lists every container");
            assertTrue(
                    Scrape.get(port, "/checklist.ckl").body().contains("<STATUS>Open</STATUS>"),
                    "a writable container runs beside it: the rule is open");
            for (int i = 0; i < 10; i++) {
                Scrape.metrics(port);
            }
            long rssKib =
                    Long.parseLong(field(Files.readString(Path.of("/proc", Long.toString(java), "status")), "VmRSS")
                            .replace("kB", "")
                            .trim());
            String logs = logs(SELF);
            assertTrue(logs.contains("listening on http://127.0.0.1:" + port + "/metrics"), logs);
            assertFalse(logs.contains("Exception") || logs.contains("WARN"), logs);
            report(
                    "hardened container: /-/ready %.2f s after docker run, healthy after %.1f s (interval 2s), "
                            + "RSS %d MiB (--memory 128m, 10 scrapes)",
                    readySeconds, healthySeconds, rssKib / 1024);
        } finally {
            dockerd.tryDocker("rm", "--force", SELF);
        }
    }

    // ---------------------------------------------------------------- a client bundle over TLS (MKE)

    @Test
    void readsTheDaemonOverTlsWithAClientBundleAsThroughMke() throws IOException {
        Path dir = ImageBuild.LOGS.resolve("tls");
        deleteRecursively(dir);
        Files.createDirectories(dir);
        try (TlsUnixProxy proxy = TlsUnixProxy.start(dockerd.socketPath(), dir)) {
            // the bundle's key readable by the container's user only, as a bundle's owner would have it
            for (String f : List.of("ca.pem", "cert.pem", "key.pem")) {
                Path file = proxy.bundle().resolve(f);
                Files.setAttribute(file, "unix:uid", USER);
                Files.setPosixFilePermissions(
                        file, java.nio.file.attribute.PosixFilePermissions.fromString("r--------"));
            }
            int port = freePort();
            String name = "rre-image-tls";
            dockerd.docker(
                    "run",
                    "--detach",
                    "--name",
                    name,
                    "--read-only",
                    "--cap-drop",
                    "ALL",
                    "--security-opt",
                    "no-new-privileges",
                    "--memory",
                    "128m",
                    "--volume",
                    proxy.bundle().toAbsolutePath() + ":/bundle:ro",
                    "--network",
                    "host",
                    "--env",
                    "DOCKER_HOST=" + proxy.host(),
                    "--env",
                    "DOCKER_TLS_VERIFY=1",
                    "--env",
                    "DOCKER_CERT_PATH=/bundle",
                    "--env",
                    "READONLY_ROOTFS_WEB_LISTEN_ADDRESS=127.0.0.1:" + port,
                    TAG);
            try {
                Sample self;
                try {
                    self = await("its own container, read over TLS")
                            .atMost(Duration.ofSeconds(60))
                            .pollInterval(Duration.ofMillis(200))
                            .ignoreExceptions()
                            .until(() -> Scrape.metrics(port).container(name), Optional::isPresent)
                            .orElseThrow();
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError(
                            e.getMessage() + "\n--- docker logs ---\n" + logs(name) + "\n--- /-/ready ---\n"
                                    + Scrape.get(port, "/-/ready").body(),
                            e);
                }
                assertEquals("compliant", self.label("status"));
                assertEquals(1.0, Scrape.metrics(port).value("readonly_rootfs_docker_up", Map.of()));
                String logs = logs(name);
                assertTrue(logs.contains("auditing " + proxy.host()) && !logs.contains("Exception"), logs);
            } finally {
                dockerd.tryDocker("rm", "--force", name);
            }
        }
    }

    // ---------------------------------------------------------------- the image's contents

    @Test
    void imageHasANumericNonRootUserNoShellNoSetuidFileAndOciLabels() throws IOException {
        assertEquals(USER + ":" + USER, dockerd.docker("image", "inspect", "--format", "{{.Config.User}}", TAG));
        assertEquals(
                "{\"9966/tcp\":{}}",
                dockerd.docker("image", "inspect", "--format", "{{json .Config.ExposedPorts}}", TAG));
        String health = dockerd.docker("image", "inspect", "--format", "{{json .Config.Healthcheck.Test}}", TAG);
        assertTrue(health.startsWith("[\"CMD\",\"/opt/java/bin/java\"") && health.contains("HealthCheck"), health);
        ImageBuild.assertOciLabels(dockerd, TAG, "Apache-2.0");
        String entrypoint = dockerd.docker("image", "inspect", "--format", "{{json .Config.Entrypoint}}", TAG);
        assertTrue(
                entrypoint.contains("-XX:MaxRAMPercentage=40")
                        && entrypoint.contains("-Djdk.nio.maxCachedBufferSize=262144")
                        && entrypoint.contains("-XX:-UsePerfData"),
                entrypoint);

        List<String> files = ImageBuild.exportedFiles(dockerd, TAG, "image-files.tar");
        Path tar = ImageBuild.LOGS.resolve("image-files.tar");
        assertTrue(
                files.contains("opt/java/bin/java") && files.contains("app/readonly-rootfs-exporter.jar"),
                files.toString());
        // the jar's SBOM next to it, as the build wrote it; the runtime's Debian packages
        Sbom jarSbom = Sbom.parse(ImageBuild.fileInTar(tar, "app/readonly-rootfs-exporter.cdx.json"));
        assertEquals(Sbom.read(Sbom.JAR_SBOM).components(), jarSbom.components());
        assertTrue(
                ImageBuild.fileInTar(tar, "app/readonly-rootfs-exporter.cdx.xml")
                        .contains("<bom "),
                "the XML SBOM");
        Sbom debian = ImageBuild.assertDebianPackagesSbom(tar, files, "libc6", "zlib1g");
        assertTrue(
                debian.components().stream().anyMatch(c -> c.name().startsWith("openjdk-17-jdk")),
                "the JDK whose modules jlink linked: " + debian.components());
        Files.delete(tar);
        long size = Long.parseLong(dockerd.docker("image", "inspect", "--format", "{{.Size}}", TAG));
        report("image %s: %d MB (%d files)", TAG, size / 1_000_000, files.size());
    }

    @Test
    void aStartLoadsTheExportersClassesFromTheImagesClassDataArchive() {
        // the ENTRYPOINT's JVM flags as the image has them, -Xshare:on (no start without the archive mapped)
        String entrypoint = dockerd.docker("image", "inspect", "--format", "{{json .Config.Entrypoint}}", TAG);
        List<String> flags = java.util.regex.Pattern.compile("\"(-[^\"]+)\"")
                .matcher(entrypoint.substring(0, entrypoint.indexOf("\"-jar\"")))
                .results()
                .map(r -> r.group(1))
                .toList();
        assertTrue(flags.contains("-XX:SharedArchiveFile=/app/readonly-rootfs-exporter.jsa"), entrypoint);
        List<String> cmd = new java.util.ArrayList<>(List.of("run", "--rm", "--entrypoint", "/opt/java/bin/java", TAG));
        cmd.addAll(flags);
        cmd.addAll(List.of(
                "-Xshare:on", "-Xlog:class+load=info", "-jar", "/app/readonly-rootfs-exporter.jar", "--version"));
        String out = dockerd.docker(cmd.toArray(String[]::new));
        assertTrue(out.contains("readonly-rootfs-exporter 0.1.0"), out);
        long fromArchive = out.lines()
                .filter(l ->
                        l.contains(" org.readonlyrootfs.exporter.") && l.endsWith("source: shared objects file (top)"))
                .count();
        long fromJar = out.lines()
                .filter(l -> l.contains(" org.readonlyrootfs.exporter.") && l.contains("source: file:/app/"))
                .count();
        // the command line's classes, at least, come from the archive
        assertTrue(
                out.contains("org.readonlyrootfs.exporter.config.CommandLine source: shared objects file (top)"), out);
        report(
                "class-data archive: %d of the exporter's classes from the archive, %d from the jar",
                fromArchive, fromJar);
    }

    // ---------------------------------------------------------------- the swarm stack and Prometheus

    @Test
    void swarmStackIsDiscoveredAndScrapedByPrometheus() throws Exception {
        dockerd.swarmInit();
        int port = freePort();
        String socketGid = String.valueOf(Files.getAttribute(dockerd.socketPath(), "unix:gid"));
        Process prometheus = null;
        Path dir = ImageBuild.LOGS.resolve("prometheus");
        try {
            // deploy/stack.yml as it is; a second file only makes the image's health check run every 2 s
            // instead of 30 s (a task is Running, and has its port, once healthy)
            Files.createDirectories(ImageBuild.LOGS);
            Path faster = ImageBuild.LOGS.resolve("stack-health-interval.yml");
            Files.writeString(
                    faster, "version: \"3.8\"\nservices:\n  exporter:\n    healthcheck:\n      interval: 2s\n");
            long t0 = System.nanoTime();
            ImageBuild.docker(
                    dockerd,
                    Map.of(
                            "DOCKER_GID",
                            socketGid,
                            "DOCKER_SOCKET",
                            dockerd.socketPath().toString(),
                            "RRE_IMAGE",
                            TAG,
                            "RRE_PORT",
                            Integer.toString(port)),
                    "stack",
                    "deploy",
                    "--resolve-image",
                    "never",
                    "--compose-file",
                    "deploy/stack.yml",
                    "--compose-file",
                    faster.toString(),
                    "rre");

            String config = Files.readString(Path.of("deploy/prometheus-swarm.yml"));
            config = replace(config, "host: unix:///var/run/docker.sock", "host: " + dockerd.host());
            config = replace(config, "refresh_interval: 30s", "refresh_interval: 2s");
            config = replace(config, "scrape_interval: 15s", "scrape_interval: 2s");
            deleteRecursively(dir);
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("prometheus.yml"), config);
            int promPort = freePort();
            prometheus = new ProcessBuilder(
                            Tools.require("prometheus").toString(),
                            "--config.file=" + dir.resolve("prometheus.yml"),
                            "--storage.tsdb.path=" + dir.resolve("data"),
                            "--web.listen-address=127.0.0.1:" + promPort)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("prometheus.log").toFile())
                    .start();
            Process prom = prometheus;

            // the task reports its published port once its HEALTHCHECK passed
            JsonNode target = await("Prometheus target of the exporter's task up")
                    .atMost(Duration.ofSeconds(150))
                    .pollInterval(Duration.ofSeconds(1))
                    .ignoreExceptions()
                    .until(
                            () -> {
                                assertTrue(
                                        prom.isAlive(),
                                        () -> ImageBuild.tail(ImageBuild.read(dir.resolve("prometheus.log")), 20));
                                for (JsonNode t : api(promPort, "/api/v1/targets?state=active")
                                        .path("activeTargets")) {
                                    if (t.path("labels").path("job").asText().equals("readonly-rootfs-exporter")
                                            && t.path("health").asText().equals("up")) {
                                        return t;
                                    }
                                }
                                return null;
                            },
                            t -> t != null);
            double upSeconds = (System.nanoTime() - t0) / 1e9;
            assertEquals(
                    "http://127.0.0.1:" + port + "/metrics",
                    target.path("scrapeUrl").asText(),
                    target.toString());
            String node = dockerd.docker("info", "--format", "{{.Name}}");
            assertEquals(node, target.path("labels").path("instance").asText(), target.toString());
            assertEquals(
                    1,
                    api(promPort, "/api/v1/targets?state=active")
                            .path("activeTargets")
                            .size(),
                    "one target per task, no duplicate on the overlay address");

            JsonNode up = await("readonly_rootfs_docker_up in Prometheus")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions()
                    .until(() -> query(promPort, "readonly_rootfs_docker_up"), r -> r.size() == 1);
            assertEquals("1", up.get(0).path("value").get(1).asText(), up.toString());
            assertEquals(
                    "readonly-rootfs-exporter",
                    up.get(0).path("metric").path("job").asText());
            JsonNode self = await("the exporter's own task, compliant, in Prometheus")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions()
                    .until(
                            () -> query(
                                    promPort, "readonly_rootfs_container{service=\"rre_exporter\",state=\"running\"}"),
                            r -> r.size() == 1);
            assertEquals("compliant", self.get(0).path("metric").path("status").asText(), self.toString());
            assertEquals("rre", self.get(0).path("metric").path("stack").asText());
            assertEquals("1", self.get(0).path("value").get(1).asText());
            JsonNode spec =
                    JSON.readTree(dockerd.docker("service", "inspect", "--format", "{{json .Spec}}", "rre_exporter"));
            JsonNode container = spec.path("TaskTemplate").path("ContainerSpec");
            assertTrue(spec.path("Mode").has("Global"), spec.toString());
            assertTrue(container.path("ReadOnly").asBoolean(), container.toString());
            assertEquals("[\"ALL\"]", container.path("CapabilityDrop").toString());
            assertEquals("65532:" + socketGid, container.path("User").asText());
            JsonNode mount = container.path("Mounts").get(0);
            assertEquals("/var/run/docker.sock", mount.path("Target").asText(), container.toString());
            assertTrue(mount.path("ReadOnly").asBoolean(), mount.toString());
            assertEquals(
                    128L << 20,
                    spec.path("TaskTemplate")
                            .path("Resources")
                            .path("Limits")
                            .path("MemoryBytes")
                            .asLong());
            report("swarm stack: Prometheus target up %.1f s after docker stack deploy", upSeconds);
        } finally {
            if (prometheus != null) {
                prometheus.destroy();
                prometheus.waitFor();
            }
            ImageBuild.docker(dockerd, Map.of(), "stack", "rm", "rre");
            dockerd.swarmLeave();
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The container's output; the exporter logs to stderr. */
    private static String logs(String container) {
        PrivateDockerd.Result r = dockerd.tryDocker("logs", container);
        return r.stdout() + r.stderr();
    }

    private static JsonNode api(int port, String pathAndQuery) throws IOException {
        HttpResponse<String> r = Scrape.get(port, pathAndQuery);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals("success", body.path("status").asText(), r.body());
        return body.path("data");
    }

    private static JsonNode query(int port, String promql) throws IOException {
        return api(port, "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8))
                .path("result");
    }

    private static String replace(String text, String from, String to) {
        assertTrue(text.contains(from), "deploy/prometheus-swarm.yml no longer contains [" + from + "]");
        return text.replace(from, to);
    }

    private static String field(String procStatus, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ":\\s*(.*)$").matcher(procStatus);
        if (!m.find()) {
            throw new AssertionError("no " + name + " in\n" + procStatus);
        }
        return m.group(1).trim();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static void report(String format, Object... args) {
        String line = String.format(java.util.Locale.ROOT, format, args);
        System.err.println("[ImageIT] " + line);
        try {
            Files.createDirectories(ImageBuild.LOGS);
            Files.writeString(
                    ImageBuild.LOGS.resolve("report.txt"),
                    line + "\n",
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
