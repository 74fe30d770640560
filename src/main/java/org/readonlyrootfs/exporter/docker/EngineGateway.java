package org.readonlyrootfs.exporter.docker;

import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.readonlyrootfs.exporter.security.ClientTls;
import org.readonlyrootfs.exporter.security.Pem;

/**
 * {@link DockerGateway} over docker-java's transport ({@link EngineTransport}: keep-alive, unix socket,
 * TCP or TLS) whose answers' JSON is read field by field (see {@link DockerJson}): the request/response
 * calls share its pool of connections, each with its own deadline ({@link CallDeadline}); the events
 * stream has a connection and a thread of its own (see {@link EventStream}). The TLS material is read
 * with {@link ClientTls} and handed to the transport as its {@code SSLConfig}. No API version is pinned:
 * unversioned requests work on Engine 20.10 (API 1.41) and on Docker 29 (which refuses &lt; 1.44).
 * Every request is a GET.
 */
public final class EngineGateway implements DockerGateway {
    /** {@code {"type":["container"]}}, URL-encoded. */
    private static final String CONTAINER_EVENTS =
            URLEncoder.encode("{\"type\":[\"container\"]}", StandardCharsets.UTF_8);

    private static final java.util.regex.Pattern LONG_TOKEN = java.util.regex.Pattern.compile("[A-Za-z0-9+/=]{40,}");

    private final DockerEndpoint endpoint;
    private final RequestListener requests;
    private final CallDeadline deadline;
    private final Set<EventStream> streams = ConcurrentHashMap.newKeySet();
    private EngineTransport http; // guarded by this

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
        return listContainers(c -> {});
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
        // counted apart from the scans' inspects: "inspect" stays one per container never seen before
        return ofContainer("plan_inspect", containerId, "/json", ChangesJson::runtimeFacts);
    }

    @Override
    public Optional<Long> changes(String containerId, ChangeSink sink) {
        return ofContainer("changes", containerId, "/changes", body -> {
            try {
                return ChangesJson.changes(body, sink);
            } catch (ChangesJson.Malformed e) {
                throw new DockerApiError(
                        "GET /containers/" + shortId(containerId) + "/changes gave an unreadable" + " answer: "
                                + e.getMessage(),
                        null);
            }
        });
    }

    private <T> Optional<T> inspect(String containerId, BodyReader<T> reader) {
        return ofContainer("inspect", containerId, "/json", reader);
    }

    /** {@code GET /containers/{id}<suffix>}; empty when the container is gone (404). */
    private <T> Optional<T> ofContainer(String operation, String containerId, String suffix, BodyReader<T> reader) {
        if (!isContainerId(containerId)) {
            throw new DockerApiError("refusing to " + operation + " a container id with unexpected characters", null);
        }
        try {
            return Optional.of(get(operation, "/containers/" + containerId + suffix, reader));
        } catch (ContainerGone e) {
            return Optional.empty();
        }
    }

    @Override
    public AutoCloseable followEvents(long sinceEpochSeconds, EventListener listener) {
        EngineTransport.Stream c;
        try {
            c = client().stream();
        } catch (DockerException e) {
            listener.ended(e.getMessage());
            return () -> {};
        }
        String path = "/events?since=" + sinceEpochSeconds + "&filters=" + CONTAINER_EVENTS;
        EventStream stream = new EventStream(
                c,
                path,
                "GET /events",
                listener,
                deadline,
                this::eventsFailed,
                "events stream from " + endpoint.host() + " ended",
                streams::remove,
                requests);
        streams.add(stream);
        stream.start();
        return stream;
    }

    private String eventsFailed(Throwable e) {
        String why = e instanceof DockerException || e instanceof DockerJson.MalformedEvents
                ? e.getMessage()
                : tlsHint(e) + describe(e);
        return "events stream from " + endpoint.host() + " failed: " + why;
    }

    @Override
    public void close() {
        streams.forEach(EventStream::close);
        synchronized (this) {
            dropClient();
            deadline.close();
        }
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
        requests.requestSent(operation);
        long started = System.nanoTime();
        boolean ok = false;
        String what = "GET " + shortPath(path);
        try {
            EngineTransport c = client();
            CallDeadline.Body<T> task = abort -> {
                try (DockerHttpClient.Response response = c.get(path)) {
                    abort.onDeadline(response::close); // closes its connection: ends a body read on TCP too
                    int status = response.getStatusCode();
                    if (status == 404
                            && (operation.equals("inspect")
                                    || operation.equals("plan_inspect")
                                    || operation.equals("changes"))) {
                        response.getBody().close(); // read to its end: the connection serves the next call
                        throw new ContainerGone();
                    }
                    try (InputStream body = response.getBody()) {
                        if (status < 200 || status > 299) {
                            throw new DockerApiError(
                                    what + " failed with HTTP " + status + ": "
                                            + DockerJson.errorMessage(body.readNBytes(4096)),
                                    null);
                        }
                        return reader.read(body);
                    } // closed: the rest is read, so that the connection serves the next call
                }
            };
            T answer = deadline.call(what, task);
            ok = true;
            return answer;
        } catch (ContainerGone e) {
            ok = true; // the daemon answered: the container is gone
            throw e;
        } catch (DockerException e) {
            throw e;
        } catch (Exception e) {
            throw new DockerException(
                    "cannot reach the Docker daemon at " + endpoint.host() + " (" + what + "): " + tlsHint(e)
                            + describe(e),
                    e);
        } finally {
            requests.requestDone(operation, System.nanoTime() - started, ok);
        }
    }

    private synchronized EngineTransport client() {
        if (http == null) {
            SSLContext tls = null;
            if (endpoint.tlsVerify()) {
                Path dir = Path.of(endpoint.certPath());
                try {
                    tls = ClientTls.context(dir.resolve("ca.pem"), dir.resolve("cert.pem"), dir.resolve("key.pem"));
                } catch (Pem.PemException e) {
                    throw new DockerException(
                            "cannot set up the connection to " + endpoint.host() + ": TLS files " + certFiles()
                                    + " unusable: " + e.getMessage(),
                            e);
                } catch (GeneralSecurityException | RuntimeException e) {
                    throw new DockerException(
                            "cannot set up the connection to " + endpoint.host() + ": TLS files " + certFiles()
                                    + " unusable: " + describe(e),
                            e);
                }
            }
            try {
                http = new EngineTransport(endpoint.host(), tls, endpoint.timeout());
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

    /** For a failed TLS handshake: which files to check. Empty for other failures. */
    private String tlsHint(Throwable e) {
        for (Throwable t = e; endpoint.tlsVerify() && t != null && t.getCause() != t; t = t.getCause()) {
            // with TLS 1.3 a daemon that refuses our client certificate often just drops the connection
            if (t instanceof IOException
                    && t.getMessage() != null
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
        message = LONG_TOKEN
                .matcher(message)
                .replaceAll(m -> m.group().chars().anyMatch(Character::isUpperCase) ? "[…]" : m.group());
        return message.replaceAll("\\s+", " ").trim();
    }

    /** [A-Za-z0-9_.-]+: an id or a name, nothing that could change the request's path. */
    static boolean isContainerId(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z'
                    || c >= 'A' && c <= 'Z'
                    || c >= '0' && c <= '9'
                    || c == '_'
                    || c == '.'
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
