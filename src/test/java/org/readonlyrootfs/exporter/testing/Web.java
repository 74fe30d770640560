package org.readonlyrootfs.exporter.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/** What the web-facing integration tests share: a user, the endpoints, HTTPS clients with or without auth. */
public final class Web {
    /** {@code htpasswd -nbBC 10 alice s3cret} */
    public static final String ALICE = "$2y$10$m4Uv927w69mRXgFuTRrJUek7yctGxrIX.8FBvRri5uBbOw9xMQ4AG";

    public static final List<String> ENDPOINTS = List.of("/", "/metrics", "/-/healthy", "/-/ready", "/nope");
    /** No daemon needed to test serving: the exporter serves docker_up 0. */
    public static final String NO_DOCKER = "unix:///nonexistent/docker.sock";

    private Web() {}

    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    public static HttpClient client(SSLContext context, String... protocols) {
        HttpClient.Builder b =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).sslContext(context);
        if (protocols.length > 0) {
            b.sslParameters(new SSLParameters(null, protocols));
        }
        return b.build();
    }

    public static HttpResponse<String> get(HttpClient client, int port, String path, String authorization)
            throws IOException {
        return send(client, "https://127.0.0.1:" + port + path, "GET", authorization);
    }

    /** {@code method} (no body) to {@code url}, with an Authorization header unless null; 10 s at most. */
    public static HttpResponse<String> send(HttpClient client, String url, String method, String authorization)
            throws IOException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        try {
            return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
