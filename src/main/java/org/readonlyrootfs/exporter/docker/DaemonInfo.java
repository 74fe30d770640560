package org.readonlyrootfs.exporter.docker;

import java.util.List;

/**
 * The part of {@code GET /info} the exporter uses.
 *
 * @param authorizationPlugins {@code Plugins.Authorization}: the daemon's authorization plugin chain, in
 *                             order, as the daemon names them ({@code readonly-rootfs}, {@code
 *                             readonly-rootfs:latest} for a managed plugin); empty when it has none
 */
public record DaemonInfo(
        String name,
        String serverVersion,
        String operatingSystem,
        boolean swarmManager,
        List<String> authorizationPlugins) {

    public DaemonInfo {
        authorizationPlugins = List.copyOf(authorizationPlugins);
    }

    /** A daemon without authorization plugins. */
    public DaemonInfo(String name, String serverVersion, String operatingSystem, boolean swarmManager) {
        this(name, serverVersion, operatingSystem, swarmManager, List.of());
    }
}
