package org.readonlyrootfs.exporter.testing;

import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The repository's socket proxy, {@code deploy/socket-proxy/haproxy.cfg}, run by Debian's {@code haproxy}
 * (missing: the test fails with a hint) in front of a daemon's unix socket, serving its own socket in a
 * fresh directory; its stderr (one line per refused request) goes to {@link #log()}. {@link #raw} sends
 * bytes as they are over that socket, no client library normalising them on the way.
 */
public final class SocketProxy implements AutoCloseable {
    public static final Path CONFIG = Path.of("deploy/socket-proxy/haproxy.cfg");

    private final Path dir;
    private final Path socket;
    private final Process process;

    private SocketProxy(Path dir, Path socket, Process process) {
        this.dir = dir;
        this.socket = socket;
        this.process = process;
    }

    /** haproxy with the repository's configuration in front of {@code daemonSocket}. */
    public static SocketProxy start(Path daemonSocket) {
        return start(daemonSocket, CONFIG);
    }

    /** haproxy with {@code config} (e.g. a copy with other timeouts) in front of {@code daemonSocket}. */
    public static SocketProxy start(Path daemonSocket, Path config) {
        Path haproxy = Tools.require("haproxy");
        Path dir;
        try {
            dir = Files.createTempDirectory(Path.of("/tmp"), "rre-proxy-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path socket = dir.resolve("docker.sock");
        ProcessBuilder pb = new ProcessBuilder(
                        haproxy.toString(), "-f", config.toAbsolutePath().toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("haproxy.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().put("DOCKER_SOCKET", daemonSocket.toString());
        pb.environment().put("PROXY_SOCKET", socket.toString());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AssertionError("cannot start " + haproxy + ": " + e, e);
        }
        SocketProxy proxy = new SocketProxy(dir, socket, p);
        try {
            await("haproxy serving " + socket)
                    .atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        if (!p.isAlive()) {
                            throw new AssertionError("haproxy exited (" + p.exitValue() + "): " + proxy.log());
                        }
                        return Files.exists(socket);
                    });
        } catch (ConditionTimeoutException | AssertionError e) {
            proxy.close();
            throw new AssertionError("haproxy did not start: " + proxy.log(), e);
        }
        return proxy;
    }

    /** {@code unix:///tmp/rre-proxy-XXXX/docker.sock}, for {@code docker.host}. */
    public String host() {
        return "unix://" + socket;
    }

    public Path socket() {
        return socket;
    }

    public Path dir() {
        return dir;
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /** haproxy's output so far: refusals and errors, one line each. */
    public String log() {
        try {
            Path log = dir.resolve("haproxy.log");
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read the log: " + e + ")";
        }
    }

    /** An answer: the status codes of the complete responses read, in order, and everything read. */
    public record Answer(List<Integer> statuses, String text) {
        /** The first response's status, -1 if none came. */
        public int status() {
            return statuses.isEmpty() ? -1 : statuses.get(0);
        }
    }

    /**
     * Writes {@code request} as is on a new connection to {@code socket}, then reads until {@code responses}
     * complete responses came (framed by Content-Length or chunked), the peer closed, or {@code quiet} passed
     * without a byte.
     */
    public static Answer raw(Path socket, String request, int responses, Duration quiet) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            OutputStream out = Channels.newOutputStream(ch);
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            // a unix channel has no read timeout: a watchdog shuts the input down after `quiet`
            InputStream in = Channels.newInputStream(ch);
            byte[] buf = new byte[8192];
            ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
            List<Integer> statuses = List.of();
            try {
                while (statuses.size() < responses) {
                    ScheduledFuture<?> timer = watchdog.schedule(
                            () -> {
                                try {
                                    ch.shutdownInput();
                                } catch (IOException e) {
                                    // closed already
                                }
                            },
                            quiet.toMillis(),
                            TimeUnit.MILLISECONDS);
                    int n;
                    try {
                        n = in.read(buf);
                    } catch (IOException e) {
                        n = -1;
                    } finally {
                        timer.cancel(false);
                    }
                    if (n < 0) {
                        break;
                    }
                    got.write(buf, 0, n);
                    statuses = complete(got.toString(StandardCharsets.ISO_8859_1));
                }
            } finally {
                watchdog.shutdownNow();
            }
            return new Answer(statuses, got.toString(StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new AssertionError("cannot send to " + socket + ": " + e, e);
        }
    }

    private static final Pattern STATUS_LINE = Pattern.compile("^HTTP/1\\.[01] (\\d{3})[^\\r\\n]*\\r\\n");
    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)\\s*$");
    private static final Pattern CHUNKED = Pattern.compile("(?im)^transfer-encoding:\\s*chunked\\s*$");

    /** The statuses of the complete responses at the start of {@code text}. */
    private static List<Integer> complete(String text) {
        List<Integer> statuses = new ArrayList<>();
        int at = 0;
        while (true) {
            String rest = text.substring(at);
            Matcher status = STATUS_LINE.matcher(rest);
            int headEnd = rest.indexOf("\r\n\r\n");
            if (!status.find() || headEnd < 0) {
                return statuses;
            }
            String head = rest.substring(0, headEnd + 2);
            int bodyStart = headEnd + 4;
            int code = Integer.parseInt(status.group(1));
            Matcher length = CONTENT_LENGTH.matcher(head);
            int end;
            if (code == 204 || code == 304 || code / 100 == 1) {
                end = bodyStart;
            } else if (length.find()) {
                end = bodyStart + Integer.parseInt(length.group(1));
            } else if (CHUNKED.matcher(head).find()) {
                int last = rest.indexOf("\r\n0\r\n\r\n", bodyStart - 2);
                end = last < 0 ? Integer.MAX_VALUE : last + 7;
            } else {
                return statuses; // until the peer closes
            }
            if (end > rest.length()) {
                return statuses;
            }
            statuses.add(code);
            at += end;
        }
    }

    /** {@link #raw(Path, String, int, Duration)} on this proxy's socket, for one response. */
    public Answer raw(String request) {
        return raw(socket, request, 1, Duration.ofSeconds(3));
    }

    /** The proxy's log lines of refused requests ({@code socket-proxy: 403 ...}). */
    public List<String> refusals() {
        return log().lines().filter(l -> l.contains("socket-proxy: 403 ")).toList();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("[SocketProxy] cannot delete " + dir + ": " + e);
        }
    }
}
