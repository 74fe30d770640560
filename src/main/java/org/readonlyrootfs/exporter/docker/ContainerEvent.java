package org.readonlyrootfs.exporter.docker;

/**
 * One container event, read from {@code Action} and {@code Actor} (Docker 29 dropped {@code status},
 * {@code id} and {@code from}).
 *
 * @param action        e.g. {@code create}, {@code start}, {@code die}, {@code rename}, {@code destroy}
 * @param containerId   {@code Actor.ID}
 * @param timeEpochNanos {@code timeNano}; 0 if the daemon sent none
 */
public record ContainerEvent(String action, String containerId, long timeEpochNanos) {}
