package org.readonlyrootfs.exporter.remediation;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns a container's changes, fed one at a time in any order, into the directories that must be
 * writable ({@link WritePlace}s), in bounded memory.
 *
 * <p>It keeps one aggregate per directory that has changes below it (at most {@code maxDirectories},
 * at most {@code maxDepth} deep), and the names of entries whose own directory aggregate does not
 * exist yet (at most {@code maxPending}): a name is needed only to learn, when a child of it shows
 * up later, whether that directory was added or came from the image. When the name cap is reached,
 * the directories holding the most names (in practice: one directory with thousands of files) keep
 * only counts from then on. A change beyond a cap counts as a write into its deepest tracked
 * ancestor: the plan then mounts higher than needed, never lower.
 *
 * <p>What the changes say (see {@code docs/remediation-engine-facts.md}): every changed path's
 * parents are listed too, Kind 1 if they were added and Kind 0 if they exist in the image; files
 * and directories are not told apart, so an entry with nothing below it is taken as a file.
 * Changes that are mount points Docker created for the container's existing mounts (or their
 * parents) are not writes of the app; changes below an existing mount are ignored.
 *
 * <p>Not thread-safe: one observer per container and scan.
 */
public final class WriteObserver {
    public static final int DEFAULT_MAX_DIRECTORIES = 4096;
    public static final int DEFAULT_MAX_PENDING = 8192;
    public static final int DEFAULT_MAX_DEPTH = 32;

    private final List<String> mounts;
    private final int maxDirectories;
    private final int maxPending;
    private final int maxDepth;
    private final Map<String, Dir> dirs = new HashMap<>();
    private final Map<String, Long> invalid = new TreeMap<>();
    private long changes;
    private long covered;
    private long mountPoints;
    private long truncated;
    private int pendingTotal;
    private int peakTracked;
    private boolean finished;

    /** An observer with the default caps. */
    public WriteObserver(Collection<String> existingMounts) {
        this(existingMounts, DEFAULT_MAX_DIRECTORIES, DEFAULT_MAX_PENDING, DEFAULT_MAX_DEPTH);
    }

    /**
     * @param existingMounts destinations of the mounts the container already has (volumes, binds,
     *                       tmpfs, declared image volumes)
     */
    public WriteObserver(Collection<String> existingMounts, int maxDirectories, int maxPending, int maxDepth) {
        if (maxDirectories < 1 || maxPending < 1 || maxDepth < 1) {
            throw new IllegalArgumentException("observer caps must be at least 1, got [" + maxDirectories + ", "
                    + maxPending + ", " + maxDepth + "]");
        }
        Set<String> m = new LinkedHashSet<>();
        if (existingMounts != null) {
            for (String destination : existingMounts) {
                String d = ChangePaths.normaliseMount(destination);
                if (d != null) {
                    m.add(d);
                }
            }
        }
        this.mounts = List.copyOf(m);
        this.maxDirectories = maxDirectories;
        this.maxPending = maxPending;
        this.maxDepth = maxDepth;
        dirs.put("/", new Dir("/", null, 0));
    }

    /** Takes every change of {@code all}. */
    public void acceptAll(Iterable<Change> all) {
        for (Change c : all) {
            accept(c);
        }
    }

    /**
     * Takes one raw entry of the changes API as it was read: an unknown {@code Kind} code counts as
     * an unusable change instead of failing the container's plan.
     */
    public void accept(String path, int kindCode) {
        if (kindCode < 0 || kindCode > 2) {
            checkOpen();
            changes++;
            invalid.merge("unknown kind", 1L, Long::sum);
            return;
        }
        accept(new Change(path, ChangeKind.fromCode(kindCode)));
    }

    /** Takes one change. */
    public void accept(Change change) {
        checkOpen();
        changes++;
        take(change);
        peakTracked = Math.max(peakTracked, trackedEntries());
    }

    private void checkOpen() {
        if (finished) {
            throw new IllegalStateException("observer already finished");
        }
    }

