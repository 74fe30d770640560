package org.readonlyrootfs.exporter.docker;

/** The part of {@code GET /info} the exporter uses. */
public record DaemonInfo(String name, String serverVersion, String operatingSystem, boolean swarmManager) {}
