package org.readonlyrootfs.exporter.http;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.function.Supplier;
import org.readonlyrootfs.exporter.config.WebConfig;
import org.readonlyrootfs.exporter.scan.Snapshot;

/**
 * The HTTP endpoints: the telemetry path (Prometheus text or OpenMetrics by content negotiation),
 * {@code /} (landing page), {@code /-/healthy} (process alive), {@code /-/ready} (200 once a scan
 * has succeeded), and the evidence: {@code /findings}, {@code /checklist.cklb}, {@code /checklist.ckl}.
 * Every handler renders the current snapshot; none calls Docker.
 */
public final class ExporterServer implements AutoCloseable {
    private final HTTPServer server;

    private ExporterServer(HTTPServer server) {
        this.server = server;
    }

    public static ExporterServer start(WebConfig web, PrometheusRegistry registry, Supplier<Snapshot> snapshots)
            throws IOException {
        return start(web, registry, snapshots, Clock.systemUTC());
    }

    /** As above; {@code clock} dates the evidence ({@code /findings}, checklists). */
    public static ExporterServer start(WebConfig web, PrometheusRegistry registry, Supplier<Snapshot> snapshots,
                                       Clock clock) throws IOException {
        HTTPServer.Builder builder = HTTPServer.builder()
                .port(web.port())
                .registry(registry)
                .metricsHandlerPath(web.telemetryPath())
                .registerHealthHandler(true)
                .defaultHandler(exchange -> route(exchange, snapshots.get(), web.telemetryPath(), clock));
        if (!web.host().isEmpty()) {
            builder.hostname(web.host());
        }
        return new ExporterServer(builder.buildAndStart());
    }

    public int port() {
        return server.getPort();
    }

    private static void route(HttpExchange exchange, Snapshot snapshot, String telemetryPath, Clock clock)
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
                case "/" -> send(exchange, 200, "text/html; charset=utf-8", LandingPage.render(snapshot, telemetryPath));
                case "/-/ready" -> {
                    if (snapshot.everSucceeded()) {
                        send(exchange, 200, "text/plain; charset=utf-8", "Exporter is Ready.\n");
                    } else {
                        send(exchange, 503, "text/plain; charset=utf-8",
                                "Not ready: no scan has succeeded yet (" + snapshot.lastError() + ")\n");
                    }
                }
                default -> {
                    EvidenceEndpoint.Response evidence = EvidenceEndpoint.of(path, snapshot, clock.instant());
                    if (evidence == null) {
                        send(exchange, 404, "text/plain; charset=utf-8", "Not Found\n");
                    } else {
                        if (evidence.fileName() != null) {
                            exchange.getResponseHeaders().set("Content-Disposition",
                                    "attachment; filename=\"" + evidence.fileName() + "\"");
                        }
                        send(exchange, evidence.status(), evidence.contentType(), evidence.body());
                    }
                }
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
