package org.readonlyrootfs.exporter.docker;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Loads the classes of the Engine API request path (the transport's HTTP client, the JSON reader) and
 * runs the JSON reading on {@link StandInDaemon}'s sample answers (1000 inspects, 40 lists) on a
 * background thread, while the main thread reads the configuration and starts the HTTP server: the JIT
 * compiles the path on a core the start-up leaves idle, rather than during the first scan. No request is
 * sent, no file is written; a failure here only means the first scan does that work itself. (Running the
 * whole request path against a {@link StandInDaemon} instead was measured and dropped: it ends after the
 * first scan has started, competes with it, and cost 2.7 MiB of resident memory.)
 */
public final class RequestPathWarmup {
    private static final String NOWHERE = "unix:///nonexistent/readonly-rootfs-exporter-warmup.sock";
    private static final int ROUNDS = 40;
    private static final int INSPECTS_PER_ROUND = 25;

    private RequestPathWarmup() {}

    /** Starts the warm-up on a daemon thread of its own and returns at once. */
    public static Thread start() {
        Thread t = new Thread(RequestPathWarmup::run, "request-path-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return t;
    }

    /** Returns whether every step ran (for tests: the samples must stay readable). */
    static boolean run() {
        try {
            DockerJson.info(json(StandInDaemon.INFO));
            DockerJson.errorMessage("{\"message\":\"No such container: x\"}".getBytes(StandardCharsets.UTF_8));
            // the transport's classes (its HTTP client, connection pool, request execution up to the connect,
            // which fails: no such socket, so no request is sent)
            try (EngineTransport t = new EngineTransport(NOWHERE, null, Duration.ofSeconds(1))) {
                t.get("/_ping").close();
            } catch (RuntimeException expected) {
                // no such socket
            }
            // the path a scan runs a thousand times, enough times here for the JIT to compile it now, on
            // the core the start-up leaves idle, rather than during the first scan
            byte[] list = StandInDaemon.LIST.getBytes(StandardCharsets.UTF_8);
            byte[] inspect = StandInDaemon.INSPECT.getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < ROUNDS; i++) {
                DockerJson.containers(new ByteArrayInputStream(list), s -> {});
                for (int j = 0; j < INSPECTS_PER_ROUND; j++) {
                    if (!DockerJson.readonlyRootfs(new ByteArrayInputStream(inspect))) {
                        return false;
                    }
                }
            }
            return true;
        } catch (IOException | RuntimeException | LinkageError e) {
            return false; // only a head start: the first scan loads and compiles whatever is missing
        }
    }

    private static InputStream json(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }
}
