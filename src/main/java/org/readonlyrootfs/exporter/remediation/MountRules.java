package org.readonlyrootfs.exporter.remediation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decides, for each place that must be writable, where the mount goes and whether it is a tmpfs or
 * a volume; then keeps the set minimal. The facts behind each rule are in
 * {@code docs/remediation-engine-facts.md}.
 */
final class MountRules {
    enum Type {
        TMPFS,
        VOLUME
    }

    /** A mount decided for one or more places. */
    static final class Decision {
        final String path;
        Type type;
        boolean newDirectory;
        boolean imageContentSeen;
        boolean nativeCode;
        long changes;
        long deletions;
        String deletedExample;
        PlaceClass placeClass;

        Decision(
                String path,
                Type type,
                boolean newDirectory,
                WritePlace from,
                boolean imageContentSeen,
                PlaceClass placeClass) {
            this.path = path;
            this.type = type;
            this.newDirectory = newDirectory;
            this.imageContentSeen = imageContentSeen;
            this.nativeCode = from.nativeCode();
            this.changes = from.changes();
            this.deletions = from.deletions();
            this.deletedExample = from.deletedExample();
            this.placeClass = placeClass;
        }

        void absorb(Decision o) {
            if (o.type == Type.VOLUME) {
                type = Type.VOLUME;
            }
            newDirectory &= o.newDirectory;
            imageContentSeen |= o.imageContentSeen;
            nativeCode |= o.nativeCode;
            changes += o.changes;
            deletions += o.deletions;
            if (deletedExample.isEmpty()
                    || (!o.deletedExample.isEmpty() && o.deletedExample.compareTo(deletedExample) < 0)) {
                deletedExample = o.deletedExample;
            }
        }
    }

    /** What the rules could not place, and how they moved places. */
    record Outcome(
            List<Decision> mounts,
            List<WritePlace> unplaceable,
            List<WritePlace> unnameable,
            List<String> rootOwnedVolumes) {}

    private MountRules() {}

    static Outcome decide(List<WritePlace> places, ContainerUser user, String home) {
        Map<String, Decision> byPath = new TreeMap<>();
        List<WritePlace> unplaceable = new ArrayList<>();
        List<WritePlace> unnameable = new ArrayList<>();
        List<String> rootOwned = new ArrayList<>();
        for (WritePlace place : places) {
            String path = place.path();
            boolean isNew = place.newDirectory();
            boolean content = place.imageContentSeen();
            if (!ChangePaths.nameable(path)) {
                unnameable.add(place);
                // an image directory with such a name is itself image content of the ancestor
                content |= !isNew;
                isNew = false;
                path = ChangePaths.nearestNameable(path);
            }
            PlaceClass cls = PlaceClass.of(path, home);
            if (cls == PlaceClass.UNMOUNTABLE) {
                unplaceable.add(place);
                continue;
            }
            if (cls == PlaceClass.EPHEMERAL_ROOT && isNew && !PlaceClass.EPHEMERAL_ROOTS.contains(path)) {
                // names under /tmp and /run change from run to run (mktemp): mount the directory that holds them
                path = ChangePaths.parent(path);
                isNew = false;
            }
            Type type = switch (cls) {
                case EPHEMERAL_ROOT, EPHEMERAL -> isNew || !content ? Type.TMPFS : Type.VOLUME;
                default -> Type.VOLUME;
            };
            if (type == Type.VOLUME && isNew && !user.root()) {
                // a new volume on a path the image lacks is root-owned 755; on an image dir it takes that dir's owner
                String parent = ChangePaths.parent(path);
                if (PlaceClass.of(parent, home) != PlaceClass.UNMOUNTABLE) {
                    path = parent;
                    isNew = false;
                    cls = PlaceClass.of(path, home);
                } else {
                    rootOwned.add(path);
                }
            }
            Decision d = new Decision(path, type, isNew, place, content, cls);
            Decision before = byPath.get(path);
            if (before == null) {
                byPath.put(path, d);
            } else {
                before.absorb(d);
            }
        }
        return new Outcome(minimal(byPath), unplaceable, unnameable, rootOwned);
    }

    /**
     * Drops each mount that the nearest mount around it already serves: any place inside a volume
     * (copy-up brings the image's subdirectories along), and a new directory inside a tmpfs (the app
     * creates it again). An image directory inside a tmpfs keeps its own tmpfs: the outer tmpfs hides
     * it, and Docker re-creates it as a mount point.
     */
    private static List<Decision> minimal(Map<String, Decision> byPath) {
        Map<String, Decision> kept = new HashMap<>();
        List<Decision> out = new ArrayList<>();
        for (Decision d : byPath.values()) {
            Decision around = null;
            String p = d.path;
            while (!p.equals("/") && around == null) {
                p = ChangePaths.parent(p);
                around = kept.get(p);
            }
            boolean served = around != null && around.type == d.type && (d.type == Type.VOLUME || d.newDirectory);
            if (served) {
                boolean wasNew = around.newDirectory;
                around.absorb(d);
                around.newDirectory = wasNew;
            } else {
                kept.put(d.path, d);
                out.add(d);
            }
        }
        return out;
    }
}
