package org.readonlyrootfs.exporter.docker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Runs the whole Engine API request path (the gateway, the call deadline, docker-java's transport, the
 * JSON reading) against a {@link StandInDaemon} of its own on a loopback port, on a background thread,
 * while the main thread reads the configuration and starts the HTTP server: the classes load and the JIT
 * compiles the path on a core the start-up leaves idle, rather than during the first scan, which sends a
 * thousand such requests in a fresh JVM. It stops sending when the first real call to Docker starts (it
 * would compete with the scan for the cores). Nothing is sent to Docker and no file is written; the
 * stand-in is closed when the warm-up ends. A failure here (no loopback, say) only means the first scan
 * does that work itself.
 */
public final class RequestPathWarmup {
    private static final String NOWHERE = "unix:///nonexistent/readonly-rootfs-exporter-warmup.sock";
    /** Inspects sent to the stand-in: enough for the JIT's thresholds (a list every 50). */
    static final int REQUESTS = 400;
    /** The warm-up stops sending after this long, done or not: it must not compete with the first scan. */
    private static final Duration BUDGET = Duration.ofMillis(1500);

    private static volatile boolean realCalls;

    private RequestPathWarmup() {}

    /** A real call to Docker is being sent: the warm-up stops sending (it would compete with the scan). */
    static void realCallsBegin() {
        if (!realCalls) {
            realCalls = true;
        }
    }

    /** Starts the warm-up on a daemon thread of its own and returns at once. */
    public static Thread start() {
        Thread t = new Thread(() -> run(BUDGET, () -> realCalls), "request-path-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return t;
    }

    /**
     * Returns how many requests went through the whole path and were read right (for tests); -1 if the
     * stand-in could not be set up or a sample was misread. Stops sending once {@code stop} says so.
     */
    static int run(Duration budget, BooleanSupplier stop) {
        try {
            DockerJson.errorMessage("{\"message\":\"No such container: x\"}".getBytes(StandardCharsets.UTF_8));
            // the unix socket's classes, up to the connect, which fails: no such socket, nothing is sent
            try (EngineTransport t = new EngineTransport(NOWHERE, null, Duration.ofSeconds(1))) {
                t.get("/_ping").close();
            } catch (RuntimeException expected) {
                // no such socket
            }
            try (StandInDaemon daemon = StandInDaemon.start();
                    EngineGateway gateway = new EngineGateway(
                            new DockerEndpoint(daemon.host(), false, "", Duration.ofSeconds(2)),
                            RequestListener.NONE,
                            true)) {
                if (!gateway.info().name().equals("node")) {
                    return -1;
                }
                long end = System.nanoTime() + budget.toNanos();
                int done = 1;
                for (int i = 0; i < REQUESTS && System.nanoTime() < end && !stop.getAsBoolean(); i++) {
                    if (i % 50 == 0) {
                        if (gateway.listContainers(s -> {}).size() != 1) {
                            return -1;
                        }
                        done++;
                    }
                    if (!gateway.readonlyRootfs(StandInDaemon.CONTAINER_ID).orElse(false)) {
                        return -1;
                    }
                    done++;
                }
                return done;
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            return -1; // only a head start: the first scan loads and compiles whatever is missing
        }
    }
}
