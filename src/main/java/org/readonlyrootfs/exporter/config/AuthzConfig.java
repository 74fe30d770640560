package org.readonlyrootfs.exporter.config;

import java.nio.file.Path;
import java.util.Objects;
import org.readonlyrootfs.exporter.authz.AuthzMode;

/**
 * The validated configuration of the {@code authz} command: the settings it shares with the exporter
 * (web server, compliance switches, exemptions) and its own. Only {@link ConfigLoader} makes one.
 *
 * @param common     the shared settings ({@code web.*} with the authz command's own defaults, {@code compliance.*})
 * @param socket     {@code authz.socket}
 * @param mode       {@code authz.mode}
 * @param pluginName {@code authz.plugin-name}
 */
public record AuthzConfig(ExporterConfig common, Path socket, AuthzMode mode, String pluginName) {
    static final String SOCKET_EXAMPLE = "/run/docker/plugins/readonly-rootfs.sock";

    public AuthzConfig {
        Objects.requireNonNull(common, "common");
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(pluginName, "pluginName");
    }
}
