package org.readonlyrootfs.exporter.docker;

import java.util.List;
import java.util.Optional;

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
     * {@code GET /containers/{id}/json}: the container's {@code HostConfig.ReadonlyRootfs}, or empty
     * if the container no longer exists (404 is not an error: it vanished after the list).
     */
    Optional<Boolean> readonlyRootfs(String containerId);

    @Override
    void close();
}
