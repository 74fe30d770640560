package org.readonlyrootfs.exporter.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where a private dockerd's binaries come from: the system's (Debian 12's Docker 20.10), or a Debian
 * suite's {@code docker.io}, {@code docker-cli}, {@code containerd} and {@code tini} unpacked by
 * {@code scripts/fetch-engines.sh} into a cache, never installed. runc stays the system's: the newer
 * suites' runc needs glibc 2.38.
 *
 * @param name    for reports, e.g. {@code docker-trixie}
 * @param binDirs put first on the daemon's and the CLI's PATH; empty for the system's binaries
 */
public record Engine(String name, List<Path> binDirs) {

    /** The system's Docker (Debian 12: 20.10). */
    public static final Engine SYSTEM = new Engine("docker-system", List.of());

    private static final Path FETCH = Path.of("scripts", "fetch-engines.sh");

    /**
     * Fetches (or finds cached) a Debian suite's Docker with {@code scripts/fetch-engines.sh SUITE};
     * fails loudly, never skips, when the suite cannot be fetched.
     */
    public static Engine debian(String suite) {
        String line = fetch(suite, suite);
        System.err.println("[Engine] " + line);
        Path root = Path.of(line.split(" ")[1]);
        return new Engine("docker-" + suite, List.of(root.resolve("usr/bin"), root.resolve("usr/sbin")));
    }

    /**
     * Debian 13's Docker Compose v2 (package {@code docker-compose} 2.x), fetched (or found cached) by
     * {@code scripts/fetch-engines.sh --compose}, never installed: the path of its {@code docker-compose}
     * binary (the CLI plugin, which also runs standalone). Fails loudly, never skips.
     */
    public static Path composeV2() {
        String line = fetch("--compose", "compose-trixie");
        System.err.println("[Engine] " + line);
        return Path.of(line.split(" ")[1]);
    }

    /** Runs {@code scripts/fetch-engines.sh arg} and returns the last line it printed for {@code name}. */
    private static String fetch(String arg, String name) {
        Path log;
        try {
            log = Files.createTempFile("rre-fetch-engines-", ".log");
        } catch (IOException e) {
            throw new AssertionError("cannot create a log file: " + e, e);
        }
        try {
            Process p = new ProcessBuilder("bash", FETCH.toString(), arg)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError(FETCH + " " + arg + " timed out after 10 minutes");
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError("cannot fetch " + name + " from Debian (" + FETCH + " " + arg + " exit "
                        + p.exitValue() + "):\n" + out);
            }
            return out.lines()
                    .filter(l -> l.startsWith(name + " "))
                    .reduce((a, b) -> b)
                    .orElseThrow(() -> new AssertionError(FETCH + " printed no line for " + name + ":\n" + out));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + FETCH + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted fetching " + name, e);
        } finally {
            try {
                Files.deleteIfExists(log);
            } catch (IOException ignored) {
                // a temp file
            }
        }
    }
}
