package org.readonlyrootfs.exporter.it.packaging;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.testing.Engine;
import org.readonlyrootfs.exporter.testing.ImageBuild;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.Scrape.Sample;
import org.readonlyrootfs.exporter.testing.SocketProxy;
import org.readonlyrootfs.exporter.testing.Tools;

/**
 * The socket proxy's image ({@code scripts/build-image.sh --socket-proxy}) on a private dockerd: its
 * contents; the one-host {@code docker run} pair of docs/deployment.md, where the exporter mounts no
 * Docker socket and still audits every container, its own and the proxy's as compliant; and
 * {@code deploy/stack-socket-proxy.yml} on a single-node swarm, where the exporter's task has no socket
 * mount, reads the service specs through its node's proxy and finds itself compliant.
 */
class SocketProxyImageIT {
    private static final String EXPORTER = "readonly-rootfs-exporter:proxy-it";
    private static final String PROXY = "readonly-rootfs-exporter-socket-proxy:it";
    private static final String VOLUME_OPTIONS = "uid=65533,gid=65532,mode=2750,size=64k";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static PrivateDockerd dockerd;

    @BeforeAll
    static void buildTheImages() {
        Tools.require("haproxy"); // the proxy's tests need it on the host too: fail early, never skip
        dockerd = PrivateDockerd.start();
        ImageBuild.build(dockerd, EXPORTER);
        ImageBuild.Built proxy = ImageBuild.buildSocketProxy(dockerd, PROXY);
        System.err.printf(java.util.Locale.ROOT, "[SocketProxyImageIT] proxy image built in %.1f s%n", proxy.seconds());
    }

    @AfterAll
    static void stopTheDaemon() {
        if (dockerd != null) {
            dockerd.close();
        }
    }

    @Test
    void proxyImageHasHaproxyANumericNonRootUserAndNoShell() throws IOException {
        assertEquals("65533:65533", dockerd.docker("image", "inspect", "--format", "{{.Config.User}}", PROXY));
        assertEquals(
                "[\"/usr/sbin/haproxy\",\"-f\",\"/etc/haproxy/haproxy.cfg\"]",
                dockerd.docker("image", "inspect", "--format", "{{json .Config.Entrypoint}}", PROXY));
        List<String> files = ImageBuild.exportedFiles(dockerd, PROXY, "proxy-image-files.tar");
        Path tar = ImageBuild.LOGS.resolve("proxy-image-files.tar");
        assertTrue(files.contains("usr/sbin/haproxy"), files.toString());
        Tools.Run cfg = Tools.run(List.of("tar", "-xOf", tar.toString(), "etc/haproxy/haproxy.cfg"), null, 60);
        assertEquals(
                Files.readString(SocketProxy.CONFIG), cfg.stdout(), "the image holds the repository's haproxy.cfg");
        ImageBuild.assertDebianPackagesSbom(tar, files, "haproxy", "libc6", "libssl3");
        Files.delete(tar);
        ImageBuild.assertOciLabels(dockerd, PROXY, "GPL-2.0-or-later AND Apache-2.0");
    }

