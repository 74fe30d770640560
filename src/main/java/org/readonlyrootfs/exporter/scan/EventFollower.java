package org.readonlyrootfs.exporter.scan;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.readonlyrootfs.exporter.docker.ContainerEvent;
import org.readonlyrootfs.exporter.docker.DockerApiError;
import org.readonlyrootfs.exporter.docker.DockerException;
import org.readonlyrootfs.exporter.docker.DockerGateway;
import org.readonlyrootfs.exporter.docker.EventListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the inventory current between scans by following Docker's container events: a new or changed
 * container is inspected at once (on the shared, bounded inspect pool), a destroyed one (Podman: removed)
 * leaves. The stream dies with the daemon: its end, and every failed reconnection, runs a scan at once (so
 * a lost daemon shows in {@code docker_up} within seconds whatever the scan interval); it is reconnected
 * with backoff, resumed with {@code since}, and every (re)connection triggers a full resync so nothing
 * that happened in the gap is missed.
 */
public final class EventFollower implements AutoCloseable {
    static final Duration FIRST_RETRY = Duration.ofMillis(500);
    static final Duration MAX_RETRY = Duration.ofSeconds(10);
    /**
     * How soon after a successful scan the stream's first connection may skip its resync: it asks for the
     * events since that scan's list call, which the daemon replays (it keeps its last 256), so none is
     * missed; a later start, and every reconnection, resyncs.
     */
    static final Duration FRESH_SCAN = Duration.ofSeconds(2);
    /** Actions after which a container is inspected again (state, name or labels may have changed). */
    /** Removal: Docker says {@code destroy}, Podman's compatible API {@code remove}. */
    private static final Set<String> REMOVED = Set.of("destroy", "remove");

    static final Set<String> REFRESH =
            Set.of("create", "start", "restart", "die", "stop", "kill", "oom", "pause", "unpause", "rename", "update");

    private static final Logger LOG = LoggerFactory.getLogger(EventFollower.class);

    private final DockerGateway docker;
    private final Scanner scanner;
    private final Inventory inventory;
    private final Executor inspectors;
    private final Runnable resync;
    private final Clock clock;
    private final ScheduledExecutorService reconnects;
    private final LongConsumer delays;
    private final Object lock = new Object();
    private AutoCloseable subscription; // guarded by lock
    private boolean closed; // guarded by lock
    private Duration retry = FIRST_RETRY; // guarded by lock
    private long sinceEpochSeconds; // guarded by lock
    private boolean skipResync; // guarded by lock: the first connection right after a scan
    private String lastEnd = "";

    public EventFollower(DockerGateway docker, Scanner scanner, Executor inspectors, Runnable resync, Clock clock) {
        this(docker, scanner, inspectors, resync, clock, nanos -> {});
    }

    /**
     * As above, telling {@code delays} of every event applied how long after the daemon's time of it (in
     * nanoseconds, by {@code clock}) the inventory was updated: the detection delay.
     */
    public EventFollower(
            DockerGateway docker,
            Scanner scanner,
            Executor inspectors,
            Runnable resync,
            Clock clock,
            LongConsumer delays) {
        this.delays = delays;
        this.docker = docker;
        this.scanner = scanner;
        this.inventory = scanner.inventory();
        this.inspectors = inspectors;
        this.resync = resync;
        this.clock = clock;
        this.reconnects = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "events-reconnect");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Connects. Right after a successful scan the stream starts from that scan's list call and the first
     * connection runs no resync (that scan is one); otherwise it starts now and resyncs.
     */
    public void start() {
        Instant now = clock.instant();
        Instant scanned = scanner.lastSuccessfulScanStart().orElse(null);
        boolean fresh = scanned != null && !now.isAfter(scanned.plus(FRESH_SCAN));
        synchronized (lock) {
            sinceEpochSeconds = fresh ? scanned.getEpochSecond() : now.getEpochSecond();
            skipResync = fresh;
        }
        connect();
    }

