package org.readonlyrootfs.exporter.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Docker labels whose values are exported on the per-container series, as kube-state-metrics does
 * with its label allowlist: each as a Prometheus label {@code label_<sanitised name>}.
 *
 * @param names Docker label name (exact) to Prometheus label name, in the configured order; no two
 *              Prometheus names are the same (the loader reports such a collision)
 */
public record ContainerLabels(Map<String, String> names) {
    public static final ContainerLabels NONE = new ContainerLabels(Map.of());

    public ContainerLabels {
        names = Collections.unmodifiableMap(new LinkedHashMap<>(names));
    }

    /** The allowlist of these Docker label names; collisions are not checked here, the loader does. */
    public static ContainerLabels of(List<String> dockerNames) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String n : dockerNames) {
            m.put(n, prometheusName(n));
        }
        return new ContainerLabels(m);
    }

    /** {@code label_} and the name with every character other than {@code [a-zA-Z0-9_]} replaced by {@code _}. */
    public static String prometheusName(String dockerName) {
        StringBuilder b = new StringBuilder("label_");
        for (int i = 0; i < dockerName.length(); i++) {
            char c = dockerName.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            b.append(ok ? c : '_');
        }
        return b.toString();
    }

    public boolean isEmpty() {
        return names.isEmpty();
    }
}
