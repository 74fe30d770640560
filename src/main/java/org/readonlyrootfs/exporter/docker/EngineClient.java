package org.readonlyrootfs.exporter.docker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * A small HTTP/1.1 client for the Engine API's GET requests, over a unix socket, TCP or TLS: the
 * request/response calls of a scan need nothing more, and a fresh JVM runs this short path far sooner
 * than a general-purpose client (a cold scan of 1000 containers is 1001 requests).
 *
 * <p>Connections are kept alive and reused (at most {@link #MAX_IDLE} idle). Every connection is a
 * blocking {@link SocketChannel}, so interrupting the calling thread (the {@link CallDeadline}) closes
 * it and ends the call at once, on every transport. A request that fails on a reused connection before
 * any byte of the answer arrived (the daemon closed it while idle) is retried once on a new one: every
 * request is a GET. A streaming answer (the events) gets a connection of its own, see {@link #stream}.
 */
final class EngineClient implements AutoCloseable {
    static final int MAX_IDLE = 16;

    private final SocketAddress address;
    private final String hostHeader;
    private final SSLContext tls;
    private final Duration connectTimeout;
    private final Deque<EngineConnection> idle = new ArrayDeque<>(); // guarded by this
    private boolean closed; // guarded by this

    /**
     * @param host           {@code unix:///path}, {@code tcp://host:port} (or http/https)
     * @param tls            for TLS to a TCP host, null for none
     * @param connectTimeout TCP connection deadline
     */
    EngineClient(String host, SSLContext tls, Duration connectTimeout) {
        URI uri = URI.create(host);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        switch (scheme) {
            case "unix" -> {
                if (uri.getPath() == null || uri.getPath().isEmpty()) {
                    throw new IllegalArgumentException("no socket path in " + host);
                }
                this.address = UnixDomainSocketAddress.of(Path.of(uri.getPath()));
                this.hostHeader = "docker";
                this.tls = null;
            }
            case "tcp", "http", "https" -> {
                if (uri.getHost() == null) {
                    throw new IllegalArgumentException("no host name in " + host);
                }
                int port = uri.getPort() != -1 ? uri.getPort() : tls != null ? 2376 : 2375;
                this.address = InetSocketAddress.createUnresolved(uri.getHost(), port);
                this.hostHeader = uri.getHost() + ":" + port;
                this.tls = tls;
            }
            default -> throw new IllegalArgumentException("unsupported Docker host scheme in " + host);
        }
        this.connectTimeout = connectTimeout;
    }

    /** Sends {@code GET path}; the caller reads and closes the answer (closing returns its connection). */
    EngineResponse get(String path) throws IOException {
        EngineConnection reused = takeIdle();
        if (reused != null) {
            try {
                return reused.get(path, hostHeader, this::release);
            } catch (EngineConnection.NothingReceived e) {
                reused.close(); // closed by the daemon while idle: once more, on a new connection
            } catch (IOException | RuntimeException e) {
                reused.close();
                throw e;
            }
        }
        EngineConnection fresh = open();
        try {
            return fresh.get(path, hostHeader, this::release);
        } catch (EngineConnection.NothingReceived e) {
            fresh.close();
            throw new IOException("the Docker daemon closed the connection without answering", e);
        } catch (IOException | RuntimeException e) {
            fresh.close();
            throw e;
        }
    }

    /**
     * Sends {@code GET path} on a new connection of its own, for an answer that is a stream (the events):
     * that connection is never pooled, and closing it (from any thread) ends a read blocked on it at once.
     * {@code opened} receives it before the request is written, so that it can be closed while the
     * daemon has not answered yet.
     */
    EngineResponse stream(String path, Consumer<EngineConnection> opened) throws IOException {
        EngineConnection c = open();
        try {
            opened.accept(c);
            return c.get(path, hostHeader, EngineConnection::close);
        } catch (EngineConnection.NothingReceived e) {
            c.close();
            throw new IOException("the Docker daemon closed the connection without answering", e);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private EngineConnection open() throws IOException {
        if (address instanceof InetSocketAddress inet) {
            InetSocketAddress resolved = new InetSocketAddress(inet.getHostString(), inet.getPort());
            if (resolved.isUnresolved()) {
                throw new IOException("unknown host " + inet.getHostString());
            }
            return EngineConnection.tcp(resolved, tls, connectTimeout);
        }
        return EngineConnection.unix((UnixDomainSocketAddress) address);
    }

    private synchronized EngineConnection takeIdle() {
        return idle.pollLast();
    }

    /** A connection whose answer was read to its end comes back here. */
    private void release(EngineConnection c) {
        synchronized (this) {
            if (!closed && idle.size() < MAX_IDLE) {
                idle.addLast(c);
                return;
            }
        }
        c.close();
    }

    /** Connections currently kept for reuse (for tests). */
    synchronized int idleConnections() {
        return idle.size();
    }

    @Override
    public void close() {
        Deque<EngineConnection> all;
        synchronized (this) {
            closed = true;
            all = new ArrayDeque<>(idle);
            idle.clear();
        }
        all.forEach(EngineConnection::close);
    }
}
