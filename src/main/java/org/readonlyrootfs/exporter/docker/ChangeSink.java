package org.readonlyrootfs.exporter.docker;

/** Receives the entries of a container's changes ({@code docker diff}) one at a time. */
@FunctionalInterface
public interface ChangeSink {
    /**
     * One changed path of the container's writable layer.
     *
     * @param path as the daemon wrote it (absolute; may hold any character but NUL); empty if missing
     * @param kind 0 modified, 1 added, 2 deleted; -1 if missing or not a number
     */
    void change(String path, int kind);
}
