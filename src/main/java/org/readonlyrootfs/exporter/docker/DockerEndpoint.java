package org.readonlyrootfs.exporter.docker;

import java.time.Duration;

/**
 * Where and how to reach the daemon, the way the docker CLI is told.
 *
 * @param host      {@code unix:///path} or {@code tcp://host:port}
 * @param tlsVerify use TLS and verify the daemon against {@code ca.pem} in {@code certPath}
 * @param certPath  folder holding {@code ca.pem}, {@code cert.pem}, {@code key.pem}; empty if none
 * @param timeout   deadline of each call
 */
public record DockerEndpoint(String host, boolean tlsVerify, String certPath, Duration timeout) {}
