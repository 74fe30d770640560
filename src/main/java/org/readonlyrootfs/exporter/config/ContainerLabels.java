package org.readonlyrootfs.exporter.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Docker labels whose values are exported on the per-container series, as kube-state-metrics does
 * with its label allowlist: each as a Prometheus label {@code label_<sanitised name>}. An entry is an
 * exact Docker label name, or a pattern in which {@code *} stands for any run of characters
 * ({@code com.example.*}; {@code *} alone: every label). Which names a pattern selects is only known
 * from the containers: see {@code metrics.ContainerLabelColumns}.
 *
 * @param names    exact Docker label name to Prometheus label name, in the configured order; no two
 *                 Prometheus names are the same (the loader reports such a collision)
 * @param patterns the configured patterns (entries with a {@code *}), in order, without repeats
 */
public record ContainerLabels(Map<String, String> names, List<String> patterns) {
    public static final ContainerLabels NONE = new ContainerLabels(Map.of(), List.of());

    /** The wildcard of a pattern entry. */
    public static final char WILDCARD = '*';

    public ContainerLabels {
        names = Collections.unmodifiableMap(new LinkedHashMap<>(names));
        patterns = List.copyOf(patterns);
    }

    /** These entries: exact names and patterns; collisions are not checked here, the loader does. */
    public static ContainerLabels of(List<String> entries) {
        Map<String, String> m = new LinkedHashMap<>();
        List<String> p = new ArrayList<>();
        for (String n : entries) {
            if (n.indexOf(WILDCARD) >= 0) {
                if (!p.contains(n)) {
                    p.add(n);
                }
            } else {
                m.put(n, prometheusName(n));
            }
        }
        return new ContainerLabels(m, p);
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

    /** Whether a pattern selects this Docker label name (an exact name is not a pattern's business). */
    public boolean patternMatches(String dockerName) {
        for (String p : patterns) {
            if (globMatches(p, dockerName)) {
                return true;
            }
        }
        return false;
    }

    /** {@code *} matches any run of characters (none included), every other character itself; linear backtracking. */
    static boolean globMatches(String pattern, String s) {
        int p = 0;
        int i = 0;
        int star = -1;
        int resume = 0;
        while (i < s.length()) {
            if (p < pattern.length() && pattern.charAt(p) != WILDCARD && pattern.charAt(p) == s.charAt(i)) {
                p++;
                i++;
            } else if (p < pattern.length() && pattern.charAt(p) == WILDCARD) {
                star = p++;
                resume = i;
            } else if (star >= 0) {
                p = star + 1;
                i = ++resume;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == WILDCARD) {
            p++;
        }
        return p == pattern.length();
    }

    public boolean isEmpty() {
        return names.isEmpty() && patterns.isEmpty();
    }
}
