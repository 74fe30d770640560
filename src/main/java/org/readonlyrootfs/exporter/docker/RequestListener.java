package org.readonlyrootfs.exporter.docker;

/** Told of every request sent to the Docker daemon, by operation ({@code info}, {@code list}, {@code inspect}). */
@FunctionalInterface
public interface RequestListener {
    RequestListener NONE = operation -> {};

    void requestSent(String operation);
}
