package org.readonlyrootfs.exporter.docker;

import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Gives each Docker call its own deadline, on the calling thread (no hand-off per call).
 *
 * <p>When the deadline passes, a watchdog interrupts the calling thread and runs the call's abort action,
 * if it set one. On a unix socket the transport reads through an interruptible channel, which the
 * interrupt closes, so the call ends at once in any phase (docker-java's response timeout is not enforced
 * there). On TCP and TLS a socket read is not interruptible: there the transport's read timeout (the same
 * duration) ends a silent wait for the answer's head, and the abort action (closing the answer, which
 * closes its connection) ends a body that takes too long. A socket read timeout counts as the deadline.
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

    /** Thrown when a call misses its deadline (its connection has been closed). */
    static final class DeadlineExceeded extends DockerException {
        DeadlineExceeded(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What a call gives the watchdog to stop it, once it has something to close (its answer). */
    interface Abort {
        /** Runs {@code action} (from the watchdog's thread) if the deadline passes before the call ends. */
        void onDeadline(Runnable action);
    }

    /** A call that may set an abort action. */
    interface Body<T> {
        T call(Abort abort) throws Exception;
    }

    /** Interrupts its caller once, and runs the abort action, unless disarmed first. */
    private static final class Alarm implements Abort {
        private final Thread caller;
        private boolean armed = true;
        private boolean fired;
        private Runnable action;

        Alarm(Thread caller) {
            this.caller = caller;
        }

        @Override
        public void onDeadline(Runnable a) {
            boolean late;
            synchronized (this) {
                late = fired;
                action = a;
            }
            if (late) {
                a.run(); // fired while the call was getting its answer
            }
        }

        void fire() {
            Runnable a;
            synchronized (this) {
                if (!armed) {
                    return;
                }
                fired = true;
                caller.interrupt();
                a = action;
            }
            if (a != null) {
                a.run();
            }
        }

        /** Returns whether it fired. */
        synchronized boolean disarm() {
            armed = false;
            return fired;
        }
    }

    <T> T call(String what, Callable<T> body) throws Exception {
        return call(what, abort -> body.call());
    }

    <T> T call(String what, Body<T> body) throws Exception {
        Alarm alarm = new Alarm(Thread.currentThread());
        ScheduledFuture<?> pending = watchdog.schedule(alarm::fire, timeout.toNanos(), TimeUnit.NANOSECONDS);
        boolean fired = false;
        try {
            T result = body.call(alarm);
            fired = alarm.disarm();
            return result;
        } catch (Exception e) {
            fired = alarm.disarm();
            if (fired || readTimedOut(e)) {
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

    private static boolean readTimedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
    }
}
