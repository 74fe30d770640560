package org.readonlyrootfs.exporter.scan;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.readonlyrootfs.exporter.docker.RequestListener;

/**
 * Counts Docker API requests by operation; the usual operations start at 0 so their series always exist.
 * Each request's duration is passed on to the listener given by {@link #timeTo} (none at first).
 */
public final class DockerRequestCounts implements RequestListener {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private volatile RequestListener durations = RequestListener.NONE;

    public DockerRequestCounts() {
        for (String op : new String[] {"info", "list", "inspect", "events"}) {
            counts.put(op, new LongAdder());
        }
    }

    @Override
    public void requestSent(String operation) {
        counts.computeIfAbsent(operation, k -> new LongAdder()).increment();
    }

    @Override
    public void requestDone(String operation, long nanos, boolean ok) {
        durations.requestDone(operation, nanos, ok);
    }

    /** Where the durations of the requests done from now on go (the request-duration histogram). */
    public void timeTo(RequestListener listener) {
        durations = listener;
    }

    /** A copy, sorted by operation. */
    public Map<String, Long> snapshot() {
        Map<String, Long> copy = new TreeMap<>();
        counts.forEach((op, n) -> copy.put(op, n.sum()));
        return Map.copyOf(copy);
    }
}
