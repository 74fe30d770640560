package org.readonlyrootfs.exporter.docker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.Pipe;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CallDeadlineTest {

    @Test
    void returnsTheValueOfACallWithinItsDeadline() throws Exception {
        try (CallDeadline d = new CallDeadline(Duration.ofSeconds(5))) {
            assertEquals("ok", d.call("x", () -> "ok"));
            assertFalse(Thread.currentThread().isInterrupted());
        }
    }

    @Test
    void passesTheCallsOwnExceptionThrough() {
        try (CallDeadline d = new CallDeadline(Duration.ofSeconds(5))) {
            IOException e = assertThrows(
                    IOException.class,
                    () -> d.call("x", () -> {
                        throw new IOException("boom");
                    }));
            assertEquals("boom", e.getMessage());
        }
    }

    @Test
    void aReadOnAnInterruptibleChannelEndsAtTheDeadline() throws Exception {
        Pipe pipe = Pipe.open(); // nothing is ever written: the read blocks like a silent daemon
        try (CallDeadline d = new CallDeadline(Duration.ofMillis(200))) {
            long start = System.nanoTime();
            CallDeadline.DeadlineExceeded e = assertThrows(
                    CallDeadline.DeadlineExceeded.class,
                    () -> d.call("GET /info", () -> pipe.source().read(ByteBuffer.allocate(1))));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 200 && ms < 2000, "took " + ms + " ms");
            assertEquals("Docker daemon did not answer GET /info within 200 ms", e.getMessage());
            assertInstanceOf(ClosedByInterruptException.class, e.getCause());
            assertFalse(Thread.currentThread().isInterrupted(), "the watchdog's interrupt is not left behind");
            assertFalse(pipe.source().isOpen(), "the stuck channel is closed");
            // the thread is usable for the next call
            assertEquals(1, d.call("next", () -> 1));
        } finally {
            pipe.sink().close();
        }
    }

    @Test
    void aCallThatEndsJustInTimeIsNotInterruptedLater() throws Exception {
        try (CallDeadline d = new CallDeadline(Duration.ofMillis(50))) {
            for (int i = 0; i < 200; i++) {
                d.call("fast", () -> 1);
            }
            // for longer than the deadline, no stale alarm interrupts this thread
            await().pollInSameThread()
                    .during(Duration.ofMillis(150))
                    .atMost(Duration.ofSeconds(2))
                    .until(() -> !Thread.currentThread().isInterrupted());
        }
    }

    @Test
    void theCallsAbortActionRunsAtTheDeadlineForWhatAnInterruptCannotEnd() throws Exception {
        java.util.concurrent.CountDownLatch aborted = new java.util.concurrent.CountDownLatch(1);
        try (CallDeadline d = new CallDeadline(Duration.ofMillis(200))) {
            long start = System.nanoTime();
            CallDeadline.DeadlineExceeded e = assertThrows(
                    CallDeadline.DeadlineExceeded.class,
                    () -> d.call("GET /x", abort -> {
                        abort.onDeadline(aborted::countDown);
                        // a wait no interrupt ends, as a read on a TCP socket: only the abort action does
                        while (!aborted.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
                            Thread.onSpinWait();
                        }
                        throw new IOException("Socket closed");
                    }));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 200 && ms < 2000, "took " + ms + " ms");
            assertEquals("Docker daemon did not answer GET /x within 200 ms", e.getMessage());
            assertFalse(Thread.currentThread().isInterrupted());
        } catch (CallDeadline.DeadlineExceeded unexpected) {
            throw unexpected;
        }
    }

    @Test
    void anAbortActionSetAfterTheDeadlinePassedRunsAtOnceAndNoneRunsForACallInTime() throws Exception {
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        try (CallDeadline d = new CallDeadline(Duration.ofMillis(100))) {
            Integer one = d.call("fast", abort -> {
                abort.onDeadline(runs::incrementAndGet);
                return 1;
            });
            assertEquals(1, one);
            assertThrows(
                    CallDeadline.DeadlineExceeded.class,
                    () -> d.call("late", abort -> {
                        long until = System.nanoTime() + Duration.ofMillis(300).toNanos();
                        while (System.nanoTime() < until) {
                            Thread.onSpinWait(); // busy: the interrupt is not seen
                        }
                        abort.onDeadline(runs::incrementAndGet); // the answer came after the deadline
                        assertEquals(1, runs.get(), "ran at once; the call in time never ran its own");
                        throw new IOException("closed by the abort");
                    }));
        }
        assertEquals(1, runs.get());
    }

    @Test
    void aSocketReadTimeoutIsTheDeadline() {
        try (CallDeadline d = new CallDeadline(Duration.ofSeconds(5))) {
            CallDeadline.DeadlineExceeded e = assertThrows(
                    CallDeadline.DeadlineExceeded.class,
                    () -> d.call("GET /info", () -> {
                        throw new RuntimeException(new java.net.SocketTimeoutException("Read timed out"));
                    }));
            assertEquals("Docker daemon did not answer GET /info within 5000 ms", e.getMessage());
        }
    }
}
