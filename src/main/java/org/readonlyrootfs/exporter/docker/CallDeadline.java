package org.readonlyrootfs.exporter.docker;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs each Docker call on a worker thread and waits for it no longer than its deadline.
 *
 * <p>docker-java does not enforce its response timeout on unix sockets. Past the deadline the call is
 * cancelled: its worker is interrupted, which closes the (interruptible) socket channel it reads and
 * frees the thread. A transport whose reads ignore interrupts would keep its worker until the daemon
 * answers or drops the connection, so the number of such hung calls is capped: past the cap, calls
 * fail at once instead of piling up threads.
 */
final class CallDeadline implements AutoCloseable {
    static final int MAX_HUNG_CALLS = 4;

    private final Duration timeout;
    private final ExecutorService workers;
    private final AtomicInteger hung = new AtomicInteger();

    CallDeadline(Duration timeout) {
        this.timeout = timeout;
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "docker-call-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Thrown when a call misses its deadline; the caller should drop its connections. */
    static final class DeadlineExceeded extends DockerException {
        DeadlineExceeded(String message) {
            super(message);
        }
    }

    <T> T call(String what, Callable<T> body) throws Exception {
        int stuck = hung.get();
        if (stuck >= MAX_HUNG_CALLS) {
            throw new DeadlineExceeded(stuck + " earlier requests to the Docker daemon are still unanswered past their "
                    + timeout.toMillis() + " ms deadline; not sending more until they end");
        }
        Call state = new Call();
        Future<T> future = workers.submit(() -> {
            try {
                return body.call();
            } finally {
                state.finished();
            }
        });
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            state.missedDeadline();
            future.cancel(true);
            throw new DeadlineExceeded("Docker daemon did not answer " + what + " within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw new DockerException(what + " failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw new DockerException(what + " interrupted");
        }
    }

    /** Counts a call as hung from the moment it misses its deadline until its worker returns. */
    private final class Call {
        private boolean finished;
        private boolean countedHung;

        synchronized void finished() {
            finished = true;
            if (countedHung) {
                hung.decrementAndGet();
                countedHung = false;
            }
        }

        synchronized void missedDeadline() {
            if (!finished && !countedHung) {
                countedHung = true;
                hung.incrementAndGet();
            }
        }
    }

    /** Calls that missed their deadline and still hold a worker thread. */
    int hungCalls() {
        return hung.get();
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
