package org.readonlyrootfs.exporter.remediation;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Deterministic named-volume names, {@code <container>-<path>} (e.g. {@code web-var-lib-app}), valid
 * for Docker ({@code [a-zA-Z0-9][a-zA-Z0-9_.-]+}) and unique per container and path: when
 * sanitising or shortening loses information (an odd container name, {@code /a/b} next to
 * {@code /a-b}), a short hash of the original is appended.
 */
final class VolumeNames {
    static final int MAX_CONTAINER_PART = 64;
    static final int MAX_LENGTH = 128;

    private VolumeNames() {}

    /** One name per path, in the order given. */
    static List<String> names(String container, List<String> paths) {
        String prefix = containerPart(container);
        List<String> names = new ArrayList<>(paths.size());
        Map<String, Integer> seen = new HashMap<>();
        for (String path : paths) {
            String name = prefix + "-" + slug(path);
            if (name.length() > MAX_LENGTH) {
                name = name.substring(0, MAX_LENGTH - 9) + "-" + hash(path);
            }
            names.add(name);
            seen.merge(name, 1, Integer::sum);
        }
        for (int i = 0; i < names.size(); i++) {
            if (seen.get(names.get(i)) > 1) {
                String n = names.get(i);
                String suffix = "-" + hash(paths.get(i));
                names.set(
                        i,
                        (n.length() + suffix.length() > MAX_LENGTH ? n.substring(0, MAX_LENGTH - suffix.length()) : n)
                                + suffix);
            }
        }
        return names;
    }

    /** The container name made safe; with a hash of the original when that changed it. */
    static String containerPart(String container) {
        String c = container == null ? "" : container;
        if (c.startsWith("/")) {
            c = c.substring(1);
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < c.length() && b.length() < MAX_CONTAINER_PART; i++) {
            char ch = c.charAt(i);
            boolean ok = (ch >= 'a' && ch <= 'z')
                    || (ch >= 'A' && ch <= 'Z')
                    || (ch >= '0' && ch <= '9')
                    || ch == '_'
                    || ch == '.'
                    || ch == '-';
            b.append(ok ? ch : '_');
        }
        while (b.length() > 0 && !Character.isLetterOrDigit(b.charAt(0))) {
            b.deleteCharAt(0);
        }
        String safe = b.length() == 0 ? "container" : b.toString();
        return safe.equals(c) ? safe : safe + "-" + hash(c);
    }

    private static String slug(String path) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i < path.length(); i++) {
            char ch = path.charAt(i);
            boolean ok = (ch >= 'a' && ch <= 'z')
                    || (ch >= 'A' && ch <= 'Z')
                    || (ch >= '0' && ch <= '9')
                    || ch == '_'
                    || ch == '.'
                    || ch == '-';
            b.append(ch == '/' ? '-' : ok ? ch : '_');
        }
        return b.length() == 0 ? "root" : b.toString();
    }

    /** FNV-1a, 32 bits, of the UTF-8 bytes: 8 hex digits, stable across JVMs. */
    static String hash(String s) {
        int h = 0x811c9dc5;
        for (byte by : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= by & 0xff;
            h *= 0x01000193;
        }
        return String.format("%08x", h);
    }
}
