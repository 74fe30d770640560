package org.readonlyrootfs.exporter.testing;

import java.util.Map;

/** A private container engine the integration tests drive through the docker CLI: Docker or Podman. */
public interface ContainerEngine extends AutoCloseable {

    /** The endpoint for the exporter and the CLI, e.g. {@code unix:///tmp/rre-dockerd-x/docker.sock}. */
    String host();

    /** {@code docker -H host() args...}: trimmed stdout, or AssertionError on failure. */
    String docker(String... args);

    /** The busybox test image, imported on first call. */
    String image();

    /** {@code docker create --network none [--read-only] --name NAME extraArgs... IMAGE /bin/sleep 100000}. */
    String createSleeper(String name, boolean readOnly, String... extraArgs);

    /** The literal STIG check's answer: container name to ReadonlyRootfs. */
    Map<String, Boolean> stigCheckByName();

    /** {@code GET /version}: {@code [version, API version]} as the engine reports them. */
    String[] serverVersion();

    /** Stops the engine and starts it again on the same data. */
    void restart();

    @Override
    void close();
}
