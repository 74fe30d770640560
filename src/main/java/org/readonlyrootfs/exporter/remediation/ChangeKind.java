package org.readonlyrootfs.exporter.remediation;

/** What Docker says happened to a path in a container's writable layer ({@code Kind} in the changes API). */
public enum ChangeKind {
    /** Kind 0: the path exists in the image and was changed (for a directory: something below changed). */
    MODIFIED,
    /** Kind 1: the path did not exist in the image. */
    ADDED,
    /** Kind 2: the path existed in the image and was deleted. */
    DELETED;

    /** The kind for a {@code Kind} code of {@code GET /containers/{id}/changes}. */
    public static ChangeKind fromCode(int code) {
        return switch (code) {
            case 0 -> MODIFIED;
            case 1 -> ADDED;
            case 2 -> DELETED;
            default -> throw new IllegalArgumentException("change kind must be 0, 1 or 2, got [" + code + "]");
        };
    }
}
