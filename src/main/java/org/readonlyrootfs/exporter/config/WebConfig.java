package org.readonlyrootfs.exporter.config;

import org.readonlyrootfs.exporter.security.WebSecurity;

/**
 * Where and how the HTTP server listens.
 *
 * @param host          host or address to bind; empty for every interface
 * @param port          TCP port; 0 picks a free one
 * @param telemetryPath path of the metrics endpoint
 * @param security      TLS and basic auth from the web config file; {@link WebSecurity#NONE} for plain HTTP
 */
public record WebConfig(String host, int port, String telemetryPath, WebSecurity security) {
    /** Plain HTTP without authentication. */
    public WebConfig(String host, int port, String telemetryPath) {
        this(host, port, telemetryPath, WebSecurity.NONE);
    }
}
