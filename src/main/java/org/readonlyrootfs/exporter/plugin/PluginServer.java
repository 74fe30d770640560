package org.readonlyrootfs.exporter.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.readonlyrootfs.exporter.authz.PluginProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves Docker's plugin protocol over HTTP/1.1 on a Unix domain socket (the JDK's HTTP server cannot
 * listen on one). Hardened for a peer that misbehaves: a bounded pool of platform threads ({@link
 * #WORKERS}, {@link #QUEUE} connections waiting, more are closed at once), a deadline for each request to
 * arrive whole once it has begun ({@link Limits#request()}, and for a new connection's first byte), an idle
 * deadline between keep-alive requests, limits on the request line and headers and a body limit ({@link
 * Limits#maxBody()}: the daemon forwards at most 4 MiB of body, 5.6 MiB in base64). Garbage gets a 400 and
 * the connection is closed; nothing a client sends stops the server or reaches the log as a stack trace.
 *
 * <p>Start-up creates the socket's directory if missing, removes a stale socket file (one nobody answers
 * on; a live one is an error: another plugin serves it), and makes the socket {@code 0600} (the daemon
 * runs as root). {@link #close()} stops accepting, closes every connection and removes the socket file.
 */
public final class PluginServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PluginServer.class);
    static final int WORKERS = 64;
    static final int QUEUE = 256;

    /**
     * The server's limits.
     *
     * @param request  how long a request may take to arrive whole, from its first byte (and a new
     *                 connection's first request from the connection)
     * @param idle     how long a kept-alive connection may wait for its next request
     * @param maxBody  largest body accepted
     */
    public record Limits(Duration request, Duration idle, int maxBody) {
        public static final Limits DEFAULT = new Limits(Duration.ofSeconds(10), Duration.ofSeconds(120), 8 << 20);
    }

    /** Answers one call. Must not throw. */
    @FunctionalInterface
    public interface Calls {
        PluginProtocol.Answer handle(String method, String path, byte[] body);

        /** A request that was not HTTP as the server reads it, answered with {@code status} and closed. */
        default void badRequest(int status, String reason) {}
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final ThreadPoolExecutor workers;
    private final ScheduledThreadPoolExecutor deadlines;
    private final Calls calls;
    private final Limits limits;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    private PluginServer(Path socket, ServerSocketChannel server, Calls calls, Limits limits) {
        this.socket = socket;
        this.server = server;
        this.calls = calls;
        this.limits = limits;
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(
                WORKERS,
                WORKERS,
                30,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(QUEUE),
                r -> daemon(r, "authz-worker-" + n.incrementAndGet()),
                new ThreadPoolExecutor.AbortPolicy());
        this.workers.allowCoreThreadTimeOut(true);
        this.deadlines = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "authz-deadlines"));
        this.deadlines.setRemoveOnCancelPolicy(true);
        this.acceptor = daemon(this::acceptLoop, "authz-accept");
    }

    /** Binds {@code socket} and starts serving. */
    public static PluginServer start(Path socket, Calls calls, Limits limits) throws IOException {
        Path parent = socket.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        removeStale(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket), 512);
            try {
                Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                LOG.warn("cannot set the permissions of {}: {}", socket, e.getMessage());
            }
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        PluginServer s = new PluginServer(socket, server, calls, limits);
        s.acceptor.start();
        return s;
    }

    /** The socket's path. */
    public Path socket() {
        return socket;
    }

    /** A socket file nobody answers on is left over from a process that died: it goes. A live one is an error. */
    private static void removeStale(Path socket) throws IOException {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(socket, LinkOption.NOFOLLOW_LINKS)
                || Files.isRegularFile(socket, LinkOption.NOFOLLOW_LINKS)
                || Files.isSymbolicLink(socket)) {
            throw new IOException(socket + " exists and is not a socket: remove it or choose another authz.socket");
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            throw new IOException("another process serves " + socket + ": stop it or choose another authz.socket");
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("another process")) {
                throw e;
            }
            Files.deleteIfExists(socket);
            LOG.info("removed the stale socket {}", socket);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("accept on {} failed: {}", socket, e.getMessage());
                }
                continue;
            }
            open.add(c);
            try {
                workers.execute(() -> serve(c));
            } catch (RejectedExecutionException e) {
                LOG.warn("authz: all {} workers busy and {} connections waiting: closing a new one", WORKERS, QUEUE);
                closeQuietly(c);
            }
        }
    }

    private void serve(SocketChannel c) {
        Deadline deadline = new Deadline(c);
        try (c) {
            deadline.in(limits.request());
            InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(c), 16 * 1024);
            OutputStream out = Channels.newOutputStream(c);
            HttpExchange x = new HttpExchange(in, out, limits.maxBody());
            boolean first = true;
            while (!closed) {
                if (!first) {
                    deadline.in(limits.idle());
                    if (!x.awaitRequest()) {
                        return; // the peer closed between requests
                    }
                    deadline.in(limits.request());
                }
                first = false;
                HttpExchange.Request req;
                try {
                    req = x.read();
                } catch (HttpExchange.BadRequest e) {
                    deadline.cancel();
                    calls.badRequest(e.status(), e.getMessage());
                    x.respond(e.status(), PluginProtocol.CONTENT_TYPE, errorJson(e.getMessage()), false);
                    return;
                }
                if (req == null) {
                    return; // closed before a request
                }
                deadline.cancel();
                PluginProtocol.Answer a = calls.handle(req.method(), req.target(), req.body());
                x.respond(a.status(), PluginProtocol.CONTENT_TYPE, a.body(), req.keepAlive());
                if (!req.keepAlive()) {
                    return;
                }
            }
        } catch (IOException e) {
            // the peer went away, or its deadline passed and the channel was closed under the read
            LOG.debug("authz connection ended: {}", e.toString());
        } catch (RuntimeException e) {
            LOG.error("authz connection failed: {}", e.toString());
        } finally {
            deadline.cancel();
            open.remove(c);
        }
    }

    private static byte[] errorJson(String message) {
        return ("{\"Err\":" + PluginProtocol.jsonString(message) + "}\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Closes the channel when its time is up; a blocked read then ends with an exception. */
    private final class Deadline {
        private final SocketChannel c;
        private ScheduledFuture<?> pending;

        Deadline(SocketChannel c) {
            this.c = c;
        }

        void in(Duration d) {
            cancel();
            try {
                pending = deadlines.schedule(() -> closeQuietly(c), d.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                closeQuietly(c); // shutting down
            }
        }

        void cancel() {
            if (pending != null) {
                pending.cancel(false);
                pending = null;
            }
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        open.forEach(PluginServer::closeQuietly);
        workers.shutdownNow();
        deadlines.shutdownNow();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", socket, e.getMessage());
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
