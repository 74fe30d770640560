package org.readonlyrootfs.exporter.docker;

import java.util.List;

/**
 * What a remediation plan needs to know of a container beyond the list: from {@code GET
 * /containers/{id}/json}, read in full (unlike a scan's inspect, which stops at {@code ReadonlyRootfs}).
 *
 * @param id           full container id
 * @param name         name without the leading slash
 * @param image        {@code Config.Image}
 * @param user         {@code Config.User}: empty for root
 * @param home         {@code HOME} from {@code Config.Env}; empty when not set
 * @param everStarted  whether it ever started ({@code State.StartedAt} is set, or it runs)
 * @param running      {@code State.Running}
 * @param exitCode     {@code State.ExitCode}
 * @param mountPoints  every path already mounted: {@code Mounts[].Destination} (volumes, binds, {@code --mount}
 *                     tmpfs), {@code HostConfig.Tmpfs} and the image's declared {@code Config.Volumes}
 */
public record RuntimeFacts(
        String id,
        String name,
        String image,
        String user,
        String home,
        boolean everStarted,
        boolean running,
        int exitCode,
        List<String> mountPoints) {
    public RuntimeFacts {
        mountPoints = List.copyOf(mountPoints);
    }
}
