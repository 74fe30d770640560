package org.readonlyrootfs.exporter.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A Docker Swarm of several nodes on one machine: every node is a {@link PrivateDockerd} in its own
 * network namespace ({@code rref-<run>-<n>}), joined by a veth pair to a Linux bridge of this run
 * ({@code rref-<run>}) with its own address in a private /24 that no route of the host uses; the host
 * has {@code .1} on the bridge, so it reaches every node's published ports. Each daemon also gets its
 * own UTS namespace (its hostname: the node's name, the exporter's {@code host}) and mount namespace,
 * in which its directory is bind-mounted on one path that is the same for every node ({@link
 * #nodeSocket()}), so a stack file's single {@code DOCKER_SOCKET} names each node's own socket. From the
 * host, each daemon's socket stays at {@link PrivateDockerd#host()}. Swarm traffic (2377, 7946, the
 * VXLAN data path 4789) goes over the bridge between the namespaces, as between machines.
 *
 * <p>{@link #close()} removes everything, after failures too; a run whose JVM died is reaped by the
 * next one ({@code /tmp/rre-fleet-<run>/owner} names the JVM).
 */
public final class NetnsSwarm implements AutoCloseable {
    /** One node: its daemon, name (hostname), address on the bridge and role. */
    public record Node(String name, String address, boolean manager, PrivateDockerd dockerd) {
        public String docker(String... args) {
            return dockerd.docker(args);
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(30);

    private final String run;
    private final Path dir;
    private final String bridge;
    private final String subnet; // a.b.c (the /24 without its last byte)
    private final List<String> namespaces = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();

    private NetnsSwarm(String run, Path dir, String subnet) {
        this.run = run;
        this.dir = dir;
        this.bridge = "rref-" + run; // <= 15 characters (IFNAMSIZ)
        this.subnet = subnet;
    }

    /**
     * Starts {@code managers + workers} daemons, each in its namespaces, and joins them: the first
     * manager initialises the swarm, the others join as managers, then the workers. Node names are
     * {@code manager-1…} and {@code worker-1…}.
     */
    public static NetnsSwarm start(int managers, int workers) {
        if (managers < 1) {
            throw new IllegalArgumentException("a swarm needs a manager");
        }
        reapStale();
        NetnsSwarm s = create();
        try {
            s.network();
            for (int i = 1; i <= managers + workers; i++) {
                boolean manager = i <= managers;
                s.startNode((manager ? "manager-" + i : "worker-" + (i - managers)), i, manager);
            }
            s.join();
            return s;
        } catch (AssertionError | RuntimeException e) {
            try {
                s.close();
            } catch (AssertionError | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    public List<Node> nodes() {
        return List.copyOf(nodes);
    }

    public Node node(String name) {
        return nodes.stream()
                .filter(n -> n.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no node " + name + " in " + nodes));
    }

    /** The first manager: the swarm's leader at start. */
    public Node leader() {
        return nodes.get(0);
    }

    /** Each node's own Docker socket, at the same path in every node's mount namespace. */
    public Path nodeSocket() {
        return dir.resolve("node").resolve("docker.sock");
    }

    /** The host's address on the bridge (the nodes reach the host there). */
    public String hostAddress() {
        return subnet + ".1";
    }

    public String bridge() {
        return bridge;
    }

    public String subnet() {
        return subnet + ".0/24";
    }

    // ---------------------------------------------------------------- set-up

    private static NetnsSwarm create() {
        String run;
        Path dir;
        while (true) {
            run = PrivateDockerd.randomId();
            dir = Path.of("/tmp", "rre-fleet-" + run);
            try {
                Files.createDirectory(dir);
                break;
            } catch (FileAlreadyExistsException e) {
                // another run's: pick again
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try {
            Files.writeString(dir.resolve("owner"), PrivateDockerd.ownerTag(ProcessHandle.current()) + "\n");
            Files.createDirectory(dir.resolve("node"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new NetnsSwarm(run, dir, freeSubnet());
    }

    /** A 10.x.y.0/24 that no address or route of the host overlaps (docker's own ranges avoided). */
    private static String freeSubnet() {
        String routes = ip("-4", "route", "show", "table", "all") + ip("-4", "addr", "show");
        for (int attempt = 0; attempt < 100; attempt++) {
            String candidate = "10." + (200 + RANDOM.nextInt(50)) + "." + RANDOM.nextInt(256);
            if (!routes.contains(candidate + ".") && !routes.contains(" 10.0.0.0/8")) {
                return candidate;
            }
        }
        throw new AssertionError("no free 10.x.y.0/24 for the fleet's bridge:\n" + routes);
    }

    private void network() {
        ip("link", "add", bridge, "type", "bridge");
        ip("addr", "add", hostAddress() + "/24", "dev", bridge);
        ip("link", "set", bridge, "up");
    }

    private void startNode(String name, int index, boolean manager) {
        String ns = bridge + "-" + index;
        String hostSide = "rref" + run + "h" + index;
        ip("netns", "add", ns);
        namespaces.add(ns);
        ip("link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", ns);
        ip("link", "set", hostSide, "master", bridge, "up");
        String address = subnet + "." + (index + 1);
        ip("-n", ns, "addr", "add", address + "/24", "dev", "eth0");
        ip("-n", ns, "link", "set", "eth0", "up");
        ip("-n", ns, "link", "set", "lo", "up");
        ip("-n", ns, "route", "add", "default", "via", hostAddress());
        Path common = dir.resolve("node");
        PrivateDockerd d = PrivateDockerd.start((command, daemonDir) -> {
            List<String> wrapped = new ArrayList<>(List.of(
                    "nsenter",
                    "--net=/run/netns/" + ns,
                    "unshare",
                    "--mount",
                    "--uts",
                    "--propagation",
                    "slave",
                    "sh",
                    "-c",
                    "hostname \"$1\" && mount --bind \"$2\" \"$3\" && shift 3 && exec \"$@\"",
                    "sh",
                    name,
                    daemonDir.toString(),
                    common.toString()));
            // dockerd listens on the common path in its own mount namespace: the daemon's directory
            String own = "unix://" + daemonDir.resolve("docker.sock");
            for (String arg : command) {
                wrapped.add(arg.equals(own) ? "unix://" + common.resolve("docker.sock") : arg);
            }
            return wrapped;
        });
        nodes.add(new Node(name, address, manager, d));
    }

    private void join() {
        Node leader = leader();
        leader.docker(
                "swarm", "init", "--advertise-addr", leader.address(), "--listen-addr", leader.address() + ":2377");
        String managerToken = leader.docker("swarm", "join-token", "--quiet", "manager");
        String workerToken = leader.docker("swarm", "join-token", "--quiet", "worker");
        for (Node n : nodes.subList(1, nodes.size())) {
            n.docker(
                    "swarm",
                    "join",
                    "--token",
                    n.manager() ? managerToken : workerToken,
                    "--advertise-addr",
                    n.address(),
                    "--listen-addr",
                    n.address() + ":2377",
                    leader.address() + ":2377");
        }
    }

    // ---------------------------------------------------------------- tear-down

    /** Stops every daemon, ends what is left in the namespaces, deletes them, the bridge and the directory. */
    @Override
    public void close() {
        List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
        // in parallel: a swarm daemon takes about 12 s to stop
        nodes.parallelStream().forEach(n -> {
            try {
                n.dockerd().close();
            } catch (AssertionError | RuntimeException e) {
                problems.add(n.name() + ": " + e.getMessage());
            }
        });
        for (String ns : namespaces) {
            problems.addAll(deleteNamespace(ns));
        }
        problems.addAll(deleteLink(bridge));
        try {
            deleteTree(dir);
        } catch (IOException e) {
            problems.add("cannot delete " + dir + ": " + e);
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("fleet clean-up: " + problems);
        }
    }

    /** Ends the processes still in the namespace (ours: its name is this run's), then deletes it. */
    private static List<String> deleteNamespace(String ns) {
        if (!Files.exists(Path.of("/run/netns", ns))) {
            return List.of();
        }
        PrivateDockerd.Result pids = PrivateDockerd.run(List.of("ip", "netns", "pids", ns), IP_TIMEOUT, env -> {});
        List<ProcessHandle> left = pids.stdout()
                .lines()
                .filter(l -> l.matches("\\d+"))
                .map(l -> ProcessHandle.of(Long.parseLong(l)))
                .flatMap(java.util.Optional::stream)
                .filter(h -> h.pid() != ProcessHandle.current().pid())
                .toList();
        left.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : left) {
            try {
                h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
        PrivateDockerd.Result r = PrivateDockerd.run(List.of("ip", "netns", "delete", ns), IP_TIMEOUT, env -> {});
        return r.ok()
                ? List.of()
                : List.of("ip netns delete " + ns + ": " + r.stderr().trim());
    }

    private static List<String> deleteLink(String dev) {
        if (!Files.exists(Path.of("/sys/class/net", dev))) {
            return List.of();
        }
        PrivateDockerd.Result r = PrivateDockerd.run(List.of("ip", "link", "delete", dev), IP_TIMEOUT, env -> {});
        return r.ok()
                ? List.of()
                : List.of("ip link delete " + dev + ": " + r.stderr().trim());
    }

    /**
     * Cleans up after runs whose JVM died (a killed test fork): the namespaces and bridge of a {@code
     * /tmp/rre-fleet-<run>} whose owner is gone (their daemons are reaped by {@link PrivateDockerd}),
     * and namespaces or bridges of this naming scheme whose directory is gone.
     */
    private static void reapStale() {
        List<String> runs = new ArrayList<>();
        try (Stream<Path> list = Files.list(Path.of("/tmp"))) {
            for (Path d : list.filter(p -> p.getFileName().toString().matches("rre-fleet-[a-z0-9]{6}"))
                    .toList()) {
                Path owner = d.resolve("owner");
                boolean dead;
                if (Files.exists(owner)) {
                    String tag = Files.readString(owner).trim();
                    dead = ProcessHandle.of(Long.parseLong(tag.split(" ")[0]))
                            .map(h -> !PrivateDockerd.ownerTag(h).equals(tag))
                            .orElse(true);
                } else {
                    dead = Files.getLastModifiedTime(d)
                            .toInstant()
                            .isBefore(java.time.Instant.now().minus(PrivateDockerd.STALE_AFTER));
                }
                String id = d.getFileName().toString().substring("rre-fleet-".length());
                if (dead) {
                    runs.add(id);
                    deleteTree(d);
                }
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("[NetnsSwarm] cannot list stale fleets: " + e);
        }
        // namespaces and bridges of this scheme whose run directory is gone
        for (String ns : ip("netns", "list").lines().map(l -> l.split(" ")[0]).toList()) {
            if (ns.matches("rref-[a-z0-9]{6}-\\d+")) {
                String id = ns.substring(5, 11);
                if (runs.contains(id) || !Files.exists(Path.of("/tmp", "rre-fleet-" + id))) {
                    System.err.println("[NetnsSwarm] reaping stale namespace " + ns + ": " + deleteNamespace(ns));
                }
            }
        }
        try (Stream<Path> links = Files.list(Path.of("/sys/class/net"))) {
            for (String dev : links.map(p -> p.getFileName().toString()).toList()) {
                if (dev.matches("rref-[a-z0-9]{6}")
                        && !Files.exists(Path.of("/tmp", "rre-fleet-" + dev.substring(5)))) {
                    System.err.println("[NetnsSwarm] reaping stale bridge " + dev + ": " + deleteLink(dev));
                }
            }
        } catch (IOException e) {
            System.err.println("[NetnsSwarm] cannot list links: " + e);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static String ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        PrivateDockerd.Result r = PrivateDockerd.run(cmd, IP_TIMEOUT, env -> {});
        if (!r.ok()) {
            throw new AssertionError(
                    String.join(" ", cmd) + " failed: " + r.stderr().trim());
        }
        return r.stdout();
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public String toString() {
        return "swarm " + run + " on " + bridge + " " + subnet() + " " + nodes;
    }
}
