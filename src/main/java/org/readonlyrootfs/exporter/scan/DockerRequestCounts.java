package org.readonlyrootfs.exporter.scan;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.readonlyrootfs.exporter.docker.RequestListener;

/** Counts Docker API requests by operation; the usual operations start at 0 so their series always exist. */
public final class DockerRequestCounts implements RequestListener {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    public DockerRequestCounts() {
        for (String op : new String[] {"info", "list", "inspect", "events"}) {
            counts.put(op, new LongAdder());
        }
    }

    @Override
    public void requestSent(String operation) {
        counts.computeIfAbsent(operation, k -> new LongAdder()).increment();
    }

    /** A copy, sorted by operation. */
    public Map<String, Long> snapshot() {
        Map<String, Long> copy = new TreeMap<>();
        counts.forEach((op, n) -> copy.put(op, n.sum()));
        return Map.copyOf(copy);
    }
}
