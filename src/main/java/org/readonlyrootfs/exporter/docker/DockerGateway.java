package org.readonlyrootfs.exporter.docker;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The exporter's whole view of the Docker Engine API: GET requests only. Every call has its own
 * deadline and fails with a one-line {@link DockerException}.
 */
public interface DockerGateway extends AutoCloseable {

    /** {@code GET /info}. */
    DaemonInfo info();

    /** {@code GET /containers/json?all=true}: every container, stopped and created ones included. */
    List<ContainerSummary> listContainers();

    /**
     * As {@link #listContainers()}, handing each container to {@code each} as soon as it is read, on
     * the calling thread, so its inspect can start while the rest of the list arrives.
     */
    default List<ContainerSummary> listContainers(Consumer<ContainerSummary> each) {
        List<ContainerSummary> all = listContainers();
        all.forEach(each);
        return all;
    }

    /**
     * {@code GET /containers/{id}/json}, or empty if the container no longer exists (404 is not an
     * error: it vanished after the list).
     */
    Optional<ContainerDetails> inspect(String containerId);

    /**
     * {@code GET /containers/{id}/json}, read only as far as {@code HostConfig.ReadonlyRootfs} (all a
     * scan needs: the list gave the rest); empty if the container no longer exists.
     */
    default Optional<Boolean> readonlyRootfs(String containerId) {
        return inspect(containerId).map(ContainerDetails::readonlyRootfs);
    }

    /**
     * {@code GET /services}: the swarm service specs. Only a swarm manager answers (see {@link
     * DaemonInfo#swarmManager()}); others fail with a {@link DockerApiError}. Test doubles that
     * know no swarm need not implement it.
     */
    default List<SwarmService> listServices() {
        return List.of();
    }

    /**
     * {@code GET /containers/{id}/json} read in full, for a remediation plan; empty if the container no
     * longer exists.
     */
    default Optional<RuntimeFacts> runtimeFacts(String containerId) {
        throw new DockerApiError("this gateway reads no runtime facts", null);
    }

    /**
     * {@code GET /containers/{id}/changes} (what {@code docker diff} shows), each entry handed to
     * {@code sink} as it is read; returns how many there were, or empty if the container no longer exists.
     */
    default Optional<Long> changes(String containerId, ChangeSink sink) {
        throw new DockerApiError("this gateway reads no changes", null);
    }

    /**
     * {@code GET /events?since=…&filters={"type":["container"]}}: follows container events on a
     * connection of its own until the returned handle is closed or the stream ends; {@link
     * EventListener#ended} is then called exactly once, and nothing after it. Only reaching the daemon and
     * its answer's head have the call deadline: the stream itself is meant to stay open. Returns at once:
     * the listener hears from the stream's own thread (or, when the connection cannot even be set up,
     * {@code ended} before this returns).
     */
    AutoCloseable followEvents(long sinceEpochSeconds, EventListener listener);

    @Override
    void close();
}
