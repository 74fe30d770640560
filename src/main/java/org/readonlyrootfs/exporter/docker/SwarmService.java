package org.readonlyrootfs.exporter.docker;

import java.util.Map;

/**
 * The part of one {@code GET /services} entry the exporter uses.
 *
 * @param id       {@code ID}
 * @param name     {@code Spec.Name}
 * @param image    {@code Spec.TaskTemplate.ContainerSpec.Image}
 * @param mode     the key of {@code Spec.Mode} in lower case with dashes: {@code replicated}, {@code global},
 *                 {@code replicated-job}, {@code global-job}; empty if absent
 * @param labels   {@code Spec.Labels} ({@code com.docker.stack.namespace} among them for stack services)
 * @param readOnly {@code Spec.TaskTemplate.ContainerSpec.ReadOnly}; false if absent
 */
public record SwarmService(
        String id, String name, String image, String mode, Map<String, String> labels, boolean readOnly) {
    public SwarmService {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
