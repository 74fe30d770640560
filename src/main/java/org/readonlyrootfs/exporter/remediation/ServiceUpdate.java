package org.readonlyrootfs.exporter.remediation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A swarm service's fix, from the plans of its tasks' containers on this node: the arguments of {@code
 * docker service update} that make its containers read-only with the mounts they need. A tmpfs with
 * {@code uid=}/{@code gid=} options cannot be expressed as a service mount ({@code --mount type=tmpfs}
 * takes only size and mode), so such a tmpfs is named in a warning.
 *
 * @param flags    the arguments to add to {@code docker service update}, {@code --read-only} first
 * @param tasks    how many of its containers' plans were merged
 * @param warnings what a human must decide, one line each
 */
public record ServiceUpdate(List<String> flags, int tasks, List<String> warnings) {
    public ServiceUpdate {
        flags = List.copyOf(flags);
        warnings = List.copyOf(warnings);
    }

    /** Merges the plans of one service's task containers; the volumes are named after the service. */
    public static ServiceUpdate of(String service, List<Plan> taskPlans) {
        Map<String, TmpfsMount> tmpfs = new LinkedHashMap<>();
        Set<String> volumes = new LinkedHashSet<>();
        Set<String> warnings = new LinkedHashSet<>();
        for (Plan p : taskPlans) {
            if (p.kind() == PlanKind.NOT_OBSERVED || p.kind() == PlanKind.UNKNOWN) {
                warnings.add("a task container's writes are unknown ("
                        + p.kind().label() + "): the mounts below may" + " not be all it needs");
            }
            p.tmpfs().forEach(t -> tmpfs.putIfAbsent(t.path(), t));
            p.volumes().forEach(v -> volumes.add(v.path()));
        }
        tmpfs.keySet().removeAll(volumes);
        List<String> flags = new ArrayList<>(List.of("--read-only"));
        for (TmpfsMount t : tmpfs.values()) {
            for (String o : t.options()) {
                if (o.startsWith("uid=") || o.startsWith("gid=")) {
                    warnings.add("tmpfs " + t.path() + " needs " + o + " for the container's user, which a service"
                            + " mount cannot set: use a volume there, or run the service as root");
                } else if (o.equals("exec")) {
                    warnings.add("tmpfs " + t.path() + " needs exec, which a service mount cannot set: use a volume"
                            + " there");
                }
            }
            flags.add("--mount-add");
            flags.add("type=tmpfs,destination=" + t.path());
        }
        List<String> paths = new ArrayList<>(volumes);
        List<String> names = VolumeNames.names(service, paths);
        for (int i = 0; i < paths.size(); i++) {
            flags.add("--mount-add");
            flags.add("type=volume,source=" + names.get(i) + ",destination=" + paths.get(i));
        }
        if (!volumes.isEmpty()) {
            warnings.add("each node gets its own local volume of that name: data a task wrote on one node is not on"
                    + " another; use a volume driver that follows the task if it must");
        }
        return new ServiceUpdate(flags, taskPlans.size(), new ArrayList<>(warnings));
    }
}
