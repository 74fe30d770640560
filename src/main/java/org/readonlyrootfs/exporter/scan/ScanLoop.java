package org.readonlyrootfs.exporter.scan;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link Scanner#scan()} in the background, one at a time (never overlapping): every
 * {@code interval} after a success; after a failure sooner, with a backoff that doubles from
 * {@link #FIRST_RETRY} up to the interval, so a restarted daemon is picked up within one interval.
 */
public final class ScanLoop implements AutoCloseable {
    static final Duration FIRST_RETRY = Duration.ofMillis(500);
    private static final Logger LOG = LoggerFactory.getLogger(ScanLoop.class);

    private final Scanner scanner;
    private final ScheduledExecutorService executor;
    private Duration interval; // guarded by this
    private Duration retry = FIRST_RETRY; // guarded by this
    private ScheduledFuture<?> next; // guarded by this: the next scheduled scan
    private long lastEndNanos; // guarded by this: when the last scan ended
    private boolean lastUp; // guarded by this: whether it reached the daemon

    public ScanLoop(Scanner scanner, Duration interval) {
        this.scanner = scanner;
        this.interval = interval;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "scan-loop");
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        executor.execute(this::runOnce);
    }

    /** Runs an extra full scan as soon as the running one (if any) ends, e.g. after the events stream reconnects. */
    public void scanSoon() {
        try {
            executor.execute(() -> {
                try {
                    scanner.scan();
                } catch (RuntimeException e) {
                    LOG.error("scan crashed: {}", e.toString(), e);
                }
            });
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /**
     * A reloaded interval: the next scan after a success moves to the last scan's end plus the new
     * interval (at once if that has passed); a retry after a failure keeps its backoff.
     */
    public synchronized void interval(Duration newInterval) {
        interval = newInterval;
        if (next != null && lastUp && next.cancel(false)) {
            long delay = Math.max(0, lastEndNanos + newInterval.toNanos() - System.nanoTime());
            schedule(delay);
        }
    }

    public synchronized Duration interval() {
        return interval;
    }

    private void runOnce() {
        Boolean up = null; // null: the scan crashed
        try {
            up = scanner.scan().dockerUp();
        } catch (RuntimeException e) {
            // a bug, not Docker trouble: keep scanning, say it once per occurrence
            LOG.error("scan crashed: {}", e.toString(), e);
        }
        synchronized (this) {
            Duration delay = interval;
            if (up == null) {
                up = true; // scanned again after the interval, as after a success
            } else if (up) {
                retry = FIRST_RETRY;
            } else {
                delay = retry.compareTo(interval) < 0 ? retry : interval;
                retry = retry.multipliedBy(2);
            }
            lastEndNanos = System.nanoTime();
            lastUp = up;
            schedule(delay.toNanos());
        }
    }

    private void schedule(long delayNanos) {
        try {
            next = executor.schedule(this::runOnce, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // closed while scanning
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
