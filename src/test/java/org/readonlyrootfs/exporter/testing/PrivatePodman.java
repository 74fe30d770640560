package org.readonlyrootfs.exporter.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A private Podman (Debian 12: 4.3) serving its Docker-compatible API: {@code podman system service
 * --time=0 unix://DIR/podman.sock} with its own {@code --root}, {@code --runroot}, {@code --tmpdir} and
 * {@code containers.conf} under a fresh {@code /tmp/rre-podman-XXXXXX}. The tests drive it with the
 * docker CLI ({@code docker -H unix://DIR/podman.sock}), as they drive {@link PrivateDockerd}.
 *
 * <p>The private {@code containers.conf} sets {@code default_ulimits} (nofile and nproc) explicitly:
 * without them Podman copies the service's own limits into each container and runc, on a machine
 * whose hard limits are below Podman's defaults, fails with "error setting rlimits". Events go to a
 * file ({@code events_logger = "file"}), cgroups through cgroupfs: no systemd, no journald needed.
 */
public final class PrivatePodman implements ContainerEngine {
    private static final Duration CLI_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Path BUSYBOX = Path.of("/bin/busybox");

    private final Path dir;
    private final Path podman;
    private final Path docker;
    private Process service;
    private boolean imageImported;
    private boolean closed;

    private PrivatePodman(Path dir, Path podman, Path docker) {
        this.dir = dir;
        this.podman = podman;
        this.docker = docker;
    }

    /** A new private Podman service, answering; the caller must {@link #close()} it. */
    public static PrivatePodman start() {
        Path podman = which("podman");
        Path docker = which("docker");
        if (podman == null || docker == null) {
            throw new AssertionError("cannot run a private Podman: podman or docker is missing"
                    + " (packages podman, docker.io); run scripts/install-test-deps.sh (as root) first");
        }
        Path dir;
        try {
            dir = Files.createTempDirectory(Path.of("/tmp"), "rre-podman-");
            Files.writeString(
                    dir.resolve("containers.conf"), """
                    [containers]
                    default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

                    [engine]
                    events_logger = "file"
                    events_logfile_path = "%s"
                    cgroup_manager = "cgroupfs"

                    [network]
                    network_config_dir = "%s"
                    """.formatted(dir.resolve("events.log"), dir.resolve("networks")));
            Files.createDirectories(dir.resolve("tmp"));
            Files.createDirectories(dir.resolve("networks"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PrivatePodman p = new PrivatePodman(dir, podman, docker);
        try {
            p.startAgain();
        } catch (AssertionError | RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    @Override
    public String host() {
        return "unix://" + dir.resolve("podman.sock");
    }

    private List<String> podmanCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                podman.toString(),
                "--root",
                dir.resolve("root").toString(),
                "--runroot",
                dir.resolve("run").toString(),
                "--tmpdir",
                dir.resolve("tmp").toString(),
                "--storage-driver",
                "overlay",
                "--cgroup-manager",
                "cgroupfs"));
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    /** Starts the service (again) on this directory and waits until it answers. */
    public synchronized void startAgain() {
        if (service != null && service.isAlive()) {
            return;
        }
        List<String> cmd = podmanCommand("system", "service", "--time=0", host());
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("podman.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        environment(pb.environment());
        try {
            Files.writeString(
                    dir.resolve("podman.log"),
                    "=== " + String.join(" ", cmd) + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            service = pb.start();
        } catch (IOException e) {
            throw new AssertionError("cannot start " + cmd + ": " + e, e);
        }
        Process p = service;
        try {
            await("private podman at " + host())
                    .atMost(START_TIMEOUT)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        if (!p.isAlive()) {
                            throw new IllegalStateException("podman system service exited with " + p.exitValue());
                        }
                        return Files.exists(dir.resolve("podman.sock"))
                                && run(dockerCommand("version"), Duration.ofSeconds(10))
                                        .ok();
                    });
        } catch (ConditionTimeoutException | IllegalStateException e) {
            throw new AssertionError("private podman did not come up: " + e.getMessage() + "\n" + logTail(), e);
        }
    }

    /** SIGTERMs the service; its containers keep running (conmon holds them), as after a host service restart. */
    public synchronized void stop() {
        if (service == null) {
            return;
        }
        service.destroy();
        try {
            if (!service.waitFor(30, TimeUnit.SECONDS)) {
                service.destroyForcibly();
                service.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        service = null;
    }

    @Override
    public synchronized void restart() {
        stop();
        startAgain();
    }

    private List<String> dockerCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(docker.toString(), "-H", host()));
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    @Override
    public String docker(String... args) {
        return check(run(dockerCommand(args), CLI_TIMEOUT));
    }

    private String podman(String... args) {
        return check(run(podmanCommand(args), CLI_TIMEOUT));
    }

    private static String check(PrivateDockerd.Result r) {
        if (!r.ok()) {
            throw new AssertionError(
                    "command failed (exit " + r.exitCode() + "): " + String.join(" ", r.command()) + "\nstderr: "
                            + r.stderr().trim() + "\nstdout: " + r.stdout().trim());
        }
        return r.stdout().trim();
    }

    @Override
    public synchronized String image() {
        if (!imageImported) {
            Path rootfs = dir.resolve("image-rootfs");
            Path tar = dir.resolve("image-rootfs.tar");
            try {
                Path bin = Files.createDirectories(rootfs.resolve("bin"));
                for (String d : List.of("etc", "tmp", "proc", "sys", "dev", "root", "var")) {
                    Files.createDirectories(rootfs.resolve(d));
                }
                Files.copy(BUSYBOX, bin.resolve("busybox"));
                Files.setPosixFilePermissions(bin.resolve("busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
                for (String applet : List.of("sh", "sleep", "touch", "ls", "cat")) {
                    Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
                }
                Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
                Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\n");
            } catch (IOException e) {
                throw new AssertionError("cannot build the image rootfs: " + e, e);
            }
            check(run(
                    List.of(
                            "tar",
                            "--numeric-owner",
                            "--owner=0",
                            "--group=0",
                            "-C",
                            rootfs.toString(),
                            "-cf",
                            tar.toString(),
                            "."),
                    CLI_TIMEOUT));
            podman("import", "--quiet", "--change", "CMD [\"/bin/sleep\", \"100000\"]", tar.toString(), IMAGE);
            imageImported = true;
        }
        return IMAGE;
    }

    /** The image's name (Podman stores it as {@code localhost/rre-busybox:latest}). */
    public static final String IMAGE = PrivateDockerd.IMAGE;

    @Override
    public String createSleeper(String name, boolean readOnly, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("create", "--name", name, "--network", "none"));
        if (readOnly) {
            args.add("--read-only");
        }
        args.addAll(Arrays.asList(extraArgs));
        args.addAll(List.of(image(), "/bin/sleep", "100000"));
        return docker(args.toArray(String[]::new));
    }

    @Override
    public Map<String, Boolean> stigCheckByName() {
        String h = "'" + host() + "'";
        String script = "docker -H " + h + " ps --quiet --all | xargs -L 1 docker -H " + h + " inspect --format '"
                + PrivateDockerd.STIG_FORMAT + "'";
        PrivateDockerd.Result r = run(List.of("sh", "-c", script), CLI_TIMEOUT);
        if (!r.ok()) {
            if (r.stdout().isBlank() && docker("ps", "--quiet", "--all").isEmpty()) {
                return Map.of();
            }
            check(r);
        }
        return PrivateDockerd.parseStigLines(
                r.stdout().lines().map(String::trim).filter(l -> !l.isEmpty()).toList());
    }

    @Override
    public String[] serverVersion() {
        return docker("version", "--format", "{{.Server.Version}} {{.Server.APIVersion}}")
                .split(" ", 2);
    }

    /** Removes every container, stops the service, unmounts and deletes the directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        AssertionError failure = null;
        try {
            podman("rm", "--all", "--force", "--time", "0");
        } catch (AssertionError e) {
            failure = e;
        }
        stop();
        String marker = dir.toString() + "/";
        List<ProcessHandle> leftovers = ProcessHandle.allProcesses()
                .filter(h -> h.pid() != ProcessHandle.current().pid())
                .filter(h -> h.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .toList();
        leftovers.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : leftovers) {
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (InterruptedException | ExecutionException | TimeoutException e) {
                h.destroyForcibly();
            }
        }
        // storage mounts (overlay, shm), deepest first
        try {
            List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(l -> l.split(" ")[4].replace("\\040", " "))
                    .filter(mp -> mp.startsWith(marker))
                    .sorted((a, b) -> b.length() - a.length())
                    .toList();
            for (String mp : mounts) {
                run(List.of("umount", "--lazy", mp), Duration.ofSeconds(30));
            }
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            AssertionError ae = new AssertionError("cannot clean up " + dir + ": " + e, e);
            if (failure != null) {
                ae.addSuppressed(failure);
            }
            throw ae;
        }
        if (failure != null) {
            throw failure;
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("podman.log"));
            return "--- tail of " + dir.resolve("podman.log") + " ---\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private void environment(Map<String, String> env) {
        for (String k : List.of(
                "DOCKER_HOST",
                "DOCKER_CONTEXT",
                "DOCKER_TLS",
                "DOCKER_TLS_VERIFY",
                "DOCKER_CERT_PATH",
                "DOCKER_API_VERSION",
                "CONTAINER_HOST",
                "CONTAINERS_STORAGE_CONF")) {
            env.remove(k);
        }
        env.put("CONTAINERS_CONF", dir.resolve("containers.conf").toString());
        env.put("DOCKER_CONFIG", dir.resolve("cli-config").toString());
        env.put("DOCKER_CLI_HINTS", "false");
        env.put(
                "PATH",
                env.getOrDefault("PATH", "/usr/bin:/bin")
                        + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    }

    private PrivateDockerd.Result run(List<String> cmd, Duration timeout) {
        return PrivateDockerd.run(cmd, timeout, this::environment);
    }

    private static Path which(String name) {
        for (String d : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (!d.isBlank()) {
                Path p = Path.of(d, name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "PrivatePodman[" + host() + "]";
    }
}
