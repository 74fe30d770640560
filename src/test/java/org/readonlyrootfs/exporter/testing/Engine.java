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
        Path log;
        try {
            log = Files.createTempFile("rre-fetch-engines-", ".log");
        } catch (IOException e) {
            throw new AssertionError("cannot create a log file: " + e, e);
        }
        try {
            Process p = new ProcessBuilder("bash", FETCH.toString(), suite)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError(FETCH + " " + suite + " timed out after 10 minutes");
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError("cannot fetch Docker from Debian " + suite + " (" + FETCH + " exit "
                        + p.exitValue() + "):\n" + out);
            }
            String line = out.lines()
                    .filter(l -> l.startsWith(suite + " "))
                    .reduce((a, b) -> b)
                    .orElseThrow(() -> new AssertionError(FETCH + " printed no line for " + suite + ":\n" + out));
            System.err.println("[Engine] " + line);
            Path root = Path.of(line.split(" ")[1]);
            return new Engine("docker-" + suite, List.of(root.resolve("usr/bin"), root.resolve("usr/sbin")));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + FETCH + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted fetching " + suite, e);
        } finally {
            try {
                Files.deleteIfExists(log);
            } catch (IOException ignored) {
                // a temp file
            }
        }
    }
}
