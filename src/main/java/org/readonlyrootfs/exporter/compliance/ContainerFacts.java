package org.readonlyrootfs.exporter.compliance;

import java.util.Map;
import java.util.Objects;

/**
 * What the audit knows of one container: the fresh list data plus the (cached) inspect result.
 *
 * @param id             full container id
 * @param name           name without the leading slash
 * @param image          image as listed by the daemon
 * @param state          Docker state (created, running, paused, restarting, exited, dead, removing)
 * @param labels         container labels
 * @param createdEpochSeconds creation time in unix seconds
 * @param readonlyRootfs {@code HostConfig.ReadonlyRootfs}
 */
public record ContainerFacts(
        String id,
        String name,
        String image,
        String state,
        Map<String, String> labels,
        long createdEpochSeconds,
        boolean readonlyRootfs) {

    public ContainerFacts {
        Objects.requireNonNull(id, "id");
        name = name == null ? "" : name;
        image = image == null ? "" : image;
        state = state == null ? "" : state;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** The 12-hex short id the docker CLI shows. */
    public String shortId() {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    public String label(String key) {
        return labels.getOrDefault(key, "");
    }
}
