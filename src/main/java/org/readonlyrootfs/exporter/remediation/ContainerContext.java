package org.readonlyrootfs.exporter.remediation;

import java.time.Instant;
import java.util.List;

/**
 * What the planner needs to know of a container besides its changes (all from inspect).
 *
 * @param name            container name without the leading slash
 * @param image           image as the container was created from it
 * @param user            {@code Config.User} ({@code ""}, {@code "1000"}, {@code "1000:1000"}, {@code "app"}, ...)
 * @param home            {@code HOME} from {@code Config.Env}, or {@code ""} if not set there
 * @param existingMounts  destinations of {@code Mounts[]} (volumes, binds, {@code --mount type=tmpfs},
 *                        declared image volumes) and the keys of {@code HostConfig.Tmpfs}
 * @param started         whether it ever started ({@code State.StartedAt} is not {@code 0001-01-01T00:00:00Z})
 * @param changesReadable whether {@code GET /containers/{id}/changes} answered
 * @param observedAt      when the changes were read ({@code null} if they were not)
 * @param composeService  {@code com.docker.compose.service} label, or {@code ""}: names the compose service
 */
public record ContainerContext(
        String name,
        String image,
        String user,
        String home,
        List<String> existingMounts,
        boolean started,
        boolean changesReadable,
        Instant observedAt,
        String composeService) {
    public ContainerContext {
        name = name == null ? "" : name;
        image = image == null ? "" : image;
        user = user == null ? "" : user;
        home = home == null ? "" : home;
        existingMounts = existingMounts == null ? List.of() : List.copyOf(existingMounts);
        composeService = composeService == null ? "" : composeService;
    }

    /** A started, readable container with no user, home, mounts or compose service: for tests and examples. */
    public static ContainerContext started(String name, String image, Instant observedAt) {
        return new ContainerContext(name, image, "", "", List.of(), true, true, observedAt, "");
    }

    public ContainerContext withUser(String u) {
        return new ContainerContext(
                name, image, u, home, existingMounts, started, changesReadable, observedAt, composeService);
    }

    public ContainerContext withHome(String h) {
        return new ContainerContext(
                name, image, user, h, existingMounts, started, changesReadable, observedAt, composeService);
    }

    public ContainerContext withMounts(List<String> m) {
        return new ContainerContext(name, image, user, home, m, started, changesReadable, observedAt, composeService);
    }

    /** The home directory the app writes to: {@code HOME} if set, {@code /root} for root, else unknown ({@code ""}). */
    public String effectiveHome() {
        if (!home.isEmpty()) {
            return home;
        }
        return ContainerUser.parse(user).root() ? "/root" : "";
    }
}
