package org.readonlyrootfs.exporter.it.authz;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.AuthzCommand;
import org.readonlyrootfs.exporter.Exporter;
import org.readonlyrootfs.exporter.config.AuthzConfig;
import org.readonlyrootfs.exporter.config.CommandLine;
import org.readonlyrootfs.exporter.config.ConfigLoader;
import org.readonlyrootfs.exporter.hints.FixHintsReader;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.TestConfig;

/**
 * The exporter's view of a real daemon's authorization chain, with the real plugin ({@code authz}) in it:
 * the daemon starts without the plugin (not protected, required), gets it in its daemon.json and is
 * restarted (protected within a few scans, as a real scrape shows), and the plugin, switched to
 * enforce, refuses a writable container of an image the exporter has a plan for, naming that plan
 * (through {@code authz.hints-file}). Order as the daemon needs it: the plugin starts first and stops
 * last; its spec file in /etc/docker/plugins/ has a name of its own and is removed.
 */
class AuthzChainIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void theExporterSeesThePluginJoinTheChainAndThePluginQuotesTheExportersPlan() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String name = "rre-watch-" + id;
        Path dir = Files.createTempDirectory("rre-watch-");
        Path spec = Path.of("/etc/docker/plugins", name + ".spec");
        Path socket = dir.resolve("authz.sock");
        Path hints = dir.resolve("hints/hints.json");
        Path daemonJson = dir.resolve("daemon.json");
        Files.writeString(daemonJson, "{}\n");
        String[] common = {"--authz.plugin-name=" + name, "--authz.hints-file=" + hints, "--authz.required=true"};
        AtomicReference<String> mode = new AtomicReference<>("audit");
        ConfigLoader loader = new ConfigLoader(Map.of());
        java.util.function.Supplier<AuthzConfig> authzConfig = () -> loader.loadAuthz(CommandLine.parse(
                "authz",
                "--authz.socket=" + socket,
                "--authz.mode=" + mode.get(),
                "--web.listen-address=127.0.0.1:0",
                common[0],
                common[1]));

        FixHintsReader reader = new FixHintsReader(hints);
        reader.start();
        AuthzCommand plugin = AuthzCommand.start(authzConfig.get(), authzConfig, reader::forImage, Clock.systemUTC());
        PrivateDockerd dockerd = null;
        Exporter exporter = null;
        try {
            Files.createDirectories(spec.getParent());
            Files.writeString(spec, "unix://" + socket + "\n");
            dockerd = PrivateDockerd.start(List.of("--config-file", daemonJson.toString()));
            exporter = Exporter.start(TestConfig.config(dockerd.host(), common));
            int port = exporter.port();
            String host = dockerd.docker("info", "--format", "{{.Name}}");

            // not in the chain: not protected where required, no plugin listed
            Scrape before = await().atMost(WAIT)
                    .until(
                            () -> Scrape.metrics(port),
                            s -> !s.samples("readonly_rootfs_authz_protected").isEmpty());
            assertEquals(0.0, before.value("readonly_rootfs_authz_protected", Map.of("host", host)));
            assertEquals(1.0, before.value("readonly_rootfs_authz_required", Map.of("host", host)));
            assertEquals(List.of(), before.samples("readonly_rootfs_authz_plugin_active"));

            // the plugin joins the chain as an administrator adds it: daemon.json, then a restart of the
            // daemon. A SIGHUP would make the daemon ask the plugin, but GET /info keeps listing the chain
            // the daemon started with (Docker 20.10, 26.1 and 28.5 alike), so only a restart shows in /info.
            Files.writeString(daemonJson, "{\"authorization-plugins\": [\"" + name + "\"]}\n");
            dockerd.restart();
            long restarted = System.nanoTime();
            PrivateDockerd d = dockerd;
            try {
                await().atMost(WAIT)
                        .until(() -> Scrape.metrics(port).value("readonly_rootfs_authz_protected", Map.of("host", host))
                                == 1.0);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(
                        "not protected after the restart; docker info says "
                                + d.tryDocker("info", "--format", "{{json .Plugins.Authorization}}")
                                + "\n--- daemon log ---\n" + d.logTail(30),
                        e);
            }
            System.out.printf(
                    "[AuthzChainIT] protected %d ms after the daemon answered again (scan.interval 500ms)%n",
                    (System.nanoTime() - restarted) / 1_000_000);
            Scrape after = Scrape.metrics(port);
            assertEquals(1.0, after.value("readonly_rootfs_authz_plugin_active", Map.of("host", host, "plugin", name)));
            assertEquals(name, dockerd.docker("info", "--format", "{{join .Plugins.Authorization \",\"}}"));

            // a writable container that writes, so that the exporter derives a plan for its image
            dockerd.docker(
                    "run",
                    "-d",
                    "--name",
                    "rre-watch-web-" + id,
                    "--network",
                    "none",
                    dockerd.image(),
                    "/bin/sh",
                    "-c",
                    "mkdir -p /var/cache/app && echo x > /var/cache/app/state && sleep 100000");

            // the exporter's plan reaches the plugin through the hints file
            String image = dockerd.image();
            await().atMost(WAIT).until(() -> reader.forImage(image).isPresent());
            String hint = reader.forImage(image).orElseThrow();
            assertTrue(hint.contains("(from container rre-watch-web-" + id + "): docker run --read-only"), hint);

            // audit: a writable create passes; enforce (after a reload): refused, with the plan
            dockerd.docker("create", "--name", "rre-watch-audit-" + id, "--network", "none", image, "true");
            mode.set("enforce");
            assertTrue(plugin.reload("test").successful());
            PrivateDockerd.Result refused = dockerd.tryDocker(
                    "create", "--name", "rre-watch-refused-" + id, "--network", "none", image, "true");
            assertFalse(refused.ok(), refused.toString());
            assertTrue(refused.stderr().contains("authorization denied by plugin " + name), refused.stderr());
            assertTrue(
                    refused.stderr().contains("The exporter's plan for a container of this image on this node:"),
                    refused.stderr());
            assertTrue(refused.stderr().contains(hint), hint + " in " + refused.stderr());
            System.out.println("[AuthzChainIT] refusal: " + refused.stderr().trim());
            dockerd.docker("create", "--name", "rre-watch-ro-" + id, "--read-only", "--network", "none", image, "true");
        } finally {
            if (exporter != null) {
                exporter.close();
            }
            if (dockerd != null) {
                dockerd.close(); // before the plugin: the daemon asks it about its own requests
            }
            plugin.close();
            reader.close();
            Files.deleteIfExists(spec);
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            }
        }
    }
}
