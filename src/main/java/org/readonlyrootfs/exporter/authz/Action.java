package org.readonlyrootfs.exporter.authz;

/** What a request does, as far as the policy cares: the {@code action} label. */
public enum Action {
    /** {@code POST /containers/create}. */
    CONTAINER_CREATE("container_create"),
    /**
     * {@code POST /v1.x/containers/{id}/start} with a host configuration in the body, on an API version
     * before 1.24: Docker 20.10 still applies it, {@code ReadonlyRootfs} included.
     */
    CONTAINER_START("container_start"),
    /** {@code POST /services/create}. */
    SERVICE_CREATE("service_create"),
    /** {@code POST /services/{id}/update}, rollbacks included. */
    SERVICE_UPDATE("service_update"),
    /** Requests that manage plugins: disable, set, upgrade, remove, create, pull. */
    PLUGIN("plugin"),
    /** Everything else: passes untouched (but a mutating request's path must be canonical in enforce mode). */
    OTHER("other");

    private final String label;

    Action(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
