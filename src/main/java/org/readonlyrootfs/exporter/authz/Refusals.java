package org.readonlyrootfs.exporter.authz;

import java.util.Optional;
import org.readonlyrootfs.exporter.compliance.StigRule;

/**
 * The texts of refusals, as the client sees them after the daemon's {@code authorization denied by
 * plugin NAME: }: what was refused and why (naming {@value StigRule#FINDING_ID}), what to add, and where to
 * read more. One line each: the docker CLI prints it as it is.
 */
final class Refusals {
    /** Where the docs live, relative to the project (the plugin has no web address of its own to give). */
    static final String DOCS = "docs/prevention.md of readonly-rootfs-exporter";

    private static final String RULE =
            "STIG " + StigRule.FINDING_ID + " (a container's root filesystem must be" + " read-only)";
    private static final String CONTAINER_FIX = "Create it read-only: docker run --read-only --tmpfs /run --tmpfs"
            + " /tmp, plus a volume (-v NAME:/path) for each directory whose data it must keep"
            + " (compose: read_only: true, tmpfs: [/run, /tmp]).";
    private static final String SERVICE_FIX = "--read-only --mount type=tmpfs,destination=/run"
            + " --mount type=tmpfs,destination=/tmp, plus a volume mount for each directory whose data it must keep"
            + " (stack file: read_only: true).";

    private final String pluginName;

    Refusals(String pluginName) {
        this.pluginName = pluginName;
    }

    String writableContainer(String name, String image, String why, Optional<String> plan) {
        String which = name.isEmpty() ? "this container" : "container " + AuthzPolicy.quote(name);
        return RULE + ": " + which + (image.isEmpty() ? "" : " (image " + AuthzPolicy.quote(image) + ")")
                + " would have a writable root filesystem (" + why + "). " + CONTAINER_FIX
                + plan.map(p -> " The exporter's plan for a container of this image on this node: " + p
                                + (p.endsWith(".") ? "" : "."))
                        .orElse("")
                + more();
    }

    String writableService(Action action, String name, String why, Optional<String> plan) {
        String which = name.isEmpty() ? "this service" : "service " + AuthzPolicy.quote(name);
        String command = action == Action.SERVICE_CREATE
                ? "docker service create " + SERVICE_FIX
                : "docker service update --read-only " + (name.isEmpty() ? "SERVICE" : name)
                        + ", with --mount-add type=tmpfs,destination=/run --mount-add type=tmpfs,destination=/tmp"
                        + " and a volume mount for each directory whose data it must keep (stack file: read_only:"
                        + " true).";
        return RULE + ": " + which + " would create containers with a writable root filesystem (" + why + "). "
                + (action == Action.SERVICE_CREATE ? "Create it read-only: " : "Keep it read-only: ") + command
                + plan.map(p -> " The exporter's plan for a container of this image on this node: " + p
                                + (p.endsWith(".") ? "" : "."))
                        .orElse("")
                + more();
    }

    String rollback(String service, String image) {
        return RULE + ": the rollback of "
                + (service.isEmpty() ? "this service" : "service " + AuthzPolicy.quote(service))
                + " is refused: the daemon would restore the previous spec, which the authorization plugin cannot"
                + " see and which may have a writable root filesystem. Deploy the version you want instead, read-only:"
                + " docker service update --image " + (image.isEmpty() ? "IMAGE" : image) + " --read-only "
                + (service.isEmpty() ? "SERVICE" : service) + "." + more();
    }

    String noBody(Action action) {
        return RULE + ": the " + describe(action) + " reached the authorization plugin without its body, so it"
                + " cannot be judged (CVE-2024-41110: the daemon forwards a body only with Content-Type:"
                + " application/json, up to 1 MiB on older daemons and 4 MiB on newer ones, and older ones not when"
                + " it is chunked). Send it as JSON with a Content-Length, as the docker CLI does." + more();
    }

    String unreadable(Action action, String problem) {
        return RULE + ": the " + describe(action) + " cannot be judged: " + problem + ". The authorization"
                + " plugin refuses what it cannot read exactly as the daemon reads it." + more();
    }

    String nonCanonical(String uri, String route) {
        return RULE + ": the path of this request is not canonical (" + AuthzPolicy.quote(pathOnly(uri))
                + ": percent escapes, empty, . or .. segments, or a trailing slash), and the daemon would route it as "
                + AuthzPolicy.quote(route) + ". Send the plain path." + more();
    }

    String legacyStart(String version) {
        return RULE + ": starting a container with a host configuration in the body (API " + version
                + ") would replace its configuration, and this one is not read-only. Create the container with"
                + " everything it needs (docker run --read-only ...) and start it without a body." + more();
    }

    String selfProtection(String verb, String name) {
        return "The authorization plugin " + pluginName + " enforces " + RULE + " and refuses to " + verb
                + " a plugin that could be itself (" + AuthzPolicy.quote(name)
                + (name.matches("[0-9a-fA-F]+") ? ": Docker reads a name of only hex digits as an id prefix" : "")
                + "). To take it out of the daemon's chain: remove it"
                + " from \"authorization-plugins\" in /etc/docker/daemon.json and send the daemon SIGHUP (or restart"
                + " the daemon without --authorization-plugin=" + pluginName + "); then manage the plugin."
                + more();
    }

    private static String describe(Action action) {
        return switch (action) {
            case CONTAINER_CREATE -> "container create request";
            case CONTAINER_START -> "container start request";
            case SERVICE_CREATE -> "service create request";
            case SERVICE_UPDATE -> "service update request";
            case PLUGIN -> "plugin request";
            case OTHER -> "request";
        };
    }

    private static String more() {
        return " More: " + DOCS + ".";
    }

    private static String pathOnly(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }
}