    private void take(Change change) {
        String path = change.path();
        String reason = ChangePaths.invalidReason(path);
        if (reason != null) {
            invalid.merge(reason, 1L, Long::sum);
            return;
        }
        for (String m : mounts) {
            if (ChangePaths.isBelow(path, m)) {
                covered++;
                return;
            }
        }
        for (String m : mounts) {
            if (ChangePaths.isAtOrBelow(m, path)) {
                mountPoint(path, change.kind());
                return;
            }
        }
        String parentPath = ChangePaths.parent(path);
        Dir parent = ensure(parentPath);
        if (!parent.path.equals(parentPath)) {
            parent.lifted++;
            parent.example = min(parent.example, path);
            truncated++;
            return;
        }
        Dir own = dirs.get(path);
        if (own != null) {
            own.self = change.kind();
            return;
        }
        String name = ChangePaths.name(path);
        if (looksNative(name)) {
            parent.nativeHere = true;
        }
        if (change.kind() == ChangeKind.DELETED) {
            parent.deleted++;
            parent.deletedExample = min(parent.deletedExample, path);
            return;
        }
        if (!parent.saturated && pendingTotal >= maxPending) {
            evict();
        }
        if (parent.saturated) {
            parent.count(change.kind(), path);
        } else {
            if (parent.pending == null) {
                parent.pending = new HashMap<>();
            }
            if (parent.pending.put(name, change.kind()) == null) {
                pendingTotal++;
            }
        }
    }

    /** Directory aggregates plus pending names held now. */
    public int trackedEntries() {
        return dirs.size() + pendingTotal;
    }

    /** The most {@link #trackedEntries()} ever held. */
    public int peakTrackedEntries() {
        return Math.max(peakTracked, trackedEntries());
    }

    /** The bound of {@link #trackedEntries()}. */
    public int maxTrackedEntries() {
        return maxDirectories + maxPending;
    }

    /** The places, once every change has been fed. Call once. */
    public ObservedWrites finish() {
        checkOpen();
        finished = true;
        List<Dir> all = new ArrayList<>(dirs.values());
        all.sort(Comparator.comparingInt((Dir d) -> d.depth).thenComparing(d -> d.path));
        for (Dir d : all) {
            if (d.parent != null && d.self == null && !d.mountPoint && d.parent.saturated) {
                d.parent.uncountAnonymousDirectory();
                d.assumedListed = true;
            }
            d.insideNew = d.parent != null && (d.parent.insideNew || d.parent.isNew());
        }
        for (Dir d : all) {
            d.subtree = d.leaves();
        }
        for (Dir d : all) {
            if (d.parent != null && !d.mountPoint && (d.self != null || d.assumedListed)) {
                d.parent.subtree++;
            }
        }
        for (int i = all.size() - 1; i > 0; i--) {
            Dir d = all.get(i);
            d.parent.subtree += d.subtree;
            d.parent.nativeBelow |= d.nativeBelow || d.nativeHere;
        }
        List<WritePlace> places = new ArrayList<>();
        for (Dir d : all) {
            if (d.insideNew) {
                continue;
            }
            if (d.isNew()) {
                places.add(new WritePlace(
                        d.path, true, d.subtree + 1, 0, false, d.nativeHere || d.nativeBelow, d.firstExample(), ""));
            } else if (d.leaves() > 0) {
                places.add(new WritePlace(
                        d.path,
                        false,
                        d.leaves(),
                        d.deleted,
                        d.modifiedLeaves() + d.deleted > 0,
                        d.nativeHere,
                        d.firstExample(),
                        d.deletedExample));
            }
        }
        places.sort(Comparator.comparing(WritePlace::path));
        return new ObservedWrites(places, changes, covered, mountPoints, invalid, truncated);
    }

    private void mountPoint(String path, ChangeKind kind) {
        mountPoints++;
        Dir d = ensure(path);
        if (d.path.equals(path)) {
            d.mountPoint = true;
            d.self = kind;
        }
    }

