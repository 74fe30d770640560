package org.readonlyrootfs.exporter.compliance;

import java.util.Map;

/**
 * What an exemption is matched against: a container, or a swarm service spec.
 *
 * @param name    container name (without the leading slash), or service name
 * @param image   image as listed, or the service spec's image
 * @param labels  container labels, or service labels
 * @param stack   swarm stack, compose project or Kubernetes namespace; empty if none
 * @param service swarm service, compose service or Kubernetes pod; empty if none
 */
public record Target(String name, String image, Map<String, String> labels, String stack, String service) {
    public Target {
        name = name == null ? "" : name;
        image = image == null ? "" : image;
        labels = labels == null ? Map.of() : labels;
        stack = stack == null ? "" : stack;
        service = service == null ? "" : service;
    }
}
