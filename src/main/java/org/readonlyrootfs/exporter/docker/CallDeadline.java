package org.readonlyrootfs.exporter.docker;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Gives each Docker call its own deadline, on the calling thread (no hand-off per call).
 *
 * <p>A watchdog interrupts the calling thread when the deadline passes: {@link EngineClient} reads
 * through interruptible channels (unix, TCP and TLS alike), which the interrupt closes, so the call
 * ends at once and its connection is dropped.
 */
final class CallDeadline implements AutoCloseable {
    private final Duration timeout;
    private final ScheduledThreadPoolExecutor watchdog;

    CallDeadline(Duration timeout) {
        this.timeout = timeout;
        this.watchdog = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "docker-deadline");
            t.setDaemon(true);
            return t;
        });
        this.watchdog.setRemoveOnCancelPolicy(true);
    }

    /** Thrown when a call misses its deadline (the interrupt has closed the connection it was using). */
    static final class DeadlineExceeded extends DockerException {
        DeadlineExceeded(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Interrupts its caller once, unless disarmed first. */
    private static final class Alarm {
        private final Thread caller;
        private boolean armed = true;
        private boolean fired;

        Alarm(Thread caller) {
            this.caller = caller;
        }

        synchronized void fire() {
            if (armed) {
                fired = true;
                caller.interrupt();
            }
        }

        /** Returns whether it fired. */
        synchronized boolean disarm() {
            armed = false;
            return fired;
        }
    }

    <T> T call(String what, Callable<T> body) throws Exception {
        Alarm alarm = new Alarm(Thread.currentThread());
        ScheduledFuture<?> pending = watchdog.schedule(alarm::fire, timeout.toNanos(), TimeUnit.NANOSECONDS);
        boolean fired = false;
        try {
            T result = body.call();
            fired = alarm.disarm();
            return result;
        } catch (Exception e) {
            fired = alarm.disarm();
            if (fired) {
                throw new DeadlineExceeded(
                        "Docker daemon did not answer " + what + " within " + timeout.toMillis() + " ms", e);
            }
            throw e;
        } finally {
            pending.cancel(false);
            if (alarm.disarm() || fired) {
                Thread.interrupted(); // the interrupt was ours, not a request to stop
            }
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
    }
}
