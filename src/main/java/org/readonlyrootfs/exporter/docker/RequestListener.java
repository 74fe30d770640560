package org.readonlyrootfs.exporter.docker;

/**
 * Told of every request sent to the Docker daemon, by operation ({@code info}, {@code list}, {@code
 * inspect}, …): when it is sent, and when its answer has been read (or it failed).
 */
@FunctionalInterface
public interface RequestListener {
    RequestListener NONE = operation -> {};

    void requestSent(String operation);

    /**
     * The request of {@code operation} is over after {@code nanos}: its answer read in full, or failed
     * ({@code ok} false: error status, deadline, connection). The events stream reports only its set-up.
     */
    default void requestDone(String operation, long nanos, boolean ok) {}
}
