package org.readonlyrootfs.exporter.authz;

import java.util.Map;

/**
 * What the daemon reads from the body of {@code POST /containers/create} (and of a legacy {@code POST
 * /containers/{id}/start}), decoded as its Go code does.
 *
 * <p>The body is a {@code ContainerConfigWrapper} (20.10, {@code runconfig}) or {@code
 * container.CreateRequest} (23 and later): the container {@code Config}'s fields at the top level
 * ({@code Image}, {@code Labels}), the host configuration under {@code HostConfig}. Docker 20.10's
 * wrapper also embeds a deprecated {@code *HostConfig}, so its fields may appear at the top level too,
 * and 20.10 uses them <em>only when {@code HostConfig} is absent or null</em> ({@code getHostConfig});
 * later versions ignore them. So a container is certainly created read-only on every version from 20.10
 * to 28 only when {@code HostConfig} ends up a non-null object whose {@code ReadonlyRootfs} ends up
 * {@code true}: that is {@link #readonly()}. A top-level {@code ReadonlyRootfs} never makes a create
 * read-only here ({@link #topLevelReadonly()} is for the legacy start, where only 20.10 reads a body).
 *
 * @param image            {@code Image}; empty if absent
 * @param labels           {@code Labels}; empty if absent or null
 * @param hostConfig       whether {@code HostConfig} ends up a non-null object
 * @param readonly         whether {@code HostConfig.ReadonlyRootfs} ends up {@code true} (false without HostConfig)
 * @param topLevelReadonly whether a top-level {@code ReadonlyRootfs} ends up {@code true}
 */
record CreateBody(
        String image, Map<String, String> labels, boolean hostConfig, boolean readonly, boolean topLevelReadonly) {

    /** Decodes a body; throws if the daemon would fail it, or if it is not what the daemon would read. */
    static CreateBody decode(byte[] body) throws GoJson.SyntaxError, GoDecode.TypeError {
        GoJson.Obj o = GoJson.parseObject(body);
        String image = GoDecode.string(o, "Image", "Image").orElse("");
        Map<String, String> labels = GoDecode.stringMap(o, "Labels", "Labels");
        GoJson.Obj hostConfig = GoDecode.pointer(o, "HostConfig", "HostConfig");
        boolean readonly = hostConfig != null
                && GoDecode.bool(hostConfig, "ReadonlyRootfs", "HostConfig.ReadonlyRootfs")
                        .orElse(false);
        boolean topLevel = GoDecode.bool(o, "ReadonlyRootfs", "ReadonlyRootfs").orElse(false);
        return new CreateBody(image, labels == null ? Map.of() : labels, hostConfig != null, readonly, topLevel);
    }
}
