package org.readonlyrootfs.exporter.remediation;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * How to make one container run with a read-only root filesystem, derived from what it wrote.
 *
 * @param kind           what kind of fix it needs
 * @param observedAt     when its changes were read ({@code null} if they were not)
 * @param changes        changes seen in its writable layer
 * @param writes         directories that must be writable, with their change counts, largest first, capped
 * @param writesOmitted  how many more directories the cap left out
 * @param tmpfs          tmpfs mounts to add
 * @param volumes        named volumes to add
 * @param dockerRunFlags exactly the arguments to add to {@code docker run}/{@code docker create},
 *                       {@code --read-only} first
 * @param compose        the same as a compose YAML snippet
 * @param warnings       what a human must decide or do, one line each
 */
public record Plan(
        PlanKind kind,
        Instant observedAt,
        long changes,
        List<WriteCount> writes,
        int writesOmitted,
        List<TmpfsMount> tmpfs,
        List<VolumeMount> volumes,
        List<String> dockerRunFlags,
        String compose,
        List<String> warnings) {
    public Plan {
        Objects.requireNonNull(kind, "kind");
        writes = List.copyOf(writes);
        tmpfs = List.copyOf(tmpfs);
        volumes = List.copyOf(volumes);
        dockerRunFlags = List.copyOf(dockerRunFlags);
        compose = compose == null ? "" : compose;
        warnings = List.copyOf(warnings);
    }

    /** The tmpfs mount points. */
    public List<String> tmpfsPaths() {
        return tmpfs.stream().map(TmpfsMount::path).toList();
    }

    /** The volume mount points. */
    public List<String> volumePaths() {
        return volumes.stream().map(VolumeMount::path).toList();
    }
}
