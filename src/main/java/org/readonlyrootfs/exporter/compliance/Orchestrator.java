package org.readonlyrootfs.exporter.compliance;

/** Who manages a container, as told by its labels. */
public enum Orchestrator {
    KUBERNETES("kubernetes"),
    SWARM("swarm"),
    COMPOSE("compose"),
    STANDALONE("standalone");

    private final String label;

    Orchestrator(String label) {
        this.label = label;
    }

    /** The value of the {@code orchestrator} label. */
    public String label() {
        return label;
    }
}
