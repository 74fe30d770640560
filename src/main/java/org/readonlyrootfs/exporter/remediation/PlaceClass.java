package org.readonlyrootfs.exporter.remediation;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/** What a writable place is for, judged by its path: decides tmpfs or volume. */
enum PlaceClass {
    /** {@code /} itself, {@code /proc}, {@code /sys}, {@code /dev}: no mount can be planned there. */
    UNMOUNTABLE,
    /** {@code /tmp}, {@code /var/tmp}, {@code /run}, {@code /var/run}, {@code /var/lock} and below: a tmpfs is conventional. */
    EPHEMERAL_ROOT,
    /** Caches and temp dirs elsewhere ({@code /var/cache/**}, a segment named cache, tmp, ...). */
    EPHEMERAL,
    /** Data that must outlive the container: {@code /var/lib}, logs, spools, homes, a segment named data, db, ... */
    PERSISTENT,
    /** Anything else (config, app dirs): a volume keeps the image's content visible. */
    OTHER;

    static final List<String> EPHEMERAL_ROOTS = List.of("/tmp", "/var/tmp", "/run", "/var/run", "/var/lock");
    private static final List<String> UNMOUNTABLE_ROOTS = List.of("/proc", "/sys", "/dev");
    private static final Set<String> CACHE_NAMES = Set.of("cache", ".cache", "caches", "tmp", ".tmp", "temp", ".temp");
    private static final Set<String> DATA_NAMES = Set.of(
            "data", ".data", "db", "database", "databases", "storage", "state", "uploads", "persist", "persistent");
    private static final List<String> PERSISTENT_ROOTS =
            List.of("/var/lib", "/var/log", "/var/spool", "/var/mail", "/var/www", "/home", "/root", "/srv", "/data");

    /** The class of {@code path}; {@code home} is the app's home directory, or {@code ""}. */
    static PlaceClass of(String path, String home) {
        if (path.equals("/") || UNMOUNTABLE_ROOTS.stream().anyMatch(r -> ChangePaths.isAtOrBelow(path, r))) {
            return UNMOUNTABLE;
        }
        if (EPHEMERAL_ROOTS.stream().anyMatch(r -> ChangePaths.isAtOrBelow(path, r))) {
            return EPHEMERAL_ROOT;
        }
        String p = path;
        while (!p.equals("/")) {
            String name = ChangePaths.name(p).toLowerCase(Locale.ROOT);
            if (CACHE_NAMES.contains(name)) {
                return EPHEMERAL;
            }
            if (DATA_NAMES.contains(name)) {
                return PERSISTENT;
            }
            p = ChangePaths.parent(p);
        }
        if (!home.isEmpty() && !home.equals("/") && ChangePaths.isAtOrBelow(path, home)) {
            return PERSISTENT;
        }
        if (ChangePaths.isAtOrBelow(path, "/var/cache")) {
            return EPHEMERAL;
        }
        if (PERSISTENT_ROOTS.stream().anyMatch(r -> ChangePaths.isAtOrBelow(path, r))) {
            return PERSISTENT;
        }
        return OTHER;
    }

    /** {@code /tmp} and {@code /var/tmp}: world-writable (1777) and empty in images, by convention. */
    static boolean conventionallyEmptyAndOpen(String path) {
        return path.equals("/tmp") || path.equals("/var/tmp");
    }
}
