package org.readonlyrootfs.exporter.authz;

import java.util.Map;

/**
 * What the daemon reads from the body of {@code POST /services/create} and {@code POST
 * /services/{id}/update}: a {@code swarm.ServiceSpec}, decoded as its Go code does. {@code Name} and
 * {@code Labels} come from the embedded {@code Annotations}; {@code TaskTemplate} is a struct ({@code
 * null} leaves it as it was), its {@code ContainerSpec} a pointer ({@code null} removes it). The service's
 * containers are read-only only when {@code ContainerSpec} ends up a non-null object whose {@code ReadOnly}
 * ends up {@code true}.
 *
 * @param name     {@code Name}; empty if absent
 * @param labels   the service's {@code Labels} (as the exporter matches exemptions on); empty if none
 * @param image    {@code TaskTemplate.ContainerSpec.Image}; empty if absent
 * @param readOnly whether {@code TaskTemplate.ContainerSpec.ReadOnly} ends up {@code true}
 */
record ServiceBody(String name, Map<String, String> labels, String image, boolean readOnly) {

    static ServiceBody decode(byte[] body) throws GoJson.SyntaxError, GoDecode.TypeError {
        GoJson.Obj o = GoJson.parseObject(body);
        String name = GoDecode.string(o, "Name", "Name").orElse("");
        Map<String, String> labels = GoDecode.stringMap(o, "Labels", "Labels");
        GoJson.Obj task = GoDecode.struct(o, "TaskTemplate", "TaskTemplate");
        GoJson.Obj spec = GoDecode.pointer(task, "ContainerSpec", "TaskTemplate.ContainerSpec");
        String image = "";
        boolean readOnly = false;
        if (spec != null) {
            image = GoDecode.string(spec, "Image", "TaskTemplate.ContainerSpec.Image")
                    .orElse("");
            readOnly = GoDecode.bool(spec, "ReadOnly", "TaskTemplate.ContainerSpec.ReadOnly")
                    .orElse(false);
        }
        return new ServiceBody(name, labels == null ? Map.of() : labels, image, readOnly);
    }
}
