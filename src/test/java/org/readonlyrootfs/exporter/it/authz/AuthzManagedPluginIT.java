package org.readonlyrootfs.exporter.it.authz;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.testing.AuthzPlugin;
import org.readonlyrootfs.exporter.testing.Engine;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Tools;

/**
 * The authorization plugin as a Docker managed plugin, built offline by {@code scripts/build-authz-plugin.sh} (the
 * Dockerfile's Java runtime made with this machine's JDK, and the packaged jar) and created with {@code docker plugin
 * create}, on a private Docker 20.10 daemon configured through a {@code daemon.json}: enabled in enforce mode and put
 * into the chain with {@code "authorization-plugins"} and SIGHUP, it refuses a writable create; it survives a daemon
 * restart; its process, SIGKILLed, is started again by the daemon; in enforce mode the API cannot disable, remove,
 * reconfigure or upgrade it; the documented way out (remove it from daemon.json, SIGHUP) works.
 */
class AuthzManagedPluginIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    void managedPluginInEnforceMode() throws Exception {
        Path pluginDir = Path.of("target", "authz-plugin").toAbsolutePath();
        Tools.Run build = Tools.run(
                List.of(
                        "bash",
                        "scripts/build-authz-plugin.sh",
                        "--jar",
                        AuthzPlugin.exporterJar().toAbsolutePath().toString(),
                        pluginDir.toString()),
                null,
                600);
        assertEquals(0, build.exitCode(), build.stderr() + build.stdout());
        System.err.println("[AuthzManagedPluginIT] " + build.stdout().trim());

