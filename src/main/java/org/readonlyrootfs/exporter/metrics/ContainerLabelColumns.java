package org.readonlyrootfs.exporter.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.readonlyrootfs.exporter.config.ContainerLabels;
import org.readonlyrootfs.exporter.scan.AuditedContainer;

/**
 * The {@code label_*} labels of one inventory's per-container series: the configured exact names, in
 * their order, then the names the patterns select among the labels the containers carry, in sorted
 * order. Every series carries every one of them (empty where its container has no such label), so
 * that series of one metric share their label names.
 *
 * <p>A pattern's name whose Prometheus name is already taken (by an exact name, or by a pattern's name
 * that sorts first: {@code a.b} before {@code a_b}) is left out, as are pattern names past
 * {@link #MAX_PATTERN_LABELS}: deterministic, and counted in {@code
 * readonly_rootfs_container_labels_dropped}.
 *
 * @param columns      Docker label name to Prometheus label name
 * @param collisions   pattern names left out because their Prometheus name was taken, each as
 *                     {@code a_b (label_a_b, taken by a.b)}
 * @param overLimit    pattern names left out past {@link #MAX_PATTERN_LABELS}
 */
record ContainerLabelColumns(Map<String, String> columns, List<String> collisions, int overLimit) {
    /** At most this many labels selected by patterns: a container with thousands of labels cannot bloat every series. */
    static final int MAX_PATTERN_LABELS = 64;

    static final ContainerLabelColumns NONE = new ContainerLabelColumns(Map.of(), List.of(), 0);

    ContainerLabelColumns {
        columns = Collections.unmodifiableMap(new LinkedHashMap<>(columns));
        collisions = List.copyOf(collisions);
    }

    static ContainerLabelColumns of(ContainerLabels config, List<AuditedContainer> containers) {
        if (config.patterns().isEmpty()) {
            return config.names().isEmpty() ? NONE : new ContainerLabelColumns(config.names(), List.of(), 0);
        }
        Map<String, String> columns = new LinkedHashMap<>(config.names());
        Map<String, String> takenBy = new LinkedHashMap<>();
        config.names().forEach((docker, prom) -> takenBy.put(prom, docker));
        TreeSet<String> selected = new TreeSet<>();
        for (AuditedContainer c : containers) {
            for (String name : c.facts().labels().keySet()) {
                if (!config.names().containsKey(name) && !selected.contains(name) && config.patternMatches(name)) {
                    selected.add(name);
                }
            }
        }
        List<String> collisions = new ArrayList<>();
        int added = 0;
        int overLimit = 0;
        for (String name : selected) {
            String prom = ContainerLabels.prometheusName(name);
            String owner = takenBy.get(prom);
            if (owner != null) {
                collisions.add(name + " (" + prom + ", taken by " + owner + ")");
            } else if (added == MAX_PATTERN_LABELS) {
                overLimit++;
            } else {
                columns.put(name, prom);
                takenBy.put(prom, name);
                added++;
            }
        }
        return new ContainerLabelColumns(columns, collisions, overLimit);
    }
}
