package org.readonlyrootfs.exporter.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {
    @Test
    void oneClientAfterAnotherIsServedByOneThread() throws Exception {
        ThreadPoolExecutor pool = WorkerPool.create(64, 256, 10, TimeUnit.SECONDS, "t");
        try {
            for (int i = 0; i < 50; i++) {
                pool.submit(() -> {}).get();
                // the next task only comes once the thread is idle again, as a scraper's next request does
                awaitIdle(pool);
            }
            assertEquals(1, pool.getLargestPoolSize(), "threads made for 50 requests one after another");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void busyThreadsMakeNewOnesUpToTheMaximumThenTasksWaitThenAreRefused() throws Exception {
        ThreadPoolExecutor pool = WorkerPool.create(3, 2, 10, TimeUnit.SECONDS, "t");
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(3);
        try {
            for (int i = 0; i < 3; i++) {
                pool.execute(() -> {
                    started.countDown();
                    await(release);
                });
            }
            assertTrue(started.await(10, TimeUnit.SECONDS), "three slow clients each got a thread at once");
            assertEquals(3, pool.getPoolSize());
            pool.execute(() -> {});
            pool.execute(() -> {});
            assertEquals(2, pool.getQueue().size(), "past the maximum, tasks wait");
            assertThrows(RejectedExecutionException.class, () -> pool.execute(() -> {}), "past the queue: refused");
            release.countDown();
            pool.shutdown();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
            assertEquals(5, pool.getCompletedTaskCount(), "every accepted task ran");
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    private static void awaitIdle(ThreadPoolExecutor pool) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pool.getActiveCount() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
