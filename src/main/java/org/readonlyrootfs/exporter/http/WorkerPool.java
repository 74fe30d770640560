package org.readonlyrootfs.exporter.http;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP server's worker threads: an idle thread takes the next connection; only when none is idle is
 * a new one made, up to {@code max}; past that, up to {@code queue} connections wait; past that, the
 * server closes them. Idle threads end after {@code keepAlive}. A plain {@link ThreadPoolExecutor} with
 * {@code max} core threads makes a new thread for every task until it has {@code max} of them, however
 * many sit idle: four scrapers in a loop ended with 64 threads, each holding its stack and buffers.
 */
final class WorkerPool {
    private WorkerPool() {}

    static ThreadPoolExecutor create(int max, int queue, long keepAlive, TimeUnit unit, String name) {
        HandOff tasks = new HandOff(queue);
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(
                0,
                max,
                keepAlive,
                unit,
                tasks,
                r -> {
                    Thread t = new Thread(r, name + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                },
                (r, executor) -> {
                    // the pool reached max between the queue's refusal and the new thread: wait after all
                    if (executor.isShutdown() || !tasks.enqueue(r)) {
                        throw new RejectedExecutionException("all " + max + " workers busy, " + queue + " waiting");
                    }
                });
        tasks.pool = pool;
        return pool;
    }

    /** Refuses a task (so the pool makes a thread) while no thread is idle and the pool may grow. */
    private static final class HandOff extends LinkedBlockingQueue<Runnable> {
        private static final long serialVersionUID = 1L;
        private transient volatile ThreadPoolExecutor pool;

        HandOff(int capacity) {
            super(capacity);
        }

        @Override
        public boolean offer(Runnable task) {
            ThreadPoolExecutor p = pool;
            if (p != null
                    && p.getPoolSize() < p.getMaximumPoolSize()
                    && p.getActiveCount() + size() >= p.getPoolSize()) {
                return false;
            }
            return super.offer(task);
        }

        boolean enqueue(Runnable task) {
            return super.offer(task);
        }
    }
}
