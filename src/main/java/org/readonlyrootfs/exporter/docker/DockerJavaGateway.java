package org.readonlyrootfs.exporter.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse.ContainerState;
import com.github.dockerjava.api.model.ContainerConfig;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Info;
import com.github.dockerjava.api.model.SwarmInfo;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DockerGateway} over docker-java with the zerodep transport. No API version is pinned:
 * unversioned requests work on Engine 20.10 (API 1.41) and on Docker 29 (which refuses &lt; 1.44).
 */
public final class DockerJavaGateway implements DockerGateway {
    private static final Logger LOG = LoggerFactory.getLogger(DockerJavaGateway.class);

    private final DockerEndpoint endpoint;
    private final RequestListener requests;
    private final CallDeadline deadline;
    private DockerClient client;

    public DockerJavaGateway(DockerEndpoint endpoint, RequestListener listener) {
        this.endpoint = endpoint;
        this.requests = listener;
        this.deadline = new CallDeadline(endpoint.timeout());
    }

    @Override
    public DaemonInfo info() {
        Info info = call("info", "GET /info", c -> c.infoCmd().exec());
        SwarmInfo swarm = info.getSwarm();
        boolean manager = swarm != null && Boolean.TRUE.equals(swarm.getControlAvailable());
        return new DaemonInfo(nullToEmpty(info.getName()), nullToEmpty(info.getServerVersion()),
                nullToEmpty(info.getOperatingSystem()), manager);
    }

    @Override
    public List<ContainerSummary> listContainers() {
        List<Container> containers = call("list", "GET /containers/json?all=true",
                c -> c.listContainersCmd().withShowAll(true).exec());
        List<ContainerSummary> result = new ArrayList<>(containers.size());
        for (Container c : containers) {
            result.add(new ContainerSummary(c.getId(), name(c.getNames()), nullToEmpty(c.getImage()),
                    nullToEmpty(c.getState()), c.getLabels(), c.getCreated() == null ? 0 : c.getCreated()));
        }
        return result;
    }

    @Override
    public Optional<ContainerDetails> inspect(String containerId) {
        try {
            InspectContainerResponse r = call("inspect", "GET /containers/" + shortId(containerId) + "/json",
                    c -> c.inspectContainerCmd(containerId).exec());
            HostConfig hc = r.getHostConfig();
            ContainerConfig config = r.getConfig();
            ContainerState state = r.getState();
            return Optional.of(new ContainerDetails(
                    r.getId() == null ? containerId : r.getId(),
                    stripSlash(nullToEmpty(r.getName())),
                    config == null ? "" : nullToEmpty(config.getImage()),
                    state == null ? "" : nullToEmpty(state.getStatus()),
                    config == null ? Map.of() : config.getLabels(),
                    epochSeconds(r.getCreated()),
                    hc != null && Boolean.TRUE.equals(hc.getReadonlyRootfs())));
        } catch (ContainerGone e) {
            return Optional.empty();
        }
    }

    @Override
    public AutoCloseable followEvents(long sinceEpochSeconds, EventListener listener) {
        DockerClient stream;
        try {
            // a client of its own: the stream has no response deadline and must not share the pool
            stream = newClient(null);
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

    private interface DockerCall<T> {
        T run(DockerClient client) throws Exception;
    }

    private static final class ContainerGone extends RuntimeException {
        ContainerGone() {
            super(null, null, false, false);
        }
    }

    private <T> T call(String operation, String what, DockerCall<T> body) {
        DockerClient c = client();
        requests.requestSent(operation);
        Callable<T> task = () -> body.run(c);
        try {
            return deadline.call(what, task);
        } catch (CallDeadline.DeadlineExceeded e) {
            // the connection this call holds is stuck: later calls get fresh connections
            replaceClient(c);
            throw e;
        } catch (NotFoundException e) {
            if ("inspect".equals(operation)) {
                throw new ContainerGone();
            }
            throw new DockerApiError(what + " failed: " + describe(e), e);
        } catch (com.github.dockerjava.api.exception.DockerException e) {
            // the daemon answered, with an error status
            throw new DockerApiError(what + " failed with HTTP " + e.getHttpStatus() + ": " + describe(e), e);
        } catch (DockerException e) {
            throw e;
        } catch (Exception e) {
            throw new DockerException("cannot reach the Docker daemon at " + endpoint.host() + " (" + what + "): "
                    + describe(e), e);
        }
    }

    private synchronized DockerClient client() {
        if (client == null) {
            client = newClient();
        }
        return client;
    }

    private synchronized void replaceClient(DockerClient stuck) {
        if (client == stuck) {
            dropClient();
        }
    }

    private synchronized void dropClient() {
        if (client != null) {
            try {
                client.close();
            } catch (IOException | RuntimeException e) {
                LOG.debug("closing Docker client: {}", e.toString());
            }
            client = null;
        }
    }

    private DockerClient newClient() {
        return newClient(endpoint.timeout());
    }

    /** A client over its own connection pool; {@code responseTimeout} null for none (the events stream). */
    private DockerClient newClient(Duration responseTimeout) {
        DefaultDockerClientConfig.Builder builder = new DefaultDockerClientConfig.Builder()
                .withDockerHost(endpoint.host())
                .withDockerTlsVerify(endpoint.tlsVerify());
        if (!endpoint.certPath().isEmpty()) {
            builder.withDockerCertPath(endpoint.certPath());
        }
        DefaultDockerClientConfig config;
        try {
            config = builder.build();
        } catch (RuntimeException e) {
            throw new DockerException("invalid Docker endpoint " + endpoint.host() + ": " + describe(e), e);
        }
        DockerHttpClient http;
        try {
            ZerodepDockerHttpClient.Builder b = new ZerodepDockerHttpClient.Builder()
                    .dockerHost(URI.create(endpoint.host()))
                    .sslConfig(config.getSSLConfig())
                    .connectionTimeout(endpoint.timeout())
                    .maxConnections(16);
            if (responseTimeout != null) {
                b.responseTimeout(responseTimeout);
            }
            http = b.build();
        } catch (RuntimeException e) {
            throw new DockerException("cannot set up the connection to " + endpoint.host() + ": " + describe(e), e);
        }
        return DockerClientImpl.getInstance(config, http);
    }

    /** The deepest message in a cause chain, on one line. */
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
        return message.replaceAll("\\s+", " ").trim();
    }

    private static String name(String[] names) {
        if (names == null || names.length == 0 || names[0] == null) {
            return "";
        }
        // the list gives every name a container is reachable by (links add /other/alias): take the own one
        for (String n : names) {
            if (n != null && n.lastIndexOf('/') == 0) {
                return n.substring(1);
            }
        }
        String n = names[0];
        return n.startsWith("/") ? n.substring(1) : n;
    }

    private static String stripSlash(String name) {
        return name.startsWith("/") ? name.substring(1) : name;
    }

    private static long epochSeconds(String created) {
        if (created == null || created.isEmpty()) {
            return 0;
        }
        try {
            return Instant.parse(created).getEpochSecond();
        } catch (DateTimeParseException e) {
            return 0;
        }
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
