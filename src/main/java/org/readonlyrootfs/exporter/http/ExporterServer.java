package org.readonlyrootfs.exporter.http;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.readonlyrootfs.exporter.config.WebConfig;
import org.readonlyrootfs.exporter.security.Pem;
import org.readonlyrootfs.exporter.security.ServerTls;
import org.readonlyrootfs.exporter.security.TlsServerConfig;
import org.readonlyrootfs.exporter.security.WebSecurity;
import org.readonlyrootfs.exporter.scan.Snapshot;

/**
 * The HTTP endpoints: the telemetry path (Prometheus text or OpenMetrics by content negotiation),
 * {@code /} (landing page), {@code /-/healthy} (process alive), {@code /-/ready} (200 once a scan
 * has succeeded). Every handler renders the current snapshot; none calls Docker.
 *
 * <p>With a web config file, every endpoint is served over TLS and/or behind basic auth. The server
 * is hardened against slow and oversized clients: a bounded worker pool ({@link #WORKERS} threads,
 * {@link #QUEUE} connections waiting, more are closed), a deadline to receive a request's headers, a
 * limit on their size and count, and on open connections (see {@link #JDK_SERVER_LIMITS}).
 */
public final class ExporterServer implements AutoCloseable {
    /** Worker threads: each connection that is sending its request, or being answered, holds one. */
    static final int WORKERS = 64;
    /** Connections that may wait for a worker; past that, new ones are closed at once. */
    static final int QUEUE = 256;

    /**
     * Limits of the JDK HTTP server (JVM-wide system properties, read once when its first server
     * starts; a {@code -D} on the command line wins): request line and headers must arrive within 5 s
     * and total at most 16 KiB in at most 100 headers; a response must be written within 60 s; at most
     * 1024 connections are open, idle keep-alive ones are closed after 30 s. TCP_NODELAY: without it
     * a response over TLS waits 40 ms for a delayed ACK (Nagle).
     */
    static final Map<String, String> JDK_SERVER_LIMITS = Map.of(
            "sun.net.httpserver.maxReqTime", "5",
            "sun.net.httpserver.maxRspTime", "60",
            "sun.net.httpserver.maxReqHeaderSize", "16384",
            "sun.net.httpserver.maxReqHeaders", "100",
            "sun.net.httpserver.idleInterval", "30",
            "sun.net.httpserver.timerMillis", "250",
            "jdk.httpserver.maxConnections", "1024",
            "sun.net.httpserver.nodelay", "true");

    static {
        // before the JDK server's configuration class is loaded, which reads these once per JVM
        JDK_SERVER_LIMITS.forEach((k, v) -> {
            if (System.getProperty(k) == null) {
                System.setProperty(k, v);
            }
        });
    }

    private final HTTPServer server;

    private ExporterServer(HTTPServer server) {
        this.server = server;
    }

    public static ExporterServer start(WebConfig web, PrometheusRegistry registry, Supplier<Snapshot> snapshots)
            throws IOException {
        HTTPServer.Builder builder = HTTPServer.builder()
                .port(web.port())
                .registry(registry)
                .metricsHandlerPath(web.telemetryPath())
                .registerHealthHandler(true)
                .executorService(workers())
                .defaultHandler(exchange -> route(exchange, snapshots.get(), web.telemetryPath()));
        if (!web.host().isEmpty()) {
            builder.hostname(web.host());
        }
        WebSecurity security = web.security();
        if (security.tls().isPresent()) {
            TlsServerConfig tls = security.tls().get();
            try {
                builder.httpsConfigurator(ServerTls.configurator(tls, ServerTls.context(tls)));
            } catch (Pem.PemException | GeneralSecurityException e) {
                // validated at start-up: only a file changed since then gets here
                throw new IOException("cannot set up TLS from " + security.file() + ": " + e.getMessage());
            }
        }
        if (!security.basicAuthUsers().isEmpty()) {
            builder.authenticator(new BasicAuth(security.basicAuthUsers()));
        }
        return new ExporterServer(builder.buildAndStart());
    }

    /** Bounded: {@link #WORKERS} threads, made on demand and ended when idle; {@link #QUEUE} waiting. */
    private static ThreadPoolExecutor workers() {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(WORKERS, WORKERS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE), r -> {
                    Thread t = new Thread(r, "http-worker-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy()); // the JDK server closes a connection it cannot hand over
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    public int port() {
        return server.getPort();
    }

    private static void route(HttpExchange exchange, Snapshot snapshot, String telemetryPath) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain; charset=utf-8", "Method Not Allowed\n");
                return;
            }
            String path = exchange.getRequestURI().getPath();
            switch (path) {
                case "/" -> send(exchange, 200, "text/html; charset=utf-8", LandingPage.render(snapshot, telemetryPath));
                case "/-/ready" -> {
                    if (snapshot.everSucceeded()) {
                        send(exchange, 200, "text/plain; charset=utf-8", "Exporter is Ready.\n");
                    } else {
                        send(exchange, 503, "text/plain; charset=utf-8",
                                "Not ready: no scan has succeeded yet (" + snapshot.lastError() + ")\n");
                    }
                }
                default -> send(exchange, 404, "text/plain; charset=utf-8", "Not Found\n");
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
