package org.readonlyrootfs.exporter.remediation;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a {@link WriteObserver} made of one container's changes.
 *
 * @param places      the directories that must be writable, sorted by path
 * @param changes     every change seen, valid or not
 * @param covered     changes below a mount the container already has (Docker does not report
 *                    those, so they come from odd input)
 * @param mountPoints changes that are mount points Docker created for existing mounts, or their parents
 * @param invalid     changes with unusable paths, by reason
 * @param truncated   changes attributed to an ancestor because a tracking cap was reached
 */
public record ObservedWrites(
        List<WritePlace> places,
        long changes,
        long covered,
        long mountPoints,
        Map<String, Long> invalid,
        long truncated) {
    public ObservedWrites {
        places = places == null ? List.of() : List.copyOf(places);
        invalid = invalid == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(invalid));
    }

    /** Nothing seen: a container whose changes were {@code null}. */
    public static ObservedWrites none() {
        return new ObservedWrites(List.of(), 0, 0, 0, Map.of(), 0);
    }

    /** Number of changes with unusable paths. */
    public long invalidCount() {
        return invalid.values().stream().mapToLong(Long::longValue).sum();
    }
}
