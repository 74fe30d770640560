package org.readonlyrootfs.exporter.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The authorization plugin ({@code readonly-rootfs-exporter authz}, the packaged jar) as a plain process found by
 * the daemon through a spec file: {@code /etc/docker/plugins/NAME.spec} holding {@code unix:///tmp/rre-authz-XXXXXX/
 * plugin.sock}. Every instance has its own name ({@code rre-authz-XXXXXX}), socket, metrics port and spec file; {@link
 * #close()} stops the process and removes the spec file and the directory.
 *
 * <p>Order, because the daemon is fail-closed (it asks the plugin about every request, its own start-up included):
 * start the plugin, then the daemon with {@link #dockerdArgs()}; close the daemon, then the plugin.
 */
public final class AuthzPlugin implements AutoCloseable {
    public static final Path SPEC_DIR = Path.of("/etc/docker/plugins");
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    private final Path dir;
    private final Path jar;
    private final List<String> extraArgs;
    private final int port;
    private String mode;
    private Process process;
    private boolean closed;

    private AuthzPlugin(String name, Path dir, Path jar, String mode, List<String> extraArgs, int port) {
        this.name = name;
        this.dir = dir;
        this.jar = jar;
        this.mode = mode;
        this.extraArgs = extraArgs;
        this.port = port;
    }

    /**
     * Starts {@code java -jar <exporter.jar> authz --authz.socket=DIR/plugin.sock --authz.mode=MODE
     * --authz.plugin-name=NAME --web.listen-address=127.0.0.1:PORT extraArgs...}, writes its spec file and waits until it answers {@code
     * /Plugin.Activate}.
     */
    public static AuthzPlugin start(String mode, String... extraArgs) {
        Path jar = exporterJar();
        String id = PrivateDockerd.randomId();
        Path dir;
        try {
            dir = Files.createDirectories(Path.of("/tmp", "rre-authz-" + id));
            Files.createDirectories(SPEC_DIR);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AuthzPlugin p = new AuthzPlugin("rre-authz-" + id, dir, jar, mode, List.of(extraArgs), Tools.freePort());
        try {
            Files.writeString(p.specFile(), "unix://" + p.socket() + "\n");
            p.startAgain();
        } catch (IOException e) {
            p.close();
            throw new UncheckedIOException(e);
        } catch (AssertionError | RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** The jar the failsafe run packaged ({@code exporter.jar}), or target/'s. */
    public static Path exporterJar() {
        Path jar = Path.of(System.getProperty("exporter.jar", "target/readonly-rootfs-exporter-0.1.0.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError("no packaged jar at " + jar + ": run mvn package first");
        }
        return jar;
    }

    /** The name the daemon knows it by ({@code --authorization-plugin=NAME}). */
    public String name() {
        return name;
    }

    public Path socket() {
        return dir.resolve("plugin.sock");
    }

    public Path specFile() {
        return SPEC_DIR.resolve(name + ".spec");
    }

    public Path logFile() {
        return dir.resolve("plugin.log");
    }

    /** The port of the plugin's own {@code /metrics}. */
    public int port() {
        return port;
    }

    public String mode() {
        return mode;
    }

    /** {@code --authorization-plugin=NAME}, for {@link PrivateDockerd#start(Engine, List)}. */
    public List<String> dockerdArgs() {
        return List.of("--authorization-plugin=" + name);
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("not running");
        }
        return process.pid();
    }

    /** Starts the process again (after {@link #kill()} or {@link #stop()}), in {@code newMode}. */
    public synchronized void startAgain(String newMode) {
        this.mode = newMode;
        startAgain();
    }

    /** Starts the process (again) and waits until it answers on its socket. No-op if running. */
    public synchronized void startAgain() {
        if (closed) {
            throw new IllegalStateException("closed: " + name);
        }
        if (isRunning()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-XX:-UsePerfData",
                "-jar",
                jar.toString(),
                "authz",
                "--authz.socket=" + socket(),
                "--authz.mode=" + mode,
                "--authz.plugin-name=" + name,
                "--web.listen-address=127.0.0.1:" + port));
        cmd.addAll(extraArgs);
        try {
            Files.deleteIfExists(socket());
            Files.writeString(
                    logFile(),
                    "=== " + String.join(" ", cmd) + "\n",
                    StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            pb.environment().keySet().removeIf(k -> k.startsWith("READONLY_ROOTFS_"));
            process = pb.start();
        } catch (IOException e) {
            throw new AssertionError("cannot start " + cmd + ": " + e, e);
        }
        Process p = process;
        try {
            await("authz plugin " + name + " answers on " + socket())
                    .atMost(START_TIMEOUT)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        if (!p.isAlive()) {
                            throw new AssertionError(
                                    "the authz plugin exited with " + p.exitValue() + ":\n" + logTail(30));
                        }
                        return Files.exists(socket()) && activates();
                    });
        } catch (ConditionTimeoutException e) {
            p.destroyForcibly();
            throw new AssertionError(
                    "the authz plugin did not answer within " + START_TIMEOUT + ":\n" + logTail(30), e);
        }
    }

    private boolean activates() {
        try {
            SocketProxy.Answer a = call("/Plugin.Activate", "{}");
            return a.status() == 200 && a.text().contains("authz");
        } catch (AssertionError notYet) { // the socket file is there, nothing listens yet
            return false;
        }
    }

    /** POSTs {@code json} to the plugin's socket as the daemon does ({@code /AuthZPlugin.AuthZReq} ...). */
    public SocketProxy.Answer call(String path, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String request = "POST " + path + " HTTP/1.1\r\nHost: plugin.moby.localhost\r\n"
                + "Accept: application/vnd.docker.plugins.v1.2+json\r\n"
                + "Content-Type: application/vnd.docker.plugins.v1.2+json\r\n"
                + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n" + json;
        return SocketProxy.raw(socket(), request, 1, Duration.ofSeconds(5));
    }

    /** The plugin's own {@code /metrics}. */
    public String metrics() {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try {
            HttpResponse<String> r = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("GET /metrics of the authz plugin: " + r.statusCode() + " " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new AssertionError("GET /metrics of the authz plugin: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The value of one sample of {@link #metrics()} (exact series text, e.g. {@code name{a="b"}}), 0 if absent. */
    public double sample(String series) {
        for (String line : metrics().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(
                        line.substring(series.length() + 1).trim().split(" ")[0]);
            }
        }
        return 0;
    }

    /** The process's resident set size in KiB (VmRSS). */
    public long residentKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new AssertionError("no VmRSS for " + pid());
    }

    /** SIGKILLs the process (the socket file stays, as after a crash). */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            waitFor(process);
            process = null;
        }
    }

    /** SIGTERMs the process and waits for it. */
    public synchronized void stop() {
        if (process != null) {
            process.destroy();
            if (!waitFor(process)) {
                process.destroyForcibly();
                waitFor(process);
            }
            process = null;
        }
    }

    private static boolean waitFor(Process p) {
        try {
            return p.waitFor(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + logFile() + ": " + e + ")";
        }
    }

    /** Stops the process, removes the spec file and the directory (the log is copied to target/ first). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop();
        try {
            Files.deleteIfExists(specFile());
            if (Files.exists(logFile())) {
                Path logs = Files.createDirectories(Path.of("target", "authz-it"));
                Files.copy(logFile(), logs.resolve(name + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "AuthzPlugin[" + name + ", " + mode + "]";
    }
}