    @Test
    void dockerRunPairAuditsEveryContainerWithoutTheSocket() throws IOException {
        String gid = String.valueOf(Files.getAttribute(dockerd.socketPath(), "unix:gid"));
        int port = freePort();
        dockerd.createSleeper("rre-pair-writable", false);
        // as docs/deployment.md, section "Through a socket proxy"
        dockerd.docker(
                "volume",
                "create",
                "--driver",
                "local",
                "--opt",
                "type=tmpfs",
                "--opt",
                "device=tmpfs",
                "--opt",
                "o=" + VOLUME_OPTIONS,
                "rre-socket-proxy");
        try {
            // the exporter first: without nocopy, its mount point's ownership (root, 0755) would be copied onto
            // the empty tmpfs and the proxy could not create its socket there
            dockerd.docker(
                    "run",
                    "--detach",
                    "--name",
                    "rre-pair-exporter",
                    "--read-only",
                    "--cap-drop",
                    "ALL",
                    "--security-opt",
                    "no-new-privileges",
                    "--volume",
                    "rre-socket-proxy:/run/socket-proxy:ro,nocopy",
                    "--env",
                    "DOCKER_HOST=unix:///run/socket-proxy/docker.sock",
                    "--network",
                    "host",
                    "--env",
                    "READONLY_ROOTFS_WEB_LISTEN_ADDRESS=127.0.0.1:" + port,
                    EXPORTER);
            dockerd.docker(
                    "run",
                    "--detach",
                    "--name",
                    "rre-socket-proxy",
                    "--read-only",
                    "--cap-drop",
                    "ALL",
                    "--security-opt",
                    "no-new-privileges",
                    "--group-add",
                    gid,
                    "--network",
                    "none",
                    "--volume",
                    dockerd.socketPath() + ":/var/run/docker.sock:ro",
                    "--volume",
                    "rre-socket-proxy:/run/socket-proxy:nocopy",
                    PROXY);
            Sample self = awaitContainer(port, "rre-pair-exporter");
            assertEquals("compliant", self.label("status"), self.toString());
            Scrape s = Scrape.metrics(port);
            assertEquals(
                    "compliant", s.container("rre-socket-proxy").orElseThrow().label("status"));
            assertEquals(
                    "finding", s.container("rre-pair-writable").orElseThrow().label("status"));
            assertEquals(1.0, s.value("readonly_rootfs_docker_up", Map.of()));
            assertEquals(1.0, s.value("readonly_rootfs_events_stream_up", Map.of()));

            JsonNode mounts =
                    JSON.readTree(dockerd.docker("inspect", "--format", "{{json .Mounts}}", "rre-pair-exporter"));
            assertEquals(1, mounts.size(), mounts.toString());
            assertEquals("rre-socket-proxy", mounts.get(0).path("Name").asText());
            assertNoDaemonSocket(mounts);
            assertEquals(
                    "[]",
                    dockerd.docker("inspect", "--format", "{{json .HostConfig.GroupAdd}}", "rre-pair-exporter")
                            .replace("null", "[]"));

            // the proxy: unprivileged, and its socket usable by its owner and the exporter's group only
            String status = Files.readString(Path.of("/proc", pidOf("rre-socket-proxy"), "status"));
            assertEquals("65533\t65533\t65533\t65533", field(status, "Uid"));
            assertEquals("0000000000000000", field(status, "CapEff"));
            assertEquals("1", field(status, "NoNewPrivs"));
            Path socket = Path.of(
                            dockerd.docker("volume", "inspect", "--format", "{{.Mountpoint}}", "rre-socket-proxy"))
                    .resolve("docker.sock");
            assertEquals(
                    "rw-rw----",
                    java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            assertEquals(65532, Files.getAttribute(socket, "unix:gid"));
            // what the exporter's container can send: a write is refused
            SocketProxy.Answer refused = SocketProxy.raw(
                    socket,
                    "POST /containers/create HTTP/1.1\r\nHost: docker\r\nContent-Length: 2\r\n\r\n{}",
                    1,
                    Duration.ofSeconds(3));
            assertEquals(403, refused.status(), refused.text());
            String logs = logs("rre-pair-exporter");
            // nothing refused, no stack trace; a scan that ran before the proxy had made its socket fails in
            // one line and is retried (docker_up is 1 above): the exporter can start first
            assertFalse(
                    logs.contains("refused")
                            || logs.contains("\tat ")
                            || logs.lines()
                                    .anyMatch(l -> l.contains("Exception") && !l.contains("No such file or directory")),
                    logs);
        } finally {
            dockerd.tryDocker("rm", "--force", "rre-pair-exporter", "rre-socket-proxy");
            dockerd.tryDocker("volume", "rm", "rre-socket-proxy");
        }
    }

    /** Compose 1.29: Debian 12's {@code docker-compose}. */
    @Test
    void composeFileRunsThePairWithoutTheSocket() throws IOException {
        composeFileRunsThePair(Tools.require("docker-compose"), "1.29");
    }

    /**
     * Compose v2: Debian 13's {@code docker-compose} 2.x, fetched by {@code scripts/fetch-engines.sh
     * --compose} and never installed, runs the same file the same way.
     */
    @Test
    void composeV2RunsThePairWithoutTheSocket() throws IOException {
        composeFileRunsThePair(Engine.composeV2(), "2.");
    }

    private void composeFileRunsThePair(Path composeBinary, String versionPrefix) throws IOException {
        String version = Tools.run(List.of(composeBinary.toString(), "version", "--short"), null, 60)
                .stdout()
                .trim();
        assertTrue(version.startsWith(versionPrefix), composeBinary + ": " + version);
        System.err.println("[SocketProxyImageIT] compose.yml with " + composeBinary + " " + version);
        String gid = String.valueOf(Files.getAttribute(dockerd.socketPath(), "unix:gid"));
        int port = freePort();
        Map<String, String> env = Map.of(
                "DOCKER_GID", gid,
                "DOCKER_SOCKET", dockerd.socketPath().toString(),
                "RRE_IMAGE", EXPORTER,
                "RRE_PROXY_IMAGE", PROXY,
                "RRE_PORT", Integer.toString(port));
        String[] project = {"--project-name", "rrepx", "--file", "deploy/socket-proxy/compose.yml"};
        try {
            ImageBuild.compose(composeBinary, dockerd, env, concat(project, "up", "--detach"));
            Sample self;
            try {
                self = await("the compose exporter's own container")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(200))
                        .ignoreExceptions()
                        .until(
                                () -> Scrape.metrics(port)
                                        .samples(
                                                "readonly_rootfs_container",
                                                x -> x.label("service").equals("exporter")
                                                        && x.label("stack").equals("rrepx"))
                                        .stream()
                                        .findFirst(),
                                Optional::isPresent)
                        .orElseThrow();
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(
                        e.getMessage() + "\n"
                                + ImageBuild.compose(composeBinary, dockerd, env, concat(project, "logs")),
                        e);
            }
            assertEquals("compliant", self.label("status"), self.toString());
            assertEquals("compose", self.label("orchestrator"));
            Scrape s = Scrape.metrics(port);
            Sample proxy =
                    s
                            .samples(
                                    "readonly_rootfs_container",
                                    x -> x.label("service").equals("socket-proxy"))
                            .stream()
                            .findFirst()
                            .orElseThrow(() -> new AssertionError(s.text()));
            assertEquals("compliant", proxy.label("status"));
            JsonNode mounts = JSON.readTree(
                    dockerd.docker("inspect", "--format", "{{json .Mounts}}", self.label("container_id")));
            assertEquals(1, mounts.size(), mounts.toString());
            assertEquals("rrepx_proxy-socket", mounts.get(0).path("Name").asText(), mounts.toString());
            assertNoDaemonSocket(mounts);
        } finally {
            ImageBuild.compose(composeBinary, dockerd, env, concat(project, "down", "--volumes"));
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void swarmStackHasNoSocketInTheExportersTask() throws Exception {
        dockerd.swarmInit();
        int port = freePort();
        String gid = String.valueOf(Files.getAttribute(dockerd.socketPath(), "unix:gid"));
        try {
            // the stack file as it is; a second one only makes the health check run every 2 s
            Files.createDirectories(ImageBuild.LOGS);
            Path faster = ImageBuild.LOGS.resolve("stack-proxy-health-interval.yml");
            Files.writeString(
                    faster, "version: \"3.8\"\nservices:\n  exporter:\n    healthcheck:\n      interval: 2s\n");
            ImageBuild.docker(
                    dockerd,
                    Map.of(
                            "DOCKER_GID", gid,
                            "DOCKER_SOCKET", dockerd.socketPath().toString(),
                            "RRE_IMAGE", EXPORTER,
                            "RRE_PROXY_IMAGE", PROXY,
                            "RRE_PORT", Integer.toString(port)),
                    "stack",
                    "deploy",
                    "--resolve-image",
                    "never",
                    "--compose-file",
                    "deploy/stack-socket-proxy.yml",
                    "--compose-file",
                    faster.toString(),
                    "rre");
            Sample self = await("the exporter's own task, in its metrics")
                    .atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions()
                    .until(
                            () -> Scrape.metrics(port)
                                    .samples(
                                            "readonly_rootfs_container",
                                            x -> x.label("service").equals("rre_exporter")
                                                    && x.label("state").equals("running"))
                                    .stream()
                                    .findFirst(),
                            Optional::isPresent)
                    .orElseThrow();
            assertEquals("compliant", self.label("status"), self.toString());
            assertEquals("rre", self.label("stack"));
            Scrape s = await("the proxy's task and both service specs")
                    .atMost(Duration.ofSeconds(30))
                    .until(
                            () -> Scrape.metrics(port),
                            x -> x.samples("readonly_rootfs_service").size() == 2
                                    && !x.samples(
                                                    "readonly_rootfs_container",
                                                    c -> c.label("service").equals("rre_socket-proxy")
                                                            && c.label("state").equals("running"))
                                            .isEmpty());
            assertEquals(
                    "compliant",
                    s.find("readonly_rootfs_service", Map.of("service", "rre_exporter"))
                            .orElseThrow()
                            .label("status"));
            assertEquals(
                    "compliant",
                    s.find("readonly_rootfs_service", Map.of("service", "rre_socket-proxy"))
                            .orElseThrow()
                            .label("status"));
            assertEquals(1.0, s.value("readonly_rootfs_docker_up", Map.of()));

            // docker inspect: the exporter's task container mounts the proxy's volume, no socket
            String task = self.label("container_id");
            JsonNode mounts = JSON.readTree(dockerd.docker("inspect", "--format", "{{json .Mounts}}", task));
            assertEquals(1, mounts.size(), mounts.toString());
            assertEquals("rre_proxy-socket", mounts.get(0).path("Name").asText(), mounts.toString());
            assertFalse(mounts.get(0).path("RW").asBoolean(), mounts.toString());
            assertNoDaemonSocket(mounts);
            JsonNode spec = JSON.readTree(dockerd.docker(
                    "service", "inspect", "--format", "{{json .Spec.TaskTemplate.ContainerSpec}}", "rre_exporter"));
            assertEquals(1, spec.path("Mounts").size(), spec.toString());
            assertEquals(
                    "rre_proxy-socket",
                    spec.path("Mounts").get(0).path("Source").asText());
            assertEquals("65532:65532", spec.path("User").asText());
            JsonNode proxySpec = JSON.readTree(dockerd.docker(
                    "service", "inspect", "--format", "{{json .Spec.TaskTemplate.ContainerSpec}}", "rre_socket-proxy"));
            assertEquals("65533:" + gid, proxySpec.path("User").asText());
            assertTrue(proxySpec.path("ReadOnly").asBoolean());
            assertEquals("[\"ALL\"]", proxySpec.path("CapabilityDrop").toString());
        } finally {
            ImageBuild.docker(dockerd, Map.of(), "stack", "rm", "rre");
            await("the stack's containers gone")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> dockerd.docker(
                                    "ps", "--all", "--quiet", "--filter", "label=com.docker.stack.namespace=rre")
                            .isEmpty());
            dockerd.swarmLeave();
        }
    }

    /** No mount of the daemon's socket, whatever its path: only the proxy's volume. */
    private static void assertNoDaemonSocket(JsonNode mounts) {
        for (JsonNode m : mounts) {
            assertEquals("volume", m.path("Type").asText(), mounts.toString());
            assertFalse(m.path("Source").asText().equals(dockerd.socketPath().toString()), mounts.toString());
            assertFalse(m.path("Destination").asText().equals("/var/run/docker.sock"), mounts.toString());
        }
    }

    private static Sample awaitContainer(int port, String name) {
        try {
            return await("container " + name + " in the exporter's metrics")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions()
                    .until(() -> Scrape.metrics(port).container(name), Optional::isPresent)
                    .orElseThrow();
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(
                    e.getMessage() + "\n--- exporter ---\n" + logs("rre-pair-exporter") + "\n--- proxy ---\n"
                            + logs("rre-socket-proxy"),
                    e);
        }
    }

    /** haproxy's pid: the container's init (the private dockerd runs --init) has it as its child. */
    private static String pidOf(String container) {
        long init = Long.parseLong(dockerd.docker("inspect", "--format", "{{.State.Pid}}", container));
        return Long.toString(ProcessHandle.of(init)
                .orElseThrow()
                .children()
                .filter(h -> h.info().command().map(c -> c.endsWith("/haproxy")).orElse(false))
                .findFirst()
                .map(ProcessHandle::pid)
                .orElse(init));
    }

    private static String logs(String container) {
        PrivateDockerd.Result r = dockerd.tryDocker("logs", container);
        return r.stdout() + r.stderr();
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
}
