package org.readonlyrootfs.exporter.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.expositionformats.OpenMetrics2TextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * The telemetry path. Asked for gzip, as Prometheus asks, the client library compresses as it writes.
 * Asked for an uncompressed answer, as {@code curl} asks, it first writes the whole exposition into a
 * byte array to send its length: 2.3 MB at 10,000 containers, one per scrape in flight, and garbage that
 * outlives the young generation. That answer is streamed here instead, in chunked transfer encoding:
 * the same bytes, in the same format, never held whole. Everything else (gzip, {@code HEAD}, a query such
 * as {@code name[]=} or {@code debug=}) is the library's own handler.
 */
final class MetricsEndpoint implements HttpHandler {
    private final PrometheusRegistry registry;
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final HttpHandler library;

    MetricsEndpoint(PrometheusRegistry registry) {
        this.registry = registry;
        this.library = new MetricsHandler(registry);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        ExpositionFormatWriter writer = formats.findWriter(accept);
        if (!exchange.getRequestMethod().equals("GET")
                || exchange.getRequestURI().getRawQuery() != null
                || acceptsGzip(exchange.getRequestHeaders().get("Accept-Encoding"))
                || writer instanceof OpenMetrics2TextFormatWriter) {
            library.handle(exchange);
            return;
        }
        try (exchange) {
            MetricSnapshots snapshots = registry.scrape(); // before the status line: a failure can still be a 500
            exchange.getResponseHeaders().set("Content-Type", writer.getContentType());
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = new BufferedOutputStream(exchange.getResponseBody(), BoundedWrites.PIECE)) {
                writer.write(out, snapshots, EscapingScheme.fromAcceptHeader(accept, EscapingScheme.DEFAULT));
            }
        }
    }

    /**
     * As the library decides it: a {@code gzip} among the comma-separated codings, exactly (with a
     * {@code ;q=} the library answers uncompressed, and so does this endpoint).
     */
    static boolean acceptsGzip(List<String> acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String header : acceptEncoding) {
            for (String coding : header.split(",")) {
                if (coding.trim().equalsIgnoreCase("gzip")) {
                    return true;
                }
            }
        }
        return false;
    }
}