        Path conf = Files.createTempDirectory("rre-authz-managed-");
        Path daemonJson = conf.resolve("daemon.json");
        Files.writeString(daemonJson, "{}\n");
        List<String> report = new ArrayList<>();
        try (PrivateDockerd d = PrivateDockerd.start(Engine.SYSTEM, List.of("--config-file", daemonJson.toString()))) {
            String image = d.image();
            String name = "rre-authz-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
            int port = Tools.freePort();
            d.docker("plugin", "create", name, pluginDir.toString());
            Files.copy(AuthzEnginesIT.exemptionConfig(), conf.resolve("config.conf"));
            d.docker(
                    "plugin",
                    "set",
                    name,
                    "config.source=" + conf,
                    "READONLY_ROOTFS_CONFIG_FILE=/etc/readonly-rootfs-exporter/config.conf",
                    "READONLY_ROOTFS_AUTHZ_MODE=enforce",
                    "READONLY_ROOTFS_AUTHZ_PLUGIN_NAME=" + name,
                    "READONLY_ROOTFS_WEB_LISTEN_ADDRESS=127.0.0.1:" + port);
            d.docker("plugin", "enable", name);
            String pluginId = d.docker("plugin", "inspect", "--format", "{{ .Id }}", name);

            // into the chain: daemon.json + SIGHUP (no restart)
            Files.writeString(daemonJson, "{\"authorization-plugins\": [\"" + name + ":latest\"]}\n");
            sighup(d);
            // not `docker info`: Docker 20.10 keeps listing the chain it started with after a reload
            await("the plugin is in the daemon's authorization chain")
                    .atMost(WAIT)
                    .until(() -> refused(d, image, "mp-probe"));
            report.add("after SIGHUP, docker info lists the chain as "
                    + d.docker("info", "--format", "{{ .Plugins.Authorization }}"));
            assertRefusesWritable(d, image, "mp-rw-1");
            d.createSleeper("mp-ro-1", true);
            d.createSleeper("exempt-proof-managed", false); // the config file's exemption, through the mount
            report.add("in the chain through daemon.json + SIGHUP: writable create refused, read-only created, the"
                    + " config file's exemption applies");

            // survives a daemon restart
            d.restart();
            assertTrue(
                    d.docker("info", "--format", "{{ .Plugins.Authorization }}").contains(name));
            assertRefusesWritable(d, image, "mp-rw-2");
            d.createSleeper("mp-ro-2", true);
            report.add("after a daemon restart: enabled, in the chain, refusing");

            // comes back after its process is killed
            ProcessHandle java = pluginProcess(pluginId);
            java.destroyForcibly();
            long t0 = System.nanoTime();
            await("the daemon restarts the plugin's process")
                    .atMost(WAIT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> d.tryDocker("ps").ok());
            double back = (System.nanoTime() - t0) / 1e9;
            assertRefusesWritable(d, image, "mp-rw-3");
            assertNotEquals(java.pid(), pluginProcess(pluginId).pid(), "a new process");
            report.add(String.format(
                    "process SIGKILLed: the daemon started it again, docker ps worked %.1f s later", back));

            // self-protection: the API it guards cannot switch it off
            Map<String, List<String>> attempts = Map.of(
                    "disable", List.of("plugin", "disable", name),
                    "disable -f", List.of("plugin", "disable", "--force", name),
                    "disable by id", List.of("plugin", "disable", pluginId.substring(0, 12)),
                    "rm -f", List.of("plugin", "rm", "--force", name),
                    "set", List.of("plugin", "set", name, "READONLY_ROOTFS_AUTHZ_MODE=audit"));
            for (Map.Entry<String, List<String>> a : attempts.entrySet()) {
                PrivateDockerd.Result r = d.tryDocker(a.getValue().toArray(String[]::new));
                assertFalse(r.ok(), "docker " + String.join(" ", a.getValue()) + " must be refused");
                assertTrue(r.stderr().contains("authorization denied"), r.stderr());
                report.add("docker plugin " + a.getKey() + ": " + r.stderr().trim());
            }
            RawHttp.Answer upgrade = RawHttp.exchange(
                    d.socketPath(),
                    CraftedRequests.request(
                            "/plugins/" + name + ":latest/upgrade?remote=localhost:1/evil/authz:latest",
                            "application/json",
                            "[]"),
                    WAIT);
            assertEquals(403, upgrade.status(), upgrade.text());
            report.add("POST /plugins/" + name + ":latest/upgrade: " + upgrade.cell(200));
            assertEquals("true", d.docker("plugin", "inspect", "--format", "{{ .Enabled }}", name));
            assertRefusesWritable(d, image, "mp-rw-4");

            // the documented way out: daemon.json without it, SIGHUP
            Files.writeString(daemonJson, "{}\n");
            sighup(d);
            await("out of the chain after SIGHUP").atMost(WAIT).until(() -> !refused(d, image, "mp-rw-after-way-out"));
            d.docker("plugin", "disable", name);
            d.docker("rm", "mp-rw-after-way-out");
            report.add("way out: daemon.json without it + SIGHUP: a writable create works again, the plugin can be"
                    + " disabled");
            d.docker("plugin", "rm", name);
        } finally {
            Files.deleteIfExists(daemonJson);
            Files.deleteIfExists(conf.resolve("config.conf"));
            Files.deleteIfExists(conf);
            String text = String.join("\n", report) + "\n";
            Files.createDirectories(AuthzEnginesIT.OUT);
            Files.writeString(AuthzEnginesIT.OUT.resolve("managed-plugin.txt"), text, StandardCharsets.UTF_8);
            System.err.println("[AuthzManagedPluginIT]\n" + text);
        }
    }

    /** Tries a writable create: true if refused by the plugin; a created probe is removed again. */
    private static boolean refused(PrivateDockerd d, String image, String name) {
        PrivateDockerd.Result r = d.tryDocker("create", "--network", "none", "--name", name, image);
        if (r.ok()) {
            if (!name.equals("mp-rw-after-way-out")) {
                d.docker("rm", name);
            }
            return false;
        }
        if (!r.stderr().contains("V-260936")) {
            throw new AssertionError("neither created nor refused by the plugin: " + r.stderr());
        }
        return true;
    }

    private static void assertRefusesWritable(PrivateDockerd d, String image, String name) {
        PrivateDockerd.Result r = d.tryDocker("create", "--network", "none", "--name", name, image);
        assertFalse(r.ok(), "a writable create is refused");
        assertTrue(r.stderr().contains("V-260936"), r.stderr());
    }

    private static void sighup(PrivateDockerd d) {
        Tools.Run r = Tools.run(List.of("kill", "-HUP", Long.toString(d.pid())), null, 10);
        assertEquals(0, r.exitCode(), r.stderr());
    }

    /** The plugin's java process: a descendant of the containerd shim whose command line names the plugin's id. */
    static ProcessHandle pluginProcess(String pluginId) {
        return await("the plugin's process")
                .atMost(WAIT)
                .until(
                        () -> ProcessHandle.allProcesses()
                                .filter(h -> h.info()
                                        .commandLine()
                                        .map(c -> c.contains(pluginId))
                                        .orElse(false))
                                .flatMap(ProcessHandle::descendants)
                                .filter(h -> h.info()
                                        .commandLine()
                                        .map(c -> c.contains("readonly-rootfs-exporter.jar") && c.contains("authz"))
                                        .orElse(false))
                                .findFirst(),
                        java.util.Optional::isPresent)
                .orElseThrow();
    }
}
