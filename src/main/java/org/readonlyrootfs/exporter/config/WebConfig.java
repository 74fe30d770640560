package org.readonlyrootfs.exporter.config;

import org.readonlyrootfs.exporter.security.WebSecurity;

/**
 * Where and how the HTTP server listens.
 *
 * @param host          host or address to bind; empty for every interface
 * @param port          TCP port; 0 picks a free one
 * @param telemetryPath path of the metrics endpoint
 * @param security        TLS and basic auth from the web config file; {@link WebSecurity#NONE} for plain HTTP
 * @param enableLifecycle whether {@code POST /-/reload} reloads the configuration (else it answers 403)
 */
public record WebConfig(String host, int port, String telemetryPath, WebSecurity security, boolean enableLifecycle) {
    /** Plain HTTP without authentication, no lifecycle endpoint. */
    public WebConfig(String host, int port, String telemetryPath) {
        this(host, port, telemetryPath, WebSecurity.NONE, false);
    }
}
