package org.readonlyrootfs.exporter.config;

/**
 * Where the HTTP server listens.
 *
 * @param host          host or address to bind; empty for every interface
 * @param port          TCP port; 0 picks a free one
 * @param telemetryPath path of the metrics endpoint
 */
public record WebConfig(String host, int port, String telemetryPath) {
}
