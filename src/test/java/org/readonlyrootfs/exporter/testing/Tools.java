package org.readonlyrootfs.exporter.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** External programs the tests use; a missing one fails the test with a hint, never skips it. */
public final class Tools {
    private Tools() {}

    /** The absolute path of a program on PATH, or an AssertionError naming the install script. */
    public static Path require(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new AssertionError(program + " not found on PATH: run scripts/install-test-deps.sh as root");
    }

    /** A loopback TCP port free now. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
    /** Result of a finished process. */
    public record Run(int exitCode, String stdout, String stderr) {}

    /** Runs a command with optional stdin, bounded in time. */
    public static Run run(List<String> command, String stdin, long timeoutSeconds) {
        try {
            Path out = Files.createTempFile("rre-out", ".txt");
            Path err = Files.createTempFile("rre-err", ".txt");
            try {
                ProcessBuilder pb =
                        new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
                Process p = pb.start();
                try (var in = p.getOutputStream()) {
                    if (stdin != null) {
                        in.write(stdin.getBytes(StandardCharsets.UTF_8));
                    }
                }
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("timed out after " + timeoutSeconds + " s: " + command);
                }
                return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** {@code promtool check metrics} on an exposition; returns promtool's complaints, empty if none. */
    public static String promtoolCheckMetrics(String exposition) {
        Run r = run(List.of(require("promtool").toString(), "check", "metrics"), exposition, 60);
        return r.exitCode() == 0 ? "" : "exit " + r.exitCode() + ": " + r.stdout() + r.stderr();
    }
}
