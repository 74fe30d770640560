package org.readonlyrootfs.exporter.remediation;

import java.util.Objects;

/**
 * One entry of {@code GET /containers/{id}/changes}. The path is kept as Docker sent it, however
 * odd; {@link WriteObserver} decides whether it can be used.
 *
 * @param path absolute path inside the container
 * @param kind what happened to it
 */
public record Change(String path, ChangeKind kind) {
    public Change {
        path = path == null ? "" : path;
        Objects.requireNonNull(kind, "kind");
    }

    /** The change for a raw {@code {"Path": ..., "Kind": ...}} entry. */
    public static Change of(String path, int kindCode) {
        return new Change(path, ChangeKind.fromCode(kindCode));
    }
}
