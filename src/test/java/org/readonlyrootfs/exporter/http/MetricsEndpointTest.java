package org.readonlyrootfs.exporter.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {
    private static final int SERIES = 20_000;
    private final HttpClient http = HttpClient.newHttpClient();
    private HttpServer server;

    @BeforeEach
    void start() throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register((MultiCollector) () -> {
            GaugeSnapshot.Builder g =
                    GaugeSnapshot.builder().name("test_container").help("one per container");
            for (int i = 0; i < SERIES; i++) {
                g.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                        .labels(Labels.of("container_name", "c-" + i, "note", "quote \" backslash \\ newline \n"))
                        .value(i % 2)
                        .build());
            }
            GaugeSnapshot.Builder up = GaugeSnapshot.builder().name("test_up").help("up");
            up.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(1).build());
            return MetricSnapshots.of(g.build(), up.build());
        });
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/metrics", new MetricsEndpoint(registry))
                .getFilters()
                .add(new BoundedWrites());
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void theUncompressedAnswerIsStreamedAndIsByteForByteWhatTheLibraryWritesCompressed() throws Exception {
        HttpResponse<byte[]> plain = get(List.of());
        HttpResponse<byte[]> gzip = get(List.of("Accept-Encoding", "gzip"));
        assertEquals(200, plain.statusCode());
        assertEquals(200, gzip.statusCode());
        assertEquals("chunked", plain.headers().firstValue("Transfer-Encoding").orElse(""), "streamed, not buffered");
        assertFalse(plain.headers().firstValue("Content-Length").isPresent());
        assertEquals("gzip", gzip.headers().firstValue("Content-Encoding").orElse(""));
        assertEquals(
                gzip.headers().firstValue("Content-Type"), plain.headers().firstValue("Content-Type"), "same format");
        assertTrue(plain.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        assertArrayEquals(gunzip(gzip.body()), plain.body());
        String text = new String(plain.body(), StandardCharsets.UTF_8);
        assertEquals(
                SERIES,
                text.lines().filter(l -> l.startsWith("test_container{")).count());
        assertTrue(text.contains("note=\"quote \\\" backslash \\\\ newline \\n\""), "escaped as by the library");
    }

    @Test
    void openMetricsIsNegotiatedOnTheStreamedPathToo() throws Exception {
        HttpResponse<byte[]> om = get(List.of("Accept", "application/openmetrics-text; version=1.0.0"));
        assertTrue(om.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
        String text = new String(om.body(), StandardCharsets.UTF_8);
        assertTrue(text.endsWith("# EOF\n"), text.substring(text.length() - 40));
        HttpResponse<byte[]> omGzip = get(
                List.of("Accept", "application/openmetrics-text; version=1.0.0", "Accept-Encoding", "deflate, gzip"));
        assertArrayEquals(gunzip(omGzip.body()), om.body());
    }

    @Test
    void headAndQueriesAreTheLibrarysOwn() throws Exception {
        HttpResponse<Void> head = http.send(
                HttpRequest.newBuilder(uri("/metrics"))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        assertEquals(200, head.statusCode());
        assertTrue(
                head.headers().firstValue("Content-Length").isPresent(),
                head.headers().map().toString());
        HttpResponse<String> filtered = http.send(
                HttpRequest.newBuilder(uri("/metrics?name[]=test_up")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, filtered.statusCode());
        assertTrue(filtered.body().contains("test_up 1.0"), filtered.body());
        assertFalse(filtered.body().contains("test_container"), "filtered by the library");
    }

    @Test
    void gzipIsRecognisedAsTheLibraryRecognisesIt() {
        assertTrue(MetricsEndpoint.acceptsGzip(List.of("gzip")));
        assertTrue(MetricsEndpoint.acceptsGzip(List.of("deflate, GZIP")));
        assertFalse(MetricsEndpoint.acceptsGzip(List.of("gzip;q=0.5")), "the library answers this uncompressed");
        assertTrue(MetricsEndpoint.acceptsGzip(List.of("br", " gzip ")));
        assertFalse(MetricsEndpoint.acceptsGzip(null));
        assertFalse(MetricsEndpoint.acceptsGzip(List.of("identity, x-gzip2")));
    }

    private HttpResponse<byte[]> get(List<String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("/metrics"));
        for (int i = 0; i < headers.size(); i += 2) {
            b.header(headers.get(i), headers.get(i + 1));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private static byte[] gunzip(byte[] gz) throws IOException {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }
}
