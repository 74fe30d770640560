package org.readonlyrootfs.exporter.it.authz;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.readonlyrootfs.exporter.testing.AuthzPlugin;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;

/**
 * What the daemon does when its authorization plugin is gone, measured (not assumed): the plugin SIGKILLed while the
 * daemon runs, then started again; and the daemon started while the plugin is down. One line per engine in {@code
 * target/authz-it/plugin-down.md}.
 */
final class PluginDown {
    private PluginDown() {}

    /** A docker CLI call: how long it took, whether it worked, its error's first line. */
    record Timed(double seconds, boolean ok, String error) {
        String cell() {
            return String.format("%.1f s, %s", seconds, ok ? "ok" : error.replace("|", "\\|"));
        }
    }

    static Timed timed(PrivateDockerd d, String... args) {
        long t0 = System.nanoTime();
        PrivateDockerd.Result r = d.tryDocker(args);
        double s = (System.nanoTime() - t0) / 1e9;
        String err = r.stderr().lines().filter(l -> !l.isBlank()).findFirst().orElse("exit " + r.exitCode());
        return new Timed(s, r.ok(), shorten(err));
    }

    /** An error line without the private directories' names, at most 120 characters. */
    static String shorten(String line) {
        String s = line.replaceAll("%2Ftmp%2Frre-[a-z]+-[a-z0-9]{6}%2F", "…%2F")
                .replaceAll("/tmp/rre-[a-z]+-[a-z0-9]{6}/", "…/")
                .replaceAll("rre-authz-[a-z0-9]{6}", "NAME")
                .trim();
        return s.length() > 120 ? s.substring(0, 119) + "…" : s;
    }

    static void measure(String engineName, String version, PrivateDockerd d, AuthzPlugin plugin) throws Exception {
        String image = d.image();
        // 1. the plugin dies while the daemon runs
        plugin.kill();
        CompletableFuture<Timed> ps = CompletableFuture.supplyAsync(() -> timed(d, "ps"));
        CompletableFuture<Timed> create = CompletableFuture.supplyAsync(
                () -> timed(d, "create", "--read-only", "--network", "none", "--name", "down-ro", image));
        Timed psDown = ps.get();
        Timed createDown = create.get();
        // 2. it comes back
        long t0 = System.nanoTime();
        plugin.startAgain();
        double pluginStart = (System.nanoTime() - t0) / 1e9;
        Timed psBack = timed(d, "ps");
        // 3. the daemon starts while the plugin is down
        d.stop();
        plugin.stop();
        CompletableFuture<Throwable> start = CompletableFuture.supplyAsync(() -> {
            try {
                d.startAgain();
                return null;
            } catch (Throwable e) {
                return e;
            }
        });
        org.awaitility.Awaitility.await("dockerd's socket")
                .atMost(Duration.ofSeconds(60))
                .until(() -> Files.exists(d.socketPath()) || start.isDone());
        Timed psAtStart = timed(d, "ps");
        plugin.startAgain();
        long t1 = System.nanoTime();
        Throwable startFailure = start.get();
        String recovery;
        if (startFailure == null) {
            recovery = String.format("answers %.1f s after the plugin is back", (System.nanoTime() - t1) / 1e9);
        } else {
            String exit = d.logTail(400)
                    .lines()
                    .filter(l -> l.contains("authorization plugin"))
                    .reduce((a, b) -> b)
                    .map(l -> l.replaceAll("^.*msg=", "").replaceAll("^.*(failed to)", "$1"))
                    .orElse(String.valueOf(startFailure.getMessage())
                            .lines()
                            .findFirst()
                            .orElse(""));
            recovery = "dockerd did not come up (" + shorten(exit) + "): start it again";
            d.startAgain(); // the plugin is up: a plain start
        }
        Timed psAfter = timed(d, "ps");
        String row = "| " + engineName + " " + version + " | " + psDown.cell() + " | " + createDown.cell() + " | "
                + String.format("%.1f s; then docker ps %s", pluginStart, psBack.cell()) + " | " + psAtStart.cell()
                + " | " + recovery + "; docker ps " + psAfter.cell() + " |\n";
        Files.writeString(
                AuthzEnginesIT.OUT.resolve("plugin-down.md"),
                row,
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        System.err.println("[AuthzEnginesIT] plugin down: " + row);
        if (!psAfter.ok()) {
            throw new AssertionError(
                    "the daemon does not work again after the plugin came back: " + row + "\n" + d.logTail(30));
        }
    }
}
