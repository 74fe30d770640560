package org.readonlyrootfs.exporter.compliance;

import java.util.Map;
import java.util.Objects;

/**
 * What the audit knows of one swarm service spec ({@code GET /services} on a manager).
 *
 * @param id       service id
 * @param name     {@code Spec.Name}
 * @param image    {@code Spec.TaskTemplate.ContainerSpec.Image}
 * @param mode     {@code replicated}, {@code global}, {@code replicated-job} or {@code global-job}
 * @param labels   {@code Spec.Labels} (the service's, not its containers')
 * @param readOnly {@code Spec.TaskTemplate.ContainerSpec.ReadOnly}: whether its tasks' containers are
 *                 created with a read-only root filesystem
 */
public record ServiceFacts(
        String id, String name, String image, String mode, Map<String, String> labels, boolean readOnly) {
    public ServiceFacts {
        Objects.requireNonNull(id, "id");
        name = name == null ? "" : name;
        image = image == null ? "" : image;
        mode = mode == null ? "" : mode;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** {@code com.docker.stack.namespace}; empty if the service is not part of a stack. */
    public String stack() {
        return labels.getOrDefault(Classifier.SWARM_STACK, "");
    }
}
