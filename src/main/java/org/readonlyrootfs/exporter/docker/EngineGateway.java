package org.readonlyrootfs.exporter.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.core.LocalDirectorySSLConfig;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DockerGateway}: the request/response calls go over {@link EngineClient} (a small HTTP/1.1
 * client, keep-alive, whose answers' JSON is read field by field, see {@link DockerJson}); the events
 * stream over docker-java's client with its zerodep transport. No API
 * version is pinned: unversioned requests work on Engine 20.10 (API 1.41) and on Docker 29 (which
 * refuses &lt; 1.44). Every request is a GET.
 */
public final class EngineGateway implements DockerGateway {
    private static final Logger LOG = LoggerFactory.getLogger(EngineGateway.class);
    private static final java.util.regex.Pattern LONG_TOKEN = java.util.regex.Pattern.compile("[A-Za-z0-9+/=]{40,}");

    private final DockerEndpoint endpoint;
    private final RequestListener requests;
    private final CallDeadline deadline;
    private EngineClient http; // guarded by this

    public EngineGateway(DockerEndpoint endpoint, RequestListener listener) {
        this.endpoint = endpoint;
        this.requests = listener;
        this.deadline = new CallDeadline(endpoint.timeout());
    }

    @Override
    public DaemonInfo info() {
        return get("info", "/info", DockerJson::info);
    }

    @Override
    public List<ContainerSummary> listContainers() {
        return listContainers(c -> { });
    }

    @Override
    public List<ContainerSummary> listContainers(Consumer<ContainerSummary> each) {
        return get("list", "/containers/json?all=1", body -> DockerJson.containers(body, each));
    }

    @Override
    public List<SwarmService> listServices() {
        return get("services", "/services", DockerJson::services);
    }

    @Override
    public Optional<ContainerDetails> inspect(String containerId) {
        return inspect(containerId, DockerJson::container);
    }

    @Override
    public Optional<Boolean> readonlyRootfs(String containerId) {
        return inspect(containerId, DockerJson::readonlyRootfs);
    }

    @Override
    public Optional<RuntimeFacts> runtimeFacts(String containerId) {
        return inspect(containerId, ChangesJson::runtimeFacts);
    }

    @Override
    public Optional<Long> changes(String containerId, ChangeSink sink) {
        return ofContainer("changes", containerId, "/changes", body -> {
            try {
                return ChangesJson.changes(body, sink);
            } catch (ChangesJson.Malformed e) {
                throw new DockerApiError("GET /containers/" + shortId(containerId) + "/changes gave an unreadable"
                        + " answer: " + e.getMessage(), null);
            }
        });
    }

    private <T> Optional<T> inspect(String containerId, BodyReader<T> reader) {
        return ofContainer("inspect", containerId, "/json", reader);
    }

    /** {@code GET /containers/{id}<suffix>}; empty when the container is gone (404). */
    private <T> Optional<T> ofContainer(String operation, String containerId, String suffix, BodyReader<T> reader) {
        if (!isContainerId(containerId)) {
            throw new DockerApiError("refusing to " + operation + " a container id with unexpected characters",
                    null);
        }
        try {
            return Optional.of(get(operation, "/containers/" + containerId + suffix, reader));
        } catch (ContainerGone e) {
            return Optional.empty();
        }
    }

    @Override
    public AutoCloseable followEvents(long sinceEpochSeconds, EventListener listener) {
        DockerClient stream;
        try {
            // a client of its own: the stream has no response deadline and must not share the pool
            stream = newEventsClient();
        } catch (DockerException e) {
            listener.ended(e.getMessage());
            return () -> { };
        }
        requests.requestSent("events");
        EventStream callback = new EventStream(stream, listener, endpoint.host());
        try {
            stream.eventsCmd()
                    .withEventTypeFilter(EventType.CONTAINER)
                    .withSince(Long.toString(sinceEpochSeconds))
                    .exec(callback);
        } catch (RuntimeException e) {
            callback.end("cannot follow events at " + endpoint.host() + ": " + describe(e));
        }
        return callback;
    }

    /** Adapts docker-java's callback; {@code onError} and {@code onComplete} both fire: end once. */
    private static final class EventStream extends ResultCallback.Adapter<Event> {
        private final DockerClient client;
        private final EventListener listener;
        private final String host;
        private final AtomicBoolean ended = new AtomicBoolean();

        EventStream(DockerClient client, EventListener listener, String host) {
            this.client = client;
            this.listener = listener;
            this.host = host;
        }

        @Override
        public void onStart(Closeable stream) {
            super.onStart(stream);
            listener.connected();
        }

        @Override
        public void onNext(Event e) {
            if (e == null || e.getActor() == null || e.getActor().getId() == null || e.getAction() == null) {
                return;
            }
            if (e.getType() != null && e.getType() != EventType.CONTAINER) {
                return;
            }
            long nanos = e.getTimeNano() != null ? e.getTimeNano()
                    : e.getTime() != null ? e.getTime() * 1_000_000_000L : 0;
            listener.event(new ContainerEvent(e.getAction(), e.getActor().getId(), nanos));
        }

        @Override
        public void onError(Throwable t) {
            end("events stream from " + host + " failed: " + describe(t));
        }

        @Override
        public void onComplete() {
            end("events stream from " + host + " ended");
        }

        void end(String reason) {
            if (ended.compareAndSet(false, true)) {
                closeQuietly();
                listener.ended(reason);
            }
        }

        @Override
        public void close() {
            end("events stream closed");
        }

        private void closeQuietly() {
            try {
                super.close();
            } catch (IOException | RuntimeException e) {
                LOG.debug("closing events stream: {}", e.toString());
            }
            try {
                client.close();
            } catch (IOException | RuntimeException e) {
                LOG.debug("closing events client: {}", e.toString());
            }
        }
    }

    @Override
    public synchronized void close() {
        dropClient();
        deadline.close();
    }

    private interface BodyReader<T> {
        T read(InputStream body) throws IOException;
    }

    private static final class ContainerGone extends RuntimeException {
        ContainerGone() {
            super(null, null, false, false);
        }
    }

    /** One GET with its own deadline; errors become one-line {@link DockerException}s. */
    private <T> T get(String operation, String path, BodyReader<T> reader) {
        EngineClient c = client();
        String what = "GET " + shortPath(path);
        requests.requestSent(operation);
        Callable<T> task = () -> {
            try (EngineResponse response = c.get(path)) {
                int status = response.status();
                if (status == 404 && (operation.equals("inspect") || operation.equals("changes"))) {
                    throw new ContainerGone();
                }
                if (status < 200 || status > 299) {
                    throw new DockerApiError(what + " failed with HTTP " + status + ": "
                            + DockerJson.errorMessage(response.body().readNBytes(4096)), null);
                }
                return reader.read(response.body());
            }
        };
        try {
            return deadline.call(what, task);
        } catch (ContainerGone | DockerException e) {
            throw e;
        } catch (Exception e) {
            throw new DockerException("cannot reach the Docker daemon at " + endpoint.host() + " (" + what + "): "
                    + tlsHint(e) + describe(e), e);
        }
    }

    private synchronized EngineClient client() {
        if (http == null) {
            SSLContext tls = null;
            if (endpoint.tlsVerify()) {
                try {
                    tls = new LocalDirectorySSLConfig(endpoint.certPath()).getSSLContext();
                } catch (Exception e) {
                    throw new DockerException("cannot set up the connection to " + endpoint.host() + ": TLS files "
                            + certFiles() + " unusable: " + describe(e), e);
                }
            }
            try {
                http = new EngineClient(endpoint.host(), tls, endpoint.timeout());
            } catch (IllegalArgumentException e) {
                throw new DockerException("invalid Docker endpoint " + endpoint.host() + ": " + describe(e), e);
            }
        }
        return http;
    }

    private synchronized void dropClient() {
        if (http != null) {
            http.close();
            http = null;
        }
    }

    private DefaultDockerClientConfig clientConfig() {
        DefaultDockerClientConfig.Builder builder = new DefaultDockerClientConfig.Builder()
                .withDockerHost(endpoint.host())
                .withDockerTlsVerify(endpoint.tlsVerify());
        if (!endpoint.certPath().isEmpty()) {
            builder.withDockerCertPath(endpoint.certPath());
        }
        try {
            return builder.build();
        } catch (RuntimeException e) {
            throw new DockerException("invalid Docker endpoint " + endpoint.host() + ": " + describe(e), e);
        }
    }

    /** The events stream's transport: a connection of its own, with no response deadline. */
    private DockerHttpClient newEventsTransport() {
        try {
            ZerodepDockerHttpClient.Builder b = new ZerodepDockerHttpClient.Builder()
                    .dockerHost(URI.create(endpoint.host()))
                    .sslConfig(endpoint.tlsVerify() ? new LocalDirectorySSLConfig(endpoint.certPath()) : null)
                    .connectionTimeout(endpoint.timeout())
                    .maxConnections(2);
            return b.build();
        } catch (RuntimeException e) {
            throw new DockerException("cannot set up the connection to " + endpoint.host() + ": "
                    + (endpoint.tlsVerify() ? "TLS files " + certFiles() + " unusable: " : "") + describe(e), e);
        }
    }

    /** A docker-java client for the events stream, over a pool of its own with no response deadline. */
    private DockerClient newEventsClient() {
        return DockerClientImpl.getInstance(clientConfig(), newEventsTransport());
    }

    /** For a failed TLS handshake: which files to check. Empty for other failures. */
    private String tlsHint(Throwable e) {
        for (Throwable t = e; endpoint.tlsVerify() && t != null && t.getCause() != t; t = t.getCause()) {
            // with TLS 1.3 a daemon that refuses our client certificate often just drops the connection
            if (t instanceof IOException && t.getMessage() != null
                    && (t.getMessage().contains("Broken pipe") || t.getMessage().contains("Connection reset"))) {
                return "connection dropped during TLS, the daemon may refuse the client certificate: check "
                        + certFiles() + ": ";
            }
        }
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException || t instanceof java.security.cert.CertificateException) {
                return "TLS handshake failed, check " + certFiles() + ": ";
            }
        }
        return "";
    }

    private String certFiles() {
        return "ca.pem, cert.pem and key.pem in " + endpoint.certPath();
    }

    /**
     * The deepest message in a cause chain, on one line. Long base64 runs are cut out: a message about
     * a key or certificate file must not carry its content into a log or the landing page.
     */
    static String describe(Throwable e) {
        Throwable t = e;
        String message = null;
        while (t != null) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getClass().getSimpleName() + ": " + t.getMessage();
            }
            if (t.getCause() == t) {
                break;
            }
            t = t.getCause();
        }
        if (message == null) {
            message = e.getClass().getSimpleName();
        }
        // base64 (PEM) has capitals; container ids and digests (lower-case hex) stay
        message = LONG_TOKEN.matcher(message).replaceAll(m -> m.group().chars().anyMatch(Character::isUpperCase)
                ? "[…]" : m.group());
        return message.replaceAll("\\s+", " ").trim();
    }

    /** [A-Za-z0-9_.-]+: an id or a name, nothing that could change the request's path. */
    static boolean isContainerId(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
                    || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** {@code /containers/<12 hex>/json} for a log line: the full id says nothing more. */
    private static String shortPath(String path) {
        if (!path.startsWith("/containers/")) {
            return path;
        }
        int slash = path.indexOf('/', 12);
        return slash < 0 ? path : "/containers/" + shortId(path.substring(12, slash)) + path.substring(slash);
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
