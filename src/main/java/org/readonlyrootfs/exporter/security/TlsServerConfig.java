package org.readonlyrootfs.exporter.security;

import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code tls_server_config} of the web config file, validated: the files exist, parse, and the key
 * belongs to the certificate.
 *
 * @param certFile     PEM certificate (and chain) the server presents
 * @param keyFile      its unencrypted PEM private key, RSA or EC
 * @param clientCaFile PEM CA certificates that client certificates must chain to
 * @param clientAuth   the client certificate policy
 * @param minVersion   lowest TLS version accepted
 * @param maxVersion   highest TLS version accepted; empty for the highest the JVM has
 */
public record TlsServerConfig(
        Path certFile,
        Path keyFile,
        Optional<Path> clientCaFile,
        ClientAuth clientAuth,
        TlsVersion minVersion,
        Optional<TlsVersion> maxVersion) {}
