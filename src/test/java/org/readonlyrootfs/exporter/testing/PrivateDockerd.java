package org.readonlyrootfs.exporter.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A private Docker daemon for integration tests: its own socket, data root, exec root and (managed)
 * containerd, all under a fresh short directory {@code /tmp/rre-dockerd-XXXXXX}. It never talks to a
 * system-wide daemon.
 *
 * <p>The daemon has no bridge network ({@code --bridge=none}): create containers with {@code
 * --network none} or {@code --network host}, e.g. via {@link #createSleeper(String, boolean,
 * String...)}. It runs with {@code --init}, so {@code docker stop} and daemon shutdown do not wait 10 s
 * for a PID 1 that ignores SIGTERM.
 *
 * <p>Use {@link #shared()} for one daemon per JVM (stopped by a shutdown hook; container names must
 * be unique across test classes, and {@link #stigCheck()} sees every class's containers), or {@link
 * #start()} for an independent daemon that the caller closes.
 *
 * <p>Requires root, {@code dockerd}, {@code docker}, {@code containerd}, {@code docker-init} and a
 * static {@code /bin/busybox}; anything missing fails with a hint to run {@code
 * scripts/install-test-deps.sh}.
 */
public final class PrivateDockerd implements ContainerEngine {

    /** Outcome of a docker CLI call that is allowed to fail. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    public static final String IMAGE = "rre-busybox:latest";
    public static final Duration CLI_TIMEOUT = Duration.ofSeconds(120);
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    /** A leftover directory without owner file, this old and named by no process, is reaped. */
    public static final Duration STALE_AFTER = Duration.ofMinutes(5);

    static final String STIG_FORMAT = "{{ .Name }}: ReadonlyRootfs={{ .HostConfig.ReadonlyRootfs }}";
    private static final String INSTALL_HINT = "run scripts/install-test-deps.sh (as root) first";
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final List<String> BUSYBOX_APPLETS = List.of(
            "sh",
            "ash",
            "cat",
            "cp",
            "date",
            "echo",
            "env",
            "false",
            "grep",
            "head",
            "hostname",
            "id",
            "kill",
            "ls",
            "mkdir",
            "mount",
            "ps",
            "pwd",
            "rm",
            "sed",
            "sleep",
            "tail",
            "tee",
            "test",
            "timeout",
            "top",
            "touch",
            "true",
            "uname",
            "wc");
    private static final SecureRandom RANDOM = new SecureRandom();

    private static PrivateDockerd shared;
    private static AssertionError sharedFailure;

    private final Binaries tools;
    private final Path dir;
    private final String id;
    private final boolean isShared;
    /** Linux bridge devices of this daemon's bridge networks, deleted on close. */
    private final Set<String> bridgeDevices = new LinkedHashSet<>();

    /** Extra dockerd arguments, e.g. a TLS listener. */
    private List<String> extraArgs = List.of();

    /** How dockerd's command line is run: as is, or wrapped into namespaces ({@link NetnsSwarm}). */
    private Launcher launcher = (command, daemonDir) -> command;

    /**
     * Turns the harness's dockerd command line into the one that runs, e.g. inside a network, mount
     * and UTS namespace. The daemon's socket must stay reachable at {@link #host()} from the host.
     */
    @FunctionalInterface
    public interface Launcher {
        List<String> command(List<String> dockerdCommand, Path daemonDir);
    }

    private Process process;
    private boolean imageImported;
    private boolean closed;

    private PrivateDockerd(Binaries tools, Path dir, String id, boolean isShared) {
        this.tools = tools;
        this.dir = dir;
        this.id = id;
        this.isShared = isShared;
    }

    // ---------------------------------------------------------------- factories

    /**
     * The JVM-wide daemon, started on first use with {@link #image()} imported, and stopped and
     * deleted by a shutdown hook. {@link #close()} on it does nothing.
     */
    public static synchronized PrivateDockerd shared() {
        if (shared != null) {
            return shared;
        }
        if (sharedFailure != null) {
            throw new AssertionError("shared private dockerd failed to start earlier", sharedFailure);
        }
        PrivateDockerd d = null;
        try {
            d = create(true);
            d.image();
            PrivateDockerd started = d;
            Runtime.getRuntime().addShutdownHook(new Thread(started::closeQuietly, "private-dockerd-shutdown"));
            shared = d;
            return d;
        } catch (AssertionError | RuntimeException e) {
            if (d != null) {
                d.closeQuietly();
            }
            sharedFailure = e instanceof AssertionError ae ? ae : new AssertionError(e.toString(), e);
            throw e;
        }
    }

    /** A new independent daemon, running and answering; the caller must {@link #close()} it. */
    public static PrivateDockerd start() {
        return create(false, List.of());
    }

    /**
     * As {@link #start()}, with extra dockerd arguments after the harness's own, e.g. a TLS listener:
     * {@code --host tcp://127.0.0.1:PORT --tlsverify --tlscacert ca.pem --tlscert server.pem --tlskey
     * server-key.pem}. The unix socket {@link #host()} stays, for the harness and the CLI.
     */
    public static PrivateDockerd start(List<String> extraDockerdArgs) {
        return create(false, List.copyOf(extraDockerdArgs));
    }

    /**
     * As {@link #start()}, with the binaries of {@code engine}: its directories come first on the
     * daemon's and the CLI's PATH (dockerd, containerd, docker, docker-init), the rest (runc) from the
     * system. {@link Engine#SYSTEM} is {@link #start()}.
     */
    public static PrivateDockerd start(Engine engine) {
        return create(false, List.of(), engine);
    }

    /** As {@link #start()}, with dockerd's command line run through {@code launcher}. */
    public static PrivateDockerd start(Launcher launcher) {
        return create(false, List.of(), Engine.SYSTEM, launcher);
    }

    /**
     * As {@link #start(Engine)}, with extra dockerd arguments, e.g. {@code --authorization-plugin=NAME} (start
     * the plugin first: the daemon asks it about its own readiness check).
     */
    public static PrivateDockerd start(Engine engine, List<String> extraDockerdArgs) {
        return create(false, List.copyOf(extraDockerdArgs), engine);
    }

    private static PrivateDockerd create(boolean isShared) {
        return create(isShared, List.of());
    }

    private static PrivateDockerd create(boolean isShared, List<String> extraDockerdArgs) {
        return create(isShared, extraDockerdArgs, Engine.SYSTEM);
    }

    private static PrivateDockerd create(boolean isShared, List<String> extraDockerdArgs, Engine engine) {
        return create(isShared, extraDockerdArgs, engine, null);
    }

    private static PrivateDockerd create(
            boolean isShared, List<String> extraDockerdArgs, Engine engine, Launcher launcher) {
        Binaries tools = Binaries.require(engine.binDirs());
        reapStale(tools);
        String id = randomId();
        Path dir;
        try {
            dir = Path.of("/tmp", "rre-dockerd-" + id);
            while (true) {
                try {
                    Files.createDirectory(dir);
                    break;
                } catch (FileAlreadyExistsException e) {
                    id = randomId();
                    dir = Path.of("/tmp", "rre-dockerd-" + id);
                }
            }
            Files.writeString(dir.resolve("owner"), ownerTag(ProcessHandle.current()) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PrivateDockerd d = new PrivateDockerd(tools, dir, id, isShared);
        d.extraArgs = extraDockerdArgs;
        if (launcher != null) {
            d.launcher = launcher;
        }
        try {
            d.startAgain();
        } catch (AssertionError | RuntimeException e) {
            d.closeQuietly();
            throw e;
        }
        return d;
    }

    /**
     * Cleans up after JVMs that died without running their shutdown hook (e.g. a killed test fork): a
     * {@code /tmp/rre-dockerd-XXXXXX} whose {@code owner} file names a JVM that is gone gets its
     * dockerd stopped, its mounts, gwbridge device and files removed. Without an owner file, the
     * directory must be older than {@link #STALE_AFTER} and named by no live process.
     */
    private static void reapStale(Binaries tools) {
        List<Path> candidates;
        try (Stream<Path> list = Files.list(Path.of("/tmp"))) {
            candidates = list.filter(d -> d.getFileName().toString().matches("rre-dockerd-[a-z0-9]{6}"))
                    .filter(d -> Files.isDirectory(d, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .toList();
        } catch (IOException e) {
            return;
        }
        for (Path d : candidates) {
            try {
                String marker = d + "/";
                List<ProcessHandle> users = ProcessHandle.allProcesses()
                        .filter(h -> h.info()
                                .commandLine()
                                .map(c -> c.contains(marker))
                                .orElse(false))
                        .toList();
                Path ownerFile = d.resolve("owner");
                boolean ownerDead;
                if (Files.exists(ownerFile)) {
                    String tag = Files.readString(ownerFile).trim();
                    long pid = Long.parseLong(tag.split(" ")[0]);
                    ownerDead = ProcessHandle.of(pid)
                            .map(h -> !ownerTag(h).equals(tag))
                            .orElse(true);
                } else {
                    // a JVM writes the owner file right after creating the directory: give it time
                    ownerDead = Files.getLastModifiedTime(d)
                                    .toInstant()
                                    .isBefore(java.time.Instant.now().minus(STALE_AFTER))
                            && users.isEmpty();
                }
                if (!ownerDead) {
                    continue;
                }
                // the daemon of a dead JVM: SIGTERM its dockerd (it stops containerd and containers)
                for (ProcessHandle h : users) {
                    if (h.info().command().map(c -> c.endsWith("/dockerd")).orElse(false)) {
                        h.destroy();
                        if (!waitFor(h, STOP_TIMEOUT)) {
                            h.destroyForcibly();
                        }
                    }
                }
                String staleId = d.getFileName().toString().substring("rre-dockerd-".length());
                PrivateDockerd stale = new PrivateDockerd(tools, d, staleId, false);
                stale.bridgeDevices.add(stale.gwBridgeDevice());
                stale.doClose();
                System.err.println("[PrivateDockerd] reaped stale " + d);
            } catch (IOException | RuntimeException | AssertionError e) {
                System.err.println("[PrivateDockerd] cannot reap stale " + d + ": " + e);
            }
        }
    }

    // ---------------------------------------------------------------- accessors

    /** {@code unix:///tmp/rre-dockerd-XXXXXX/docker.sock} */
    @Override
    public String host() {
        return "unix://" + socketPath();
    }

    public Path socketPath() {
        return dir.resolve("docker.sock");
    }

    /** The daemon's directory (socket, data root, exec root, log). */
    public Path dir() {
        return dir;
    }

    /** dockerd's (and its containerd's) stdout and stderr. */
    public Path logFile() {
        return dir.resolve("dockerd.log");
    }

    /** dockerd's process id; fails when it is not running. */
    public synchronized long pid() {
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException("dockerd is not running: " + dir);
        }
        return process.pid();
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The last {@code lines} lines of {@link #logFile()}. */
    public String logTail(int lines) {
        try {
            if (!Files.exists(logFile())) {
                return "(no " + logFile() + ")";
            }
            List<String> all = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + logFile() + ": " + e + ")";
        }
    }

    // ---------------------------------------------------------------- docker CLI

    /**
     * Runs {@code docker -H host() args...}; returns its trimmed stdout, or throws AssertionError with
     * the command, exit code and stderr on a non-zero exit (or after {@link #CLI_TIMEOUT}).
     */
    @Override
    public String docker(String... args) {
        Result r = tryDocker(args);
        if (!r.ok()) {
            throw new AssertionError(
                    "command failed (exit " + r.exitCode() + "): " + String.join(" ", r.command()) + "\nstderr: "
                            + r.stderr().trim() + "\nstdout: " + r.stdout().trim());
        }
        return r.stdout().trim();
    }

    /** Like {@link #docker(String...)} but returns a failing exit too (times out with AssertionError). */
    public Result tryDocker(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(tools.docker.toString());
        cmd.add("-H");
        cmd.add(host());
        cmd.addAll(Arrays.asList(args));
        return run(cmd, CLI_TIMEOUT);
    }

    /**
     * The busybox image ({@value #IMAGE}, default command {@code /bin/sleep 100000}), imported into
     * this daemon on first call.
     */
    @Override
    public synchronized String image() {
        if (!imageImported) {
            importImage();
            imageImported = true;
        }
        return IMAGE;
    }

    /**
     * {@code docker create --network none [--read-only] --name NAME extraArgs... IMAGE /bin/sleep
     * 100000}; returns the container id. {@code extraArgs} may override the network ({@code --network
     * host}); names need at least 2 characters on this daemon.
     */
    @Override
    public String createSleeper(String name, boolean readOnly, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("create", "--name", name));
        if (Arrays.stream(extraArgs)
                .noneMatch(a -> a.equals("--network")
                        || a.startsWith("--network=")
                        || a.equals("--net")
                        || a.startsWith("--net="))) {
            args.addAll(List.of("--network", "none"));
        }
        if (readOnly) {
            args.add("--read-only");
        }
        args.addAll(Arrays.asList(extraArgs));
        args.addAll(List.of(image(), "/bin/sleep", "100000"));
        return docker(args.toArray(String[]::new));
    }

    /** {@code GET /version} through the CLI: the server's version and API version. */
    @Override
    public String[] serverVersion() {
        return docker("version", "--format", "{{.Server.Version}} {{.Server.APIVersion}}")
                .split(" ", 2);
    }

    // ---------------------------------------------------------------- STIG check

    /**
     * Runs the literal DISA STIG check through {@code sh -c}: {@code docker -H H ps --quiet --all |
     * xargs -L 1 docker -H H inspect --format '{{ .Name }}: ReadonlyRootfs={{ .HostConfig.ReadonlyRootfs
     * }}'}, returning its non-blank output lines. With no container at all the literal pipeline fails
     * (xargs runs {@code docker inspect} without argument): that case returns an empty list.
     */
    public List<String> stigCheck() {
        String h = "'" + host() + "'";
        String script = "docker -H " + h + " ps --quiet --all | xargs -L 1 docker -H " + h + " inspect --format '"
                + STIG_FORMAT + "'";
        Result r = run(List.of("sh", "-c", script), CLI_TIMEOUT);
        if (!r.ok()) {
            if (r.stdout().isBlank() && docker("ps", "--quiet", "--all").isEmpty()) {
                return List.of();
            }
            throw new AssertionError("STIG check failed (exit " + r.exitCode() + "): " + script + "\nstderr: "
                    + r.stderr().trim() + "\nstdout: " + r.stdout().trim());
        }
        return r.stdout().lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
    }

    /** {@link #stigCheck()} parsed: container name (without the leading {@code /}) to ReadonlyRootfs. */
    @Override
    public Map<String, Boolean> stigCheckByName() {
        return parseStigLines(stigCheck());
    }

    static Map<String, Boolean> parseStigLines(List<String> lines) {
        Map<String, Boolean> byName = new LinkedHashMap<>();
        String marker = ": ReadonlyRootfs=";
        for (String line : lines) {
            int at = line.lastIndexOf(marker);
            if (at < 0) {
                throw new AssertionError("unexpected STIG check line: " + line);
            }
            String name = line.substring(0, at);
            if (name.startsWith("/")) {
                name = name.substring(1);
            }
            String flag = line.substring(at + marker.length()).trim();
            if (!flag.equals("true") && !flag.equals("false")) {
                throw new AssertionError("unexpected ReadonlyRootfs value in: " + line);
            }
            byName.put(name, Boolean.parseBoolean(flag));
        }
        return byName;
    }

    // ---------------------------------------------------------------- swarm

    /**
     * Makes this daemon a single-node swarm manager ({@code --advertise-addr 127.0.0.1 --listen-addr
     * 127.0.0.1:<free port> --data-path-port <free port>}) and returns its node id; if it already is
     * one, just returns the node id. Its {@code docker_gwbridge} is pre-created with a Linux bridge name
     * unique to this daemon, so that concurrent daemons do not share (and delete) one device. Note: the
     * swarm gossip port 7946 is fixed in this dockerd, so while another private swarm is active this one
     * logs "error in agentInit" and has no overlay networking (services with no network, or {@code
     * --network host}, still run).
     */
    public synchronized String swarmInit() {
        if ("active".equals(docker("info", "--format", "{{.Swarm.LocalNodeState}}"))) {
            return docker("info", "--format", "{{.Swarm.NodeID}}");
        }
        if (!tryDocker("network", "inspect", "docker_gwbridge").ok()) {
            docker(
                    "network",
                    "create",
                    "--driver",
                    "bridge",
                    "--opt",
                    "com.docker.network.bridge.name=" + gwBridgeDevice(),
                    "--opt",
                    "com.docker.network.bridge.enable_icc=false",
                    "--opt",
                    "com.docker.network.bridge.enable_ip_masquerade=true",
                    "docker_gwbridge");
        }
        rememberBridgeDevices();
        int listen = freePort(false);
        int dataPath;
        do {
            dataPath = freePort(true);
        } while (dataPath == listen);
        docker(
                "swarm",
                "init",
                "--advertise-addr",
                "127.0.0.1",
                "--listen-addr",
                "127.0.0.1:" + listen,
                "--data-path-port",
                Integer.toString(dataPath));
        return docker("info", "--format", "{{.Swarm.NodeID}}");
    }

    /** {@code docker swarm leave --force} if this daemon is in a swarm. */
    public synchronized void swarmLeave() {
        if (!"inactive".equals(docker("info", "--format", "{{.Swarm.LocalNodeState}}"))) {
            docker("swarm", "leave", "--force");
        }
    }

    private String gwBridgeDevice() {
        return "rregw-" + id; // <= 15 characters (IFNAMSIZ)
    }

    /** A port that is free now, in 20000..44999 (swarm data path ports must be below 49152). */
    private static int freePort(boolean udp) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = 20000 + RANDOM.nextInt(25000);
            try (ServerSocket tcp = new ServerSocket()) {
                tcp.setReuseAddress(false);
                tcp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                if (udp) {
                    try (DatagramSocket u = new DatagramSocket(new InetSocketAddress(port))) {
                        u.getLocalPort();
                    }
                }
                return port;
            } catch (IOException busy) {
                // try another one
            }
        }
        throw new AssertionError("no free port found in 20000..44999");
    }

    // ---------------------------------------------------------------- lifecycle

    /** Starts dockerd on this directory (again) and waits until it answers. No-op if running. */
    public synchronized void startAgain() {
        if (closed) {
            throw new IllegalStateException("closed: " + dir);
        }
        if (isRunning()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of(
                tools.dockerd.toString(),
                "--host",
                host(),
                "--data-root",
                dir.resolve("root").toString(),
                "--exec-root",
                dir.resolve("exec").toString(),
                "--pidfile",
                dir.resolve("pid").toString(),
                "--iptables=false",
                "--ip6tables=false",
                "--bridge=none",
                "--storage-driver=overlay2",
                "--init",
                "--log-level=warn"));
        cmd.addAll(extraArgs);
        cmd = launcher.command(List.copyOf(cmd), dir);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        tools.environment(pb.environment(), dir);
        try {
            Files.writeString(
                    logFile(),
                    "=== " + String.join(" ", cmd) + "\n",
                    StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            process = pb.start();
        } catch (IOException e) {
            throw new AssertionError("cannot start " + cmd + ": " + e, e);
        }
        Process p = process;
        long t0 = System.nanoTime();
        try {
            await("private dockerd at " + host())
                    .atMost(START_TIMEOUT)
                    .pollDelay(Duration.ofMillis(50))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> answers(p));
            log("dockerd answers after " + millisSince(t0) + " ms");
        } catch (ConditionTimeoutException e) {
            stopProcess(p);
            throw new AssertionError(
                    "private dockerd did not answer within " + START_TIMEOUT + "\n--- tail of " + logFile() + " ---\n"
                            + logTail(40),
                    e);
        } catch (RuntimeException e) {
            String why = e.getMessage();
            stopProcess(p);
            throw new AssertionError(
                    "private dockerd did not come up: " + why + "\n--- tail of " + logFile() + " ---\n" + logTail(40),
                    e);
        }
    }

    /** Stops and starts the daemon again on the same directory. */
    @Override
    public synchronized void restart() {
        stop();
        startAgain();
    }

    /**
     * SIGTERMs dockerd and waits (bounded) for it and its containerd to exit; the data stays. dockerd
     * stops running containers itself. No-op if not running.
     */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        if (process.isAlive()) {
            rememberBridgeDevices();
        }
        Process p = process;
        process = null;
        long t0 = System.nanoTime();
        stopProcess(p);
        log("dockerd stopped in " + millisSince(t0) + " ms");
    }

    private void stopProcess(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy(); // SIGTERM
        boolean exited = waitFor(p.toHandle(), STOP_TIMEOUT);
        if (!exited) {
            p.destroyForcibly();
            waitFor(p.toHandle(), Duration.ofSeconds(10));
        }
        for (ProcessHandle child : children) {
            if (!waitFor(child, Duration.ofSeconds(20))) {
                child.destroyForcibly();
                waitFor(child, Duration.ofSeconds(10));
            }
        }
        if (!exited) {
            throw new AssertionError("private dockerd did not stop within " + STOP_TIMEOUT
                    + " of SIGTERM (killed)\n--- tail of " + logFile() + " ---\n" + logTail(40));
        }
    }

    private static boolean waitFor(ProcessHandle h, Duration timeout) {
        try {
            h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return !h.isAlive();
        } catch (ExecutionException e) {
            return !h.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !h.isAlive();
        }
    }

    /**
     * Stops the daemon, deletes its Linux bridge devices, unmounts whatever is left mounted under
     * {@link #dir()} and deletes it. Does nothing on the {@link #shared()} instance (its shutdown hook
     * does this).
     */
    @Override
    public void close() {
        if (isShared) {
            return;
        }
        doClose();
    }

    private void closeQuietly() {
        try {
            doClose();
        } catch (Throwable t) {
            System.err.println("[PrivateDockerd] cleanup of " + dir + " failed: " + t);
        }
    }

    private synchronized void doClose() {
        if (closed) {
            return;
        }
        closed = true;
        long t0 = System.nanoTime();
        AssertionError failure = null;
        try {
            stop();
        } catch (AssertionError e) {
            failure = e;
        }
        killLeftoverProcesses();
        for (String dev : bridgeDevices) {
            if (Files.exists(Path.of("/sys/class/net", dev))) {
                Result r = run(List.of(tools.ip, "link", "delete", dev), Duration.ofSeconds(30));
                if (!r.ok() && failure == null) {
                    failure = new AssertionError("cannot delete bridge " + dev + ": " + r.stderr());
                }
            }
        }
        List<String> left = unmountAll();
        if (!left.isEmpty()) {
            AssertionError e = new AssertionError("still mounted under " + dir + ": " + left + " (not deleting it)");
            if (failure != null) {
                e.addSuppressed(failure);
            }
            throw e;
        }
        try {
            deleteRecursively(dir);
        } catch (IOException e) {
            AssertionError ae = new AssertionError("cannot delete " + dir + ": " + e, e);
            if (failure != null) {
                ae.addSuppressed(failure);
            }
            throw ae;
        }
        if (failure != null) {
            throw failure;
        }
        log("closed and deleted " + dir + " in " + millisSince(t0) + " ms");
    }

    /**
     * Only after a failed graceful stop can processes of this daemon (containerd shims, whose command
     * line names this unique directory) outlive it; they are ended by pid.
     */
    private void killLeftoverProcesses() {
        String marker = dir.toString() + "/";
        List<ProcessHandle> leftovers = ProcessHandle.allProcesses()
                .filter(h -> h.pid() != ProcessHandle.current().pid())
                .filter(h -> h.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .toList();
        for (ProcessHandle h : leftovers) {
            h.destroy();
        }
        for (ProcessHandle h : leftovers) {
            if (!waitFor(h, Duration.ofSeconds(10))) {
                h.destroyForcibly();
                waitFor(h, Duration.ofSeconds(10));
            }
        }
    }

    /** Bridge devices (docker_gwbridge, user-defined bridge networks) that outlive dockerd. */
    private void rememberBridgeDevices() {
        Result r = tryDocker("network", "ls", "--quiet", "--no-trunc", "--filter", "driver=bridge");
        if (!r.ok()) {
            return;
        }
        for (String netId : r.stdout().trim().split("\\s+")) {
            if (netId.isBlank()) {
                continue;
            }
            Result name = tryDocker(
                    "network", "inspect", "--format", "{{ index .Options \"com.docker.network.bridge.name\" }}", netId);
            if (!name.ok()) {
                continue;
            }
            String dev = name.stdout().trim();
            if (dev.isEmpty() || dev.equals("<no value>")) {
                dev = "br-" + netId.substring(0, Math.min(12, netId.length()));
            }
            bridgeDevices.add(dev);
        }
    }

    /** Mount points at or under {@link #dir()}, deepest first. */
    public List<String> mountsUnderDir() {
        String base = dir.toString();
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
            return lines.map(l -> l.split(" "))
                    .filter(f -> f.length > 4)
                    .map(f -> unescapeMountinfo(f[4]))
                    .filter(mp -> mp.equals(base) || mp.startsWith(base + "/"))
                    .distinct()
                    .sorted(Comparator.comparingInt(String::length).reversed())
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> unmountAll() {
        for (int round = 0; round < 5; round++) {
            List<String> mounts = mountsUnderDir();
            if (mounts.isEmpty()) {
                return mounts;
            }
            for (String mp : mounts) {
                if (!run(List.of("umount", mp), Duration.ofSeconds(30)).ok()) {
                    run(List.of("umount", "--lazy", mp), Duration.ofSeconds(30));
                }
            }
        }
        return mountsUnderDir();
    }

    private static String unescapeMountinfo(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    // ---------------------------------------------------------------- internals

    private boolean answers(Process p) {
        if (!p.isAlive()) {
            throw new IllegalStateException("dockerd exited with code " + p.exitValue());
        }
        if (!Files.exists(socketPath())) {
            return false;
        }
        List<String> cmd = List.of(tools.docker.toString(), "-H", host(), "version", "--format", "{{.Server.Version}}");
        return run(cmd, Duration.ofSeconds(10)).ok();
    }

    private void importImage() {
        long t0 = System.nanoTime();
        Path rootfs = dir.resolve("image-rootfs");
        Path tar = dir.resolve("image-rootfs.tar");
        try {
            Path bin = rootfs.resolve("bin");
            Files.createDirectories(bin);
            for (String d : List.of("etc", "tmp", "proc", "sys", "dev", "root", "var")) {
                Files.createDirectories(rootfs.resolve(d));
            }
            Files.copy(tools.busybox, bin.resolve("busybox"));
            Files.setPosixFilePermissions(
                    bin.resolve("busybox"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            for (String applet : BUSYBOX_APPLETS) {
                Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
            }
            Files.writeString(
                    rootfs.resolve("etc/passwd"),
                    "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
            Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\n");
        } catch (IOException e) {
            throw new AssertionError("cannot build the image rootfs in " + rootfs + ": " + e, e);
        }
        Result t = run(
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
                CLI_TIMEOUT);
        if (!t.ok()) {
            throw new AssertionError("tar failed: " + t.stderr());
        }
        docker("import", "--change", "CMD [\"/bin/sleep\", \"100000\"]", tar.toString(), IMAGE);
        try {
            Files.delete(tar);
            deleteRecursively(rootfs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        log("imported " + IMAGE + " in " + millisSince(t0) + " ms");
    }

    private void log(String message) {
        System.err.println("[PrivateDockerd " + id + "] " + message);
    }

    private static long millisSince(long nanoTime) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanoTime);
    }

    private Result run(List<String> cmd, Duration timeout) {
        return run(cmd, timeout, env -> tools.environment(env, dir));
    }

    /**
     * Runs {@code cmd} with stdin from /dev/null and its environment set by {@code environment}; kills it
     * (and its children) after {@code timeout}. Shared by the harnesses of this package.
     */
    static Result run(
            List<String> cmd, Duration timeout, java.util.function.Consumer<Map<String, String>> environment) {
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        environment.accept(pb.environment());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd + ": " + e, e);
        }
        CompletableFuture<String> out = readAsync(p.getInputStream());
        CompletableFuture<String> err = readAsync(p.getErrorStream());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("timed out after " + timeout + ": " + String.join(" ", cmd));
            }
            return new Result(cmd, p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new AssertionError("interrupted: " + String.join(" ", cmd), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("cannot read output of " + String.join(" ", cmd) + ": " + e, e);
        }
    }

    private static CompletableFuture<String> readAsync(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** {@code "<pid> <start instant>"}: a pid alone may be reused. */
    static String ownerTag(ProcessHandle h) {
        return h.pid() + " " + h.info().startInstant().map(Object::toString).orElse("?");
    }

    static String randomId() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "PrivateDockerd[" + host() + (isShared ? ", shared" : "") + "]";
    }

    // ---------------------------------------------------------------- tool discovery

    /** The binaries this harness needs, resolved once; fails (never skips) when any is missing. */
    private record Binaries(Path docker, Path dockerd, Path busybox, String ip, String path) {

        private static Binaries resolved;

        static synchronized Binaries require() {
            if (resolved == null) {
                resolved = resolve(List.of());
            }
            return resolved;
        }

        /** The binaries found first in {@code engineDirs}, then on the usual path. */
        static synchronized Binaries require(List<Path> engineDirs) {
            return engineDirs.isEmpty() ? require() : resolve(engineDirs);
        }

        private static Binaries resolve(List<Path> engineDirs) {
            List<String> problems = new ArrayList<>();
            String envPath = System.getenv().getOrDefault("PATH", "");
            List<String> dirs = new ArrayList<>();
            engineDirs.forEach(d -> dirs.add(d.toString()));
            dirs.addAll(Arrays.asList(envPath.split(":")));
            // dockerd and ip live in sbin, which a non-login PATH may lack
            dirs.addAll(List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"));
            dirs.removeIf(String::isBlank);
            List<String> searchPath = dirs.stream().distinct().toList();

            Path docker = which("docker", searchPath);
            Path dockerd = which("dockerd", searchPath);
            Path ip = which("ip", searchPath);
            if (docker == null) {
                problems.add("the docker CLI is not on PATH (package docker.io)");
            }
            if (dockerd == null) {
                problems.add("dockerd is missing (package docker.io)");
            }
            for (String helper : List.of("containerd", "runc", "docker-init")) {
                if (which(helper, searchPath) == null) {
                    problems.add(helper + " is missing (package docker.io)");
                }
            }
            if (which("tar", searchPath) == null || which("umount", searchPath) == null) {
                problems.add("tar or umount is missing");
            }
            if (ip == null) {
                problems.add("ip is missing (package iproute2)");
            }
            if (!Files.isRegularFile(BUSYBOX) || !Files.isExecutable(BUSYBOX)) {
                problems.add(BUSYBOX + " is missing (package busybox-static)");
            } else if (!isStaticElf(BUSYBOX)) {
                problems.add(BUSYBOX + " is dynamically linked, a scratch image needs busybox-static");
            }
            if (!problems.isEmpty()) {
                throw new AssertionError(
                        "cannot run a private dockerd: " + String.join("; ", problems) + ". To fix: " + INSTALL_HINT);
            }
            if (!isRoot()) {
                throw new AssertionError("cannot run a private dockerd: it needs root, this JVM runs as uid " + uid()
                        + ". Run the integration tests as root.");
            }
            List<String> pathDirs = new ArrayList<>();
            pathDirs.add(docker.getParent().toString());
            pathDirs.add(dockerd.getParent().toString());
            pathDirs.addAll(searchPath);
            return new Binaries(
                    docker,
                    dockerd,
                    BUSYBOX,
                    ip.toString(),
                    pathDirs.stream().distinct().collect(Collectors.joining(":")));
        }

        /** Environment for dockerd and the CLI: never a system daemon, context or user CLI config. */
        void environment(Map<String, String> env, Path daemonDir) {
            for (String k : List.of(
                    "DOCKER_HOST",
                    "DOCKER_CONTEXT",
                    "DOCKER_TLS",
                    "DOCKER_TLS_VERIFY",
                    "DOCKER_CERT_PATH",
                    "DOCKER_API_VERSION",
                    "DOCKER_CONFIG")) {
                env.remove(k);
            }
            env.put("PATH", path);
            env.put("DOCKER_CONFIG", daemonDir.resolve("cli-config").toString());
            env.put("DOCKER_CLI_HINTS", "false");
        }

        private static Path which(String name, List<String> dirs) {
            for (String d : dirs) {
                Path p = Path.of(d, name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p;
                }
            }
            return null;
        }

        private static boolean isRoot() {
            return "0".equals(uid());
        }

        private static String uid() {
            try {
                return String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
            } catch (IOException | UnsupportedOperationException e) {
                return "?";
            }
        }

        /** True if the ELF file has no PT_INTERP program header (no dynamic loader needed). */
        private static boolean isStaticElf(Path file) {
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                byte[] head = new byte[64];
                f.readFully(head);
                if (head[0] != 0x7f || head[1] != 'E' || head[2] != 'L' || head[3] != 'F') {
                    return false;
                }
                boolean is64 = head[4] == 2;
                ByteBuffer b =
                        ByteBuffer.wrap(head).order(head[5] == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
                long phoff = is64 ? b.getLong(0x20) : Integer.toUnsignedLong(b.getInt(0x1C));
                int phentsize = Short.toUnsignedInt(b.getShort(is64 ? 0x36 : 0x2A));
                int phnum = Short.toUnsignedInt(b.getShort(is64 ? 0x38 : 0x2C));
                byte[] type = new byte[4];
                for (int i = 0; i < phnum; i++) {
                    f.seek(phoff + (long) i * phentsize);
                    f.readFully(type);
                    int pType = ByteBuffer.wrap(type).order(b.order()).getInt();
                    if (pType == 3) { // PT_INTERP
                        return false;
                    }
                }
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }
}
