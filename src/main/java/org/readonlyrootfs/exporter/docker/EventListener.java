package org.readonlyrootfs.exporter.docker;

/** Receives the container events of one subscription. */
public interface EventListener {
    /** The daemon accepted the subscription: events flow from now on. */
    void connected();

    void event(ContainerEvent event);

    /** The stream ended (error, daemon gone, or closed); called exactly once per subscription. */
    void ended(String reason);
}
