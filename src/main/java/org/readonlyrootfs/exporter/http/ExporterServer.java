package org.readonlyrootfs.exporter.http;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import io.prometheus.metrics.exporter.httpserver.HealthyHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.readonlyrootfs.exporter.config.EvidenceAsset;
import org.readonlyrootfs.exporter.config.WebConfig;
import org.readonlyrootfs.exporter.product.Endpoints;
import org.readonlyrootfs.exporter.scan.Snapshot;
import org.readonlyrootfs.exporter.security.Pem;
import org.readonlyrootfs.exporter.security.ReloadableTls;
import org.readonlyrootfs.exporter.security.TlsServerConfig;
import org.readonlyrootfs.exporter.security.WebSecurity;

/**
 * The HTTP endpoints: the telemetry path (Prometheus text or OpenMetrics by content negotiation),
 * {@code /} (landing page), {@code /-/healthy} (process alive), {@code /-/ready} (200 once a scan
 * has succeeded), {@code /-/reload} (POST, with {@code web.enable-lifecycle}: reload the configuration
 * files), and the evidence: {@code /findings}, {@code /checklist.cklb}, {@code /checklist.ckl}.
 * Every handler renders the current snapshot; none calls Docker.
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

    /**
     * Connections the kernel may hold for us before they are accepted. client_java's HTTPServer builder
     * fixes 3, so a burst of connections (a slowloris opening 50 at once) overflows it and a scrape's
     * connect then waits a second for its SYN to be sent again: we make the server ourselves.
     */
    static final int BACKLOG = 512;

    /** Says why {@code POST /-/reload} is refused without {@code web.enable-lifecycle}. */
    static final String LIFECYCLE_DISABLED = "Lifecycle API is not enabled: start the exporter with"
            + " --web.enable-lifecycle (or set web.enable-lifecycle = true) to reload by POST " + Endpoints.RELOAD
            + "; SIGHUP reloads without it.\n";

    private final HttpServer server;
    private final ThreadPoolExecutor workers;
    private final ReloadableAuth auth;
    private final ReloadableTls tls; // null: plain HTTP
    private final ConfigReload reload;
    private volatile boolean lifecycle;

    private ExporterServer(
            HttpServer server,
            ThreadPoolExecutor workers,
            ReloadableAuth auth,
            ReloadableTls tls,
            ConfigReload reload,
            boolean lifecycle) {
        this.server = server;
        this.workers = workers;
        this.auth = auth;
        this.tls = tls;
        this.reload = reload;
        this.lifecycle = lifecycle;
    }

    public static ExporterServer start(WebConfig web, PrometheusRegistry registry, Supplier<Snapshot> snapshots)
            throws IOException {
        return start(
                web,
                registry,
                snapshots,
                Clock.systemUTC(),
                () -> EvidenceAsset.DEFAULT,
                trigger -> new ReloadOutcome(
                        false, List.of("this server has no configuration files to reload"), List.of()));
    }

    /**
     * As above; {@code clock} dates the evidence ({@code /findings}, checklists), {@code asset} is the
     * asset the checklists name (read on every request), {@code POST /-/reload} (when {@code
     * web.enableLifecycle()}) calls {@code reload}.
     */
    public static ExporterServer start(
            WebConfig web,
            PrometheusRegistry registry,
            Supplier<Snapshot> snapshots,
            Clock clock,
            Supplier<EvidenceAsset> asset,
            ConfigReload reload)
            throws IOException {
        ExporterServer exporterServer = create(web, reload);
        exporterServer.serve(
                registry,
                web.telemetryPath(),
                exchange -> route(exchange, snapshots.get(), web.telemetryPath(), clock, asset.get()));
        return exporterServer;
    }

    /**
     * The authorization plugin's web server ({@code readonly-rootfs-exporter authz}): the same hardened
     * server, TLS, basic auth and reload as the exporter's, with the telemetry path, {@code /-/healthy},
     * {@code /-/reload}, and its own landing page and {@code /-/ready} ({@code ready} says why not, or is
     * empty when ready).
     */
    public static ExporterServer startPlugin(
            WebConfig web, PrometheusRegistry registry, Supplier<PluginPage.State> state, ConfigReload reload)
            throws IOException {
        ExporterServer server = create(web, reload);
        server.serve(
                registry,
                web.telemetryPath(),
                exchange -> PluginPage.route(exchange, state.get(), web.telemetryPath()));
        return server;
    }

    /** A server bound to {@code web}'s address, with its TLS and users, not yet serving. */
    private static ExporterServer create(WebConfig web, ConfigReload reload) throws IOException {
        WebSecurity security = web.security();
        InetSocketAddress address = web.host().isEmpty()
                ? new InetSocketAddress(web.port())
                : new InetSocketAddress(web.host(), web.port());
        HttpServer server;
        ReloadableTls tls = null;
        if (security.tls().isPresent()) {
            try {
                tls = ReloadableTls.of(security.tls().get());
            } catch (Pem.PemException | GeneralSecurityException e) {
                // validated at start-up: only a file changed since then gets here
                throw new IOException("cannot set up TLS from " + security.file() + ": " + e.getMessage());
            }
            HttpsServer https = HttpsServer.create(address, BACKLOG);
            https.setHttpsConfigurator(tls.configurator());
            server = https;
        } else {
            server = HttpServer.create(address, BACKLOG);
        }
        ReloadableAuth auth = new ReloadableAuth(security.basicAuthUsers());
        return new ExporterServer(server, workers(), auth, tls, reload, web.enableLifecycle());
    }

    /** The endpoints every server has, {@code landing} on {@code /} and every path not served otherwise. */
    private void serve(PrometheusRegistry registry, String telemetryPath, HttpHandler landing) {
        context(server, Endpoints.LANDING, landing, auth);
        context(server, telemetryPath, new MetricsEndpoint(registry), auth);
        context(server, Endpoints.HEALTHY, new HealthyHandler(), auth);
        context(server, Endpoints.RELOAD, this::reload, auth);
        server.setExecutor(workers);
        server.start();
    }

    private static void context(HttpServer server, String path, HttpHandler handler, Authenticator auth) {
        HttpContext c = server.createContext(path, handler);
        c.getFilters().add(new BoundedWrites());
        c.setAuthenticator(auth);
    }

    /**
     * A reloaded web configuration, loaded (its TLS files read) but not yet in effect: {@link #apply()}
     * makes it so. Throws, changing nothing, if a TLS file cannot be loaded.
     */
    public Update prepare(WebConfig next) throws IOException {
        List<String> restart = new ArrayList<>();
        ReloadableTls.Loaded loaded = null;
        Optional<TlsServerConfig> nextTls = next.security().tls();
        if (tls == null && nextTls.isPresent()) {
            restart.add("web.config.file: tls_server_config (serving HTTPS instead of plain HTTP)");
        } else if (tls != null && nextTls.isEmpty()) {
            restart.add("web.config.file: no tls_server_config (serving plain HTTP instead of HTTPS; HTTPS with the"
                    + " certificate in effect goes on)");
        } else if (tls != null) {
            try {
                loaded = ReloadableTls.load(nextTls.get());
            } catch (Pem.PemException | GeneralSecurityException e) {
                throw new IOException("web.config.file [" + next.security().file()
                        + "]: tls_server_config cannot be loaded: " + e.getMessage());
            }
        }
        return new Update(next, loaded, restart);
    }

    /** See {@link #prepare(WebConfig)}. */
    public final class Update {
        private final WebConfig next;
        private final ReloadableTls.Loaded loaded;
        private final List<String> restartNeeded;

        private Update(WebConfig next, ReloadableTls.Loaded loaded, List<String> restartNeeded) {
            this.next = next;
            this.loaded = loaded;
            this.restartNeeded = List.copyOf(restartNeeded);
        }

        /** What of the web config file cannot change while the server runs. */
        public List<String> restartNeeded() {
            return restartNeeded;
        }

        /** New connections get the new TLS, every request from now on the new users and lifecycle switch. */
        public void apply() {
            if (loaded != null) {
                tls.apply(loaded);
            }
            auth.users(next.security().basicAuthUsers());
            lifecycle = next.enableLifecycle();
        }
    }

    /** {@code POST /-/reload}: 405 for other methods, 403 without {@code web.enable-lifecycle}, else 200 or 500. */
    private void reload(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestURI().getPath().equals(Endpoints.RELOAD)) {
                send(exchange, 404, "text/plain; charset=utf-8", "Not Found\n");
            } else if (!exchange.getRequestMethod().equals("POST")) {
                exchange.getResponseHeaders().set("Allow", "POST");
                send(
                        exchange,
                        405,
                        "text/plain; charset=utf-8",
                        "Method Not Allowed: " + Endpoints.RELOAD + " takes POST\n");
            } else if (!lifecycle) {
                send(exchange, 403, "text/plain; charset=utf-8", LIFECYCLE_DISABLED);
            } else {
                ReloadOutcome outcome = reload.reload("POST " + Endpoints.RELOAD);
                send(exchange, outcome.successful() ? 200 : 500, "text/plain; charset=utf-8", outcome.body());
            }
        }
    }

    /**
     * Bounded: {@link #WORKERS} threads, made only when none is idle and ended after 10 s idle; {@link
     * #QUEUE} waiting.
     */
    private static ThreadPoolExecutor workers() {
        return WorkerPool.create(WORKERS, QUEUE, 10, TimeUnit.SECONDS, "http-worker");
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void route(
            HttpExchange exchange, Snapshot snapshot, String telemetryPath, Clock clock, EvidenceAsset asset)
            throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain; charset=utf-8", "Method Not Allowed\n");
                return;
            }
            String path = exchange.getRequestURI().getPath();
            switch (path) {
                case Endpoints.LANDING ->
                    send(exchange, 200, "text/html; charset=utf-8", LandingPage.render(snapshot, telemetryPath));
                case Endpoints.READY -> {
                    if (snapshot.everSucceeded()) {
                        send(exchange, 200, "text/plain; charset=utf-8", "Exporter is Ready.\n");
                    } else {
                        send(
                                exchange,
                                503,
                                "text/plain; charset=utf-8",
                                "Not ready: no scan has succeeded yet (" + snapshot.lastError() + ")\n");
                    }
                }
                default -> {
                    EvidenceEndpoint.Response evidence = EvidenceEndpoint.of(
                            path,
                            snapshot,
                            clock.instant(),
                            asset,
                            EvidenceEndpoint.findingsUrl(
                                    exchange instanceof HttpsExchange,
                                    exchange.getRequestHeaders().getFirst("Host")));
                    if (evidence == null) {
                        send(exchange, 404, "text/plain; charset=utf-8", "Not Found\n");
                    } else {
                        if (evidence.fileName() != null) {
                            exchange.getResponseHeaders()
                                    .set("Content-Disposition", "attachment; filename=\"" + evidence.fileName() + "\"");
                        }
                        send(exchange, evidence.status(), evidence.contentType(), evidence.body());
                    }
                }
            }
        }
    }

    static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
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
        server.stop(0);
        workers.shutdownNow();
    }
}
