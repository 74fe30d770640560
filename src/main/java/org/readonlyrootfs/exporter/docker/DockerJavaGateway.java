package org.readonlyrootfs.exporter.docker;

import com.github.dockerjava.api.DockerClient;
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
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DockerGateway} over docker-java with the zerodep transport. No API version is pinned:
 * unversioned requests work on Engine 20.10 (API 1.41) and on Docker 29 (which refuses &lt; 1.44).
 */
public final class DockerJavaGateway implements DockerGateway {
    private static final Logger LOG = LoggerFactory.getLogger(DockerJavaGateway.class);
    private static final java.util.regex.Pattern LONG_TOKEN = java.util.regex.Pattern.compile("[A-Za-z0-9+/=]{40,}");

    private final DockerEndpoint endpoint;
    private final RequestListener listener;
    private final CallDeadline deadline;
    private DockerClient client;

    public DockerJavaGateway(DockerEndpoint endpoint, RequestListener listener) {
        this.endpoint = endpoint;
        this.listener = listener;
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
    public Optional<Boolean> readonlyRootfs(String containerId) {
        try {
            InspectContainerResponse r = call("inspect", "GET /containers/" + shortId(containerId) + "/json",
                    c -> c.inspectContainerCmd(containerId).exec());
            HostConfig hc = r.getHostConfig();
            return Optional.of(hc != null && Boolean.TRUE.equals(hc.getReadonlyRootfs()));
        } catch (ContainerGone e) {
            return Optional.empty();
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
        listener.requestSent(operation);
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
                    + tlsHint(e) + describe(e), e);
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
            http = new ZerodepDockerHttpClient.Builder()
                    .dockerHost(URI.create(endpoint.host()))
                    .sslConfig(config.getSSLConfig())
                    .connectionTimeout(endpoint.timeout())
                    .responseTimeout(endpoint.timeout())
                    .maxConnections(16)
                    .build();
        } catch (RuntimeException e) {
            throw new DockerException("cannot set up the connection to " + endpoint.host() + ": "
                    + (endpoint.tlsVerify() ? "TLS files " + certFiles() + " unusable: " : "") + describe(e), e);
        }
        return DockerClientImpl.getInstance(config, http);
    }

    /** For a failed TLS handshake: which files to check. Empty for other failures. */
    private String tlsHint(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException || t instanceof java.security.cert.CertificateException) {
                return "TLS handshake failed, check " + certFiles() + ": ";
            }
        }
        for (Throwable t = e; endpoint.tlsVerify() && t != null && t.getCause() != t; t = t.getCause()) {
            // with TLS 1.3 a daemon that refuses our client certificate often just drops the connection
            if (t instanceof java.net.SocketException && t.getMessage() != null
                    && (t.getMessage().contains("Broken pipe") || t.getMessage().contains("Connection reset"))) {
                return "connection dropped during TLS, the daemon may refuse the client certificate: check "
                        + certFiles() + ": ";
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

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
