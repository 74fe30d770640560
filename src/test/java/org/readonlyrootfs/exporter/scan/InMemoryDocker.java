package org.readonlyrootfs.exporter.scan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.readonlyrootfs.exporter.docker.ChangeSink;
import org.readonlyrootfs.exporter.docker.ContainerDetails;
import org.readonlyrootfs.exporter.docker.ContainerSummary;
import org.readonlyrootfs.exporter.docker.DaemonInfo;
import org.readonlyrootfs.exporter.docker.DockerApiError;
import org.readonlyrootfs.exporter.docker.DockerException;
import org.readonlyrootfs.exporter.docker.DockerGateway;
import org.readonlyrootfs.exporter.docker.EventListener;
import org.readonlyrootfs.exporter.docker.RequestListener;
import org.readonlyrootfs.exporter.docker.RuntimeFacts;
import org.readonlyrootfs.exporter.docker.SwarmService;

/** A daemon in memory, for the scanner's pure logic; the real daemon is covered by the *IT tests. */
final class InMemoryDocker implements DockerGateway {
    record Entry(ContainerSummary summary, boolean readonly) {}

    final Map<String, Entry> containers = new LinkedHashMap<>();
    final Set<String> brokenInspect = ConcurrentHashMap.newKeySet();
    final Set<String> vanishAfterList = ConcurrentHashMap.newKeySet();
    final RequestListener listener;
    volatile boolean down;
    String name = "node-1";
    volatile boolean swarmManager;
    volatile List<String> authorizationPlugins = List.of();
    final List<SwarmService> services = new ArrayList<>();
    volatile String servicesError;
    /** Runs inside every list call, after its request is counted: lets a test hold a scan mid-way. */
    volatile Runnable duringList = () -> {};

    InMemoryDocker(RequestListener listener) {
        this.listener = listener;
    }

    void add(String id, String name, String state, boolean readonly, Map<String, String> labels) {
        containers.put(
                id, new Entry(new ContainerSummary(id, name, "busybox:latest", state, labels, 1700000000L), readonly));
    }

    @Override
    public DaemonInfo info() {
        listener.requestSent("info");
        failIfDown();
        return new DaemonInfo(name, "20.10.24", "Debian", swarmManager, authorizationPlugins);
    }

    @Override
    public List<SwarmService> listServices() {
        listener.requestSent("services");
        failIfDown();
        if (servicesError != null) {
            throw new DockerApiError(servicesError, null);
        }
        return List.copyOf(services);
    }

    @Override
    public List<ContainerSummary> listContainers() {
        listener.requestSent("list");
        failIfDown();
        duringList.run();
        List<ContainerSummary> list = new ArrayList<>();
        containers.values().forEach(e -> list.add(e.summary()));
        vanishAfterList.forEach(containers::remove);
        return list;
    }

    @Override
    public Optional<ContainerDetails> inspect(String id) {
        listener.requestSent("inspect");
        failIfDown();
        if (brokenInspect.contains(id)) {
            throw new DockerApiError("GET /containers/" + id + "/json failed with HTTP 500", null);
        }
        Entry e = containers.get(id);
        if (e == null) {
            return Optional.empty();
        }
        ContainerSummary s = e.summary();
        return Optional.of(new ContainerDetails(
                id, s.name(), s.image(), s.state(), s.labels(), s.createdEpochSeconds(), e.readonly()));
    }

    /** Each container's changes, as the daemon would list them: {path, kind} pairs; absent means none. */
    final Map<String, List<Object[]>> changes = new ConcurrentHashMap<>();
    /** Containers whose changes are this many generated files under /tmp/spool (streamed, never held). */
    final Map<String, Integer> generatedChanges = new ConcurrentHashMap<>();

    final Set<String> brokenChanges = ConcurrentHashMap.newKeySet();
    final java.util.concurrent.atomic.AtomicInteger changesInFlight = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger maxChangesInFlight =
            new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger changesCalls = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public Optional<RuntimeFacts> runtimeFacts(String id) {
        listener.requestSent("plan_inspect");
        failIfDown();
        Entry e = containers.get(id);
        if (e == null) {
            return Optional.empty();
        }
        boolean started = !e.summary().state().equals("created");
        return Optional.of(new RuntimeFacts(
                id,
                e.summary().name(),
                e.summary().image(),
                "",
                "",
                started,
                e.summary().state().equals("running"),
                0,
                List.of()));
    }

    @Override
    public Optional<Long> changes(String id, ChangeSink sink) {
        listener.requestSent("changes");
        changesCalls.incrementAndGet();
        maxChangesInFlight.accumulateAndGet(changesInFlight.incrementAndGet(), Math::max);
        try {
            failIfDown();
            if (brokenChanges.contains(id)) {
                throw new DockerApiError("GET /containers/" + id + "/changes gave an unreadable answer: boom", null);
            }
            if (!containers.containsKey(id)) {
                return Optional.empty();
            }
            long n = 0;
            Integer generated = generatedChanges.get(id);
            if (generated != null) {
                sink.change("/tmp", 0);
                sink.change("/tmp/spool", 1);
                for (int i = 0; i < generated; i++) {
                    sink.change("/tmp/spool/f" + i, 1);
                }
                return Optional.of(generated + 2L);
            }
            for (Object[] c : changes.getOrDefault(id, List.of())) {
                sink.change((String) c[0], (Integer) c[1]);
                n++;
            }
            return Optional.of(n);
        } finally {
            changesInFlight.decrementAndGet();
        }
    }

    /** The {@code since} of the last {@link #followEvents} call. */
    volatile long lastSince;

    /** The listener of the last {@link #followEvents} call; events are pushed by the test. */
    volatile EventListener events;

    @Override
    public AutoCloseable followEvents(long since, EventListener listener) {
        lastSince = since;
        listener.connected();
        events = listener;
        return () -> listener.ended("closed");
    }

    private void failIfDown() {
        if (down) {
            throw new DockerException("cannot reach the Docker daemon at unix:///x.sock: connection refused");
        }
    }

    @Override
    public void close() {}
}