    private void connect() {
        long since;
        synchronized (lock) {
            if (closed) {
                return;
            }
            since = sinceEpochSeconds;
        }
        Subscription listener = new Subscription();
        AutoCloseable s = docker.followEvents(since, listener);
        synchronized (lock) {
            if (closed) {
                closeQuietly(s);
            } else if (!listener.isEnded()) {
                subscription = s;
            }
        }
    }

    /** One connection's listener: ends once, then schedules the next connection. */
    private final class Subscription implements EventListener {
        private volatile boolean ended;

        boolean isEnded() {
            return ended;
        }

        @Override
        public void connected() {
            scanner.eventsStreamUp(true);
            synchronized (lock) {
                retry = FIRST_RETRY;
            }
            if (!lastEnd.isEmpty()) {
                LOG.info("events stream reconnected");
                lastEnd = "";
            }
            boolean skip;
            synchronized (lock) {
                skip = skipResync;
                skipResync = false;
            }
            if (!skip) {
                resync.run(); // whatever happened before this stream started is caught by a full scan
            }
        }

        @Override
        public void event(ContainerEvent e) {
            synchronized (lock) {
                if (e.timeEpochNanos() > 0) {
                    // resume from here after a reconnect (the resync covers the rest)
                    sinceEpochSeconds = Math.max(sinceEpochSeconds, e.timeEpochNanos() / 1_000_000_000L);
                }
            }
            apply(e);
        }

        @Override
        public void ended(String reason) {
            if (ended) {
                return;
            }
            ended = true;
            scanner.eventsStreamUp(false);
            Duration delay;
            synchronized (lock) {
                subscription = null;
                skipResync = false; // the next connection resyncs
                if (closed) {
                    return;
                }
                delay = retry;
                retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
            }
            if (!reason.equals(lastEnd)) {
                LOG.warn("{}; reconnecting", reason);
                lastEnd = reason;
            }
            // the stream dies with the daemon: check it at once (a scan), so docker_up says so within the
            // call deadline whatever the scan interval; every failed reconnection checks again, with its backoff
            resync.run();
            try {
                reconnects.schedule(EventFollower.this::connect, delay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException ignored) {
                // closed meanwhile
            }
        }
    }

    void apply(ContainerEvent e) {
        String action = e.action();
        if (REMOVED.contains(action)) {
            inventory.gone(e.containerId(), inventory.nextSeq());
            inventory.eventApplied();
            detected(e);
        } else if (REFRESH.contains(action)) {
            long at = inventory.begin();
            try {
                inspectors.execute(() -> refresh(e, at));
            } catch (RejectedExecutionException ignored) {
                inventory.end(); // shutting down
            }
        }
    }

    /** The inventory holds what event {@code e} said: its delay, if the daemon gave the event's time. */
    private void detected(ContainerEvent e) {
        if (e.timeEpochNanos() > 0) {
            Instant now = clock.instant();
            delays.accept(now.getEpochSecond() * 1_000_000_000L + now.getNano() - e.timeEpochNanos());
        }
    }

    private void refresh(ContainerEvent event, long at) {
        String id = event.containerId();
        try {
            docker.inspect(id).ifPresentOrElse(d -> inventory.inspected(d, at), () -> inventory.gone(id, at));
            inventory.eventApplied();
            detected(event);
        } catch (DockerApiError e) {
            LOG.debug("inspect after event failed, the next scan retries: {}", e.getMessage());
        } catch (DockerException e) {
            LOG.debug("inspect after event failed: {}", e.getMessage());
        } finally {
            inventory.end();
        }
    }

    @Override
    public void close() {
        AutoCloseable s;
        synchronized (lock) {
            closed = true;
            s = subscription;
            subscription = null;
        }
        closeQuietly(s);
        reconnects.shutdownNow();
        scanner.eventsStreamUp(false);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("closing events subscription: {}", e.toString());
        }
    }
}
