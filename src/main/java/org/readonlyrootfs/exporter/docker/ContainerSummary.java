package org.readonlyrootfs.exporter.docker;

import java.util.Map;

/** One entry of {@code GET /containers/json?all=true}: fresh on every list. */
public record ContainerSummary(
        String id, String name, String image, String state, Map<String, String> labels, long createdEpochSeconds) {
    public ContainerSummary {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
