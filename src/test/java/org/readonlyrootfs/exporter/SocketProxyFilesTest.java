package org.readonlyrootfs.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.testing.Tools;
import org.yaml.snakeyaml.Yaml;

/**
 * The socket proxy's shipped files agree with each other: haproxy accepts the configuration (Debian's
 * haproxy: missing, the test fails), the image holds it and runs as the user the deployments give the
 * socket to, and no deployment of it mounts the Docker socket into the exporter. The running proof is in
 * SocketProxyIT and SocketProxyImageIT.
 */
class SocketProxyFilesTest {
    private static final String VOLUME_OPTIONS = "uid=65533,gid=65532,mode=2750,size=64k";

    @Test
    void haproxyAcceptsTheConfiguration(@TempDir Path dir) {
        Path haproxy = Tools.require("haproxy");
        Tools.Run check = run(
                List.of(haproxy.toString(), "-c", "-f", "deploy/socket-proxy/haproxy.cfg"),
                Map.of(
                        "DOCKER_SOCKET",
                        "/var/run/docker.sock",
                        "PROXY_SOCKET",
                        dir.resolve("p.sock").toString()));
        assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
        assertFalse((check.stdout() + check.stderr()).contains("WARNING"), check.stdout() + check.stderr());
    }

    @Test
    void theImageRunsTheRepositorysConfigurationAsTheUserTheVolumeBelongsTo() throws IOException {
        String dockerfile = Files.readString(Path.of("deploy/socket-proxy/Dockerfile"));
        assertTrue(dockerfile.contains("COPY haproxy.cfg /rootfs/etc/haproxy/haproxy.cfg"), dockerfile);
        assertTrue(dockerfile.contains("ENTRYPOINT [\"/usr/sbin/haproxy\", \"-f\", \"/etc/haproxy/haproxy.cfg\"]"));
        assertEquals("65533:65533", group("(?m)^USER (\\S+)$", dockerfile));
        assertEquals("/run/socket-proxy/docker.sock", group("(?m)^ +PROXY_SOCKET=(\\S+)$", dockerfile));
        assertEquals(
                group("^  <version>([^<]+)</version>", Files.readString(Path.of("pom.xml"))),
                group("(?m)^ARG VERSION=(\\S+)$", dockerfile));
    }

    @SuppressWarnings("unchecked")
    @Test
    void neitherDeploymentMountsTheDockerSocketIntoTheExporter() throws IOException {
        for (String file : List.of("deploy/socket-proxy/compose.yml", "deploy/stack-socket-proxy.yml")) {
            Map<String, Object> doc = new Yaml().load(Files.readString(Path.of(file)));
            Map<String, Object> services = (Map<String, Object>) doc.get("services");
            assertEquals(List.of("socket-proxy", "exporter"), List.copyOf(services.keySet()), file);
            Map<String, Object> exporter = (Map<String, Object>) services.get("exporter");
            Map<String, Object> proxy = (Map<String, Object>) services.get("socket-proxy");
            String exporterVolumes = String.valueOf(exporter.get("volumes"));
            assertFalse(exporterVolumes.contains("DOCKER_SOCKET"), file + ": " + exporterVolumes);
            assertFalse(exporterVolumes.contains("/var/run/docker.sock"), file + ": " + exporterVolumes);
            assertTrue(exporterVolumes.contains("proxy-socket"), file + ": " + exporterVolumes);
            assertEquals(
                    "unix:///run/socket-proxy/docker.sock",
                    ((Map<String, Object>) exporter.get("environment")).get("DOCKER_HOST"),
                    file);
            assertEquals("65532:65532", exporter.get("user"), file);
            assertFalse(exporter.containsKey("group_add"), file);
            for (Map<String, Object> s : List.of(exporter, proxy)) {
                assertEquals(Boolean.TRUE, s.get("read_only"), file);
                assertEquals(List.of("ALL"), s.get("cap_drop"), file);
            }
            assertTrue(String.valueOf(proxy.get("user")).startsWith("65533:"), file);
            assertTrue(String.valueOf(proxy.get("volumes")).contains("/var/run/docker.sock"), file);
            Map<String, Object> volume =
                    (Map<String, Object>) ((Map<String, Object>) doc.get("volumes")).get("proxy-socket");
            assertEquals(
                    Map.of("type", "tmpfs", "device", "tmpfs", "o", VOLUME_OPTIONS), volume.get("driver_opts"), file);
        }
        String docs = Files.readString(Path.of("docs/deployment.md"));
        assertTrue(docs.contains("--opt o=" + VOLUME_OPTIONS), "docs/deployment.md's docker volume create");
    }

    private static String group(String regex, String text) {
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
        assertTrue(m.find(), regex);
        return m.group(1);
    }

    private static Tools.Run run(List<String> cmd, Map<String, String> env) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().putAll(env);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return new Tools.Run(p.waitFor(), out, "");
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
