package org.readonlyrootfs.exporter.docker;

import java.util.Map;

/**
 * The part of {@code GET /containers/{id}/json} the exporter uses.
 *
 * @param id             full container id
 * @param name           name without the leading slash
 * @param image          image as the container was created from ({@code Config.Image})
 * @param state          {@code State.Status}
 * @param labels         {@code Config.Labels}
 * @param createdEpochSeconds creation time in unix seconds; 0 if unknown
 * @param readonlyRootfs {@code HostConfig.ReadonlyRootfs}
 */
public record ContainerDetails(
        String id,
        String name,
        String image,
        String state,
        Map<String, String> labels,
        long createdEpochSeconds,
        boolean readonlyRootfs) {
    public ContainerDetails {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
