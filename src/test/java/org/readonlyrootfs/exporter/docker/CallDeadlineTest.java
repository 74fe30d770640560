package org.readonlyrootfs.exporter.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class CallDeadlineTest {

    @Test
    void returnsTheValueOfACallWithinItsDeadline() throws Exception {
        try (CallDeadline d = new CallDeadline(Duration.ofSeconds(5))) {
            assertEquals("ok", d.call("x", () -> "ok"));
        }
    }

    @Test
    void passesTheCallsOwnExceptionThrough() {
        try (CallDeadline d = new CallDeadline(Duration.ofSeconds(5))) {
            IOException e = assertThrows(IOException.class, () -> d.call("x", () -> {
                throw new IOException("boom");
            }));
            assertEquals("boom", e.getMessage());
        }
    }

    @Test
    void aHungCallFailsAtItsDeadlineAndIsCountedUntilItEnds() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (CallDeadline d = new CallDeadline(Duration.ofMillis(200))) {
            long start = System.nanoTime();
            CallDeadline.DeadlineExceeded e = assertThrows(CallDeadline.DeadlineExceeded.class,
                    () -> d.call("GET /info", () -> {
                        awaitUninterruptibly(release);
                        return "late";
                    }));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 200 && ms < 2000, "took " + ms + " ms");
            assertTrue(e.getMessage().contains("GET /info") && e.getMessage().contains("200 ms"), e.getMessage());
            assertEquals(1, d.hungCalls());
            release.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> d.hungCalls() == 0);
        }
    }

    @Test
    void hungCallsAreCappedSoThreadsCannotPileUp() {
        CountDownLatch release = new CountDownLatch(1);
        try (CallDeadline d = new CallDeadline(Duration.ofMillis(50))) {
            for (int i = 0; i < CallDeadline.MAX_HUNG_CALLS; i++) {
                assertThrows(CallDeadline.DeadlineExceeded.class, () -> d.call("x", () -> {
                    awaitUninterruptibly(release);
                    return 1;
                }));
            }
            long start = System.nanoTime();
            CallDeadline.DeadlineExceeded refused = assertThrows(CallDeadline.DeadlineExceeded.class,
                    () -> d.call("x", () -> 1));
            assertTrue((System.nanoTime() - start) / 1_000_000 < 50, "refused at once");
            assertTrue(refused.getMessage().contains("still unanswered"), refused.getMessage());
            release.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> d.hungCalls() == 0);
        }
    }

    /** Like a read on a unix socket: interrupting the thread does not wake it. */
    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