    /** The directory aggregate of {@code path}, created with its parents as far as the caps allow. */
    private Dir ensure(String path) {
        Dir found = dirs.get(path);
        if (found != null) {
            return found;
        }
        Dir cur = dirs.get("/");
        int slash = 0;
        while (true) {
            int next = path.indexOf('/', slash + 1);
            String prefix = next < 0 ? path : path.substring(0, next);
            Dir child = dirs.get(prefix);
            if (child == null) {
                if (dirs.size() >= maxDirectories || cur.depth + 1 > maxDepth) {
                    return cur;
                }
                child = new Dir(prefix, cur, cur.depth + 1);
                if (cur.pending != null) {
                    ChangeKind listed = cur.pending.remove(ChangePaths.name(prefix));
                    if (listed != null) {
                        child.self = listed;
                        pendingTotal--;
                    }
                }
                dirs.put(prefix, child);
            }
            cur = child;
            if (next < 0) {
                return cur;
            }
            slash = next;
        }
    }

    /** Frees names: the directories holding the most keep only counts from now on. */
    private void evict() {
        List<Dir> holders = new ArrayList<>();
        for (Dir d : dirs.values()) {
            if (d.pending != null && !d.pending.isEmpty()) {
                holders.add(d);
            }
        }
        holders.sort(Comparator.comparingInt((Dir d) -> -d.pending.size()).thenComparing(d -> d.path));
        for (Dir d : holders) {
            if (pendingTotal <= maxPending / 2) {
                break;
            }
            for (Map.Entry<String, ChangeKind> e : d.pending.entrySet()) {
                d.count(e.getValue(), d.child(e.getKey()));
            }
            pendingTotal -= d.pending.size();
            d.pending = null;
            d.saturated = true;
        }
    }

    static boolean looksNative(String name) {
        return name.endsWith(".so") || name.contains(".so.") || name.endsWith(".node");
    }

    private static String min(String a, String b) {
        return a == null || b.compareTo(a) < 0 ? b : a;
    }

    /** What is known of one directory with changes below it. */
    private static final class Dir {
        final String path;
        final Dir parent;
        final int depth;
        ChangeKind self;
        boolean mountPoint;
        boolean assumedListed;
        boolean insideNew;
        boolean saturated;
        boolean nativeHere;
        boolean nativeBelow;
        Map<String, ChangeKind> pending;
        long addedLeaves;
        long modifiedLeaves;
        long deleted;
        long lifted;
        long subtree;
        String example;
        String deletedExample;

        Dir(String path, Dir parent, int depth) {
            this.path = path;
            this.parent = parent;
            this.depth = depth;
        }

        boolean isNew() {
            return self == ChangeKind.ADDED && !mountPoint;
        }

        String child(String name) {
            return path.equals("/") ? "/" + name : path + "/" + name;
        }

        void count(ChangeKind kind, String childPath) {
            if (kind == ChangeKind.ADDED) {
                addedLeaves++;
            } else {
                modifiedLeaves++;
            }
            example = min(example, childPath);
        }

        /** A child directory's own entry went into the counts before the directory was known. */
        void uncountAnonymousDirectory() {
            if (addedLeaves > 0) {
                addedLeaves--;
            } else if (modifiedLeaves > 0) {
                modifiedLeaves--;
            }
        }

        long modifiedLeaves() {
            long n = modifiedLeaves;
            if (pending != null) {
                for (ChangeKind k : pending.values()) {
                    if (k == ChangeKind.MODIFIED) {
                        n++;
                    }
                }
            }
            return n;
        }

        long leaves() {
            return addedLeaves + modifiedLeaves + deleted + lifted + (pending == null ? 0 : pending.size());
        }

        String firstExample() {
            String e = example;
            if (deletedExample != null) {
                e = min(e, deletedExample);
            }
            if (pending != null) {
                for (String name : pending.keySet()) {
                    e = min(e, child(name));
                }
            }
            return e == null ? "" : e;
        }
    }
}
