package org.readonlyrootfs.exporter.remediation;

/**
 * A directory that must be writable for the container to do what it did, as the changes show it.
 *
 * @param path             the directory
 * @param newDirectory     whether it did not exist in the image (the highest added directory of a
 *                         tree): a mount there hides nothing
 * @param changes          changes it covers
 * @param deletions        of those, deletions of entries the image ships
 * @param imageContentSeen whether the changes prove the image ships files right there (a modified or
 *                         deleted entry directly inside): a tmpfs would hide them
 * @param nativeCode       whether a written name looks like native code ({@code *.so}, {@code *.node},
 *                         ...): a {@code noexec} tmpfs would break it
 * @param example          the smallest path of a change directly inside, or empty
 * @param deletedExample   the smallest deleted path directly inside, or empty
 */
public record WritePlace(
        String path,
        boolean newDirectory,
        long changes,
        long deletions,
        boolean imageContentSeen,
        boolean nativeCode,
        String example,
        String deletedExample) {
    public WritePlace {
        example = example == null ? "" : example;
        deletedExample = deletedExample == null ? "" : deletedExample;
    }
}
