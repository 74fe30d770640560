package org.readonlyrootfs.exporter.docker;

import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.readonlyrootfs.exporter.product.BuildInfo;

/**
 * The Engine API's HTTP, carried by docker-java's transport ({@link ZerodepDockerHttpClient}: HTTP/1.1
 * with keep-alive over the JDK's unix domain sockets (Java 16+; JNA is never loaded), TCP or TLS with the
 * given {@link SSLContext}). Only GET requests, unversioned (no API version is pinned).
 *
 * <p>The request/response calls share one pool of connections. The transport's response timeout bounds
 * each read on TCP only; the whole call's deadline is {@link CallDeadline}'s. A streaming answer (the
 * events) gets a client and a connection of its own ({@link #stream}), never pooled, with no read
 * timeout: closing that client ends a read blocked on its connection.
 */
final class EngineTransport implements AutoCloseable {
    /** Connections to the daemon at once (the scan's inspects, the plans' calls, a few more). */
    static final int MAX_CONNECTIONS = 16;

    private static final String USER_AGENT = BuildInfo.NAME;

    /**
     * Given to the transport for a unix socket, which never uses it (TLS is only for https hosts): without
     * one, the transport sets up the JVM's default TLS context (the trust store read and parsed), about a
     * third of the first call's time in a fresh JVM.
     */
    private static final SSLContext NO_TLS = new SSLContext(null, null, "none") {};

    private final URI host;
    private final SSLContext tls;
    private final Duration timeout;
    private final DockerHttpClient calls;

    /**
     * @param host    {@code unix:///path}, {@code tcp://host:port} (or http/https)
     * @param tls     for TLS to a TCP host, null for none
     * @param timeout connection timeout, and the read timeout of a call on TCP
     * @throws IllegalArgumentException the host is not one of those
     */
    EngineTransport(String host, SSLContext tls, Duration timeout) {
        this.host = transportUri(host, tls != null);
        this.tls = this.host.getScheme().equals("unix") ? null : tls;
        this.timeout = timeout;
        this.calls = client(MAX_CONNECTIONS, timeout);
    }

    /** The host as docker-java's transport takes it: unix or tcp, with the default ports of the docker CLI. */
    static URI transportUri(String host, boolean tls) {
        URI uri = URI.create(host);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        switch (scheme) {
            case "unix" -> {
                if (uri.getPath() == null || uri.getPath().isEmpty()) {
                    throw new IllegalArgumentException("no socket path in " + host);
                }
                return URI.create("unix://" + uri.getPath());
            }
            case "tcp", "http", "https" -> {
                if (uri.getHost() == null) {
                    throw new IllegalArgumentException("no host name in " + host);
                }
                int port = uri.getPort() != -1 ? uri.getPort() : tls ? 2376 : 2375; // the docker CLI's defaults
                return URI.create("tcp://" + hostPart(uri.getHost()) + ":" + port);
            }
            default -> throw new IllegalArgumentException("unsupported Docker host scheme in " + host);
        }
    }

    private static String hostPart(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private DockerHttpClient client(int connections, Duration readTimeout) {
        ZerodepDockerHttpClient.Builder b = new ZerodepDockerHttpClient.Builder()
                .dockerHost(host)
                .maxConnections(connections)
                .connectionTimeout(timeout)
                .responseTimeout(readTimeout);
        if (tls != null) {
            b.sslConfig(() -> tls);
        } else if (host.getScheme().equals("unix")) {
            b.sslConfig(() -> NO_TLS);
        }
        return b.build();
    }

    private static DockerHttpClient.Request request(String path) {
        return DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.GET)
                .path(path)
                .putHeader("User-Agent", USER_AGENT)
                .putHeader("Accept", "application/json")
                .build();
    }

    /**
     * Sends {@code GET path} and returns once the answer's head has arrived; the caller reads the body
     * and closes the answer (read to its end, its connection serves the next call).
     */
    DockerHttpClient.Response get(String path) {
        return calls.execute(request(path));
    }

    /** A client for one streaming answer: a connection of its own, no read timeout. */
    Stream stream() {
        return new Stream(client(1, null));
    }

    /** One streaming request on a client of its own; closing it (from any thread) closes its connection. */
    static final class Stream implements AutoCloseable {
        private final DockerHttpClient client;

        private Stream(DockerHttpClient client) {
            this.client = client;
        }

        DockerHttpClient.Response get(String path) {
            return client.execute(request(path));
        }

        @Override
        public void close() {
            try {
                client.close();
            } catch (IOException | RuntimeException e) {
                // closing anyway
            }
        }
    }

    /** A body whose {@code close} does nothing: the events stream never ends, its connection is closed instead. */
    static InputStream unclosable(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public void close() {}
        };
    }

    @Override
    public void close() {
        try {
            calls.close();
        } catch (IOException | RuntimeException e) {
            // nothing more to do
        }
    }
}
