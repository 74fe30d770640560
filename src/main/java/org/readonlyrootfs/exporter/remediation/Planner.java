package org.readonlyrootfs.exporter.remediation;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Builds a container's remediation plan from what it wrote: the mounts that let it run with
 * {@code --read-only}, as {@code docker run} flags and compose YAML, and the warnings a human must
 * read first. Pure: no I/O, no clock.
 */
public final class Planner {
    public static final int DEFAULT_MAX_WRITES = 20;
    private static final String READ_ONLY = "--read-only";

    private final int maxWrites;

    public Planner() {
        this(DEFAULT_MAX_WRITES);
    }

    /** @param maxWrites how many directories {@link Plan#writes()} lists at most */
    public Planner(int maxWrites) {
        if (maxWrites < 0) {
            throw new IllegalArgumentException("maxWrites must be >= 0, got [" + maxWrites + "]");
        }
        this.maxWrites = maxWrites;
    }

    /** The plan for a container whose changes are all in {@code changes} (a convenience for small lists). */
    public Plan plan(ContainerContext context, Iterable<Change> changes) {
        WriteObserver observer = new WriteObserver(context.existingMounts());
        if (changes != null) {
            observer.acceptAll(changes);
        }
        return plan(context, observer.finish());
    }

    /** The plan for a container, given what an observer made of its changes. */
    public Plan plan(ContainerContext context, ObservedWrites observed) {
        if (!context.started()) {
            return generic(
                    context,
                    PlanKind.NOT_OBSERVED,
                    List.of("never started, so nothing shows what it writes:"
                            + " start it once as it is and re-check for a plan from its writes, or add --read-only and a"
                            + " --tmpfs or --volume for each path it then fails to write (the STIG's fix)"));
        }
        if (!context.changesReadable()) {
            return generic(
                    context,
                    PlanKind.UNKNOWN,
                    List.of("its changes could not be read, so nothing shows what"
                            + " it writes: --read-only alone may break it; re-check once Docker answers"
                            + " GET /containers/{id}/changes"));
        }
        ContainerUser user = ContainerUser.parse(context.user());
        MountRules.Outcome outcome = MountRules.decide(observed.places(), user, context.effectiveHome());
        List<String> warnings = new ArrayList<>();
        List<TmpfsMount> tmpfs = new ArrayList<>();
        List<MountRules.Decision> volumeDecisions = new ArrayList<>();
        List<String> hidden = new ArrayList<>();
        List<String> unknownUid = new ArrayList<>();
        List<String> exec = new ArrayList<>();
        for (MountRules.Decision d : outcome.mounts()) {
            if (d.type == MountRules.Type.VOLUME) {
                volumeDecisions.add(d);
                continue;
            }
            List<String> options = new ArrayList<>();
            String owner = user.tmpfsOwnerOptions();
            if (!d.newDirectory && !PlaceClass.conventionallyEmptyAndOpen(d.path)) {
                if (owner == null) {
                    // a user by name: no uid= to give a tmpfs, which would be root's; a new volume keeps the
                    // image directory's owner (copy-up), so the exact flags work
                    unknownUid.add(d.path);
                    d.type = MountRules.Type.VOLUME;
                    volumeDecisions.add(d);
                    continue;
                }
                hidden.add(d.path);
                if (!owner.isEmpty()) {
                    options.add(owner);
                }
            } else if (!d.newDirectory && owner != null && !owner.isEmpty()) {
                // /tmp, /var/tmp: the tmpfs takes the image directory's mode (1777 as a rule) but is root's; an
                // image that gives its /tmp to the user with 755 needs the owner too, and 1777 stays open to all
                options.add(owner);
            }
            if (d.nativeCode) {
                options.add("exec");
                exec.add(d.path);
            }
            tmpfs.add(new TmpfsMount(d.path, options));
        }
        List<String> names = VolumeNames.names(
                context.name(), volumeDecisions.stream().map(d -> d.path).toList());
        List<VolumeMount> volumes = new ArrayList<>();
        for (int i = 0; i < volumeDecisions.size(); i++) {
            volumes.add(new VolumeMount(names.get(i), volumeDecisions.get(i).path));
        }

        addInputWarnings(observed, outcome, warnings);
        for (int i = 0; i < volumes.size(); i++) {
            addVolumeWarnings(context, volumeDecisions.get(i), volumes.get(i), warnings);
        }
        if (!hidden.isEmpty()) {
            warnings.add("a tmpfs starts empty and hides what the image ships there: check that the image has"
                    + " nothing the app needs in " + String.join(", ", hidden)
                    + " (e.g. docker run --rm --entrypoint ls " + Text.shellWord(context.image()) + " -A "
                    + hidden.get(0) + ")");
        }
        if (!unknownUid.isEmpty()) {
            warnings.add("user " + Text.quoted(user.raw()) + " is a name, not a uid: a tmpfs on a directory of the"
                    + " image would be owned by root, so " + String.join(", ", unknownUid)
                    + " get a volume, which keeps"
                    + " the directory's owner (a tmpfs with uid=<its uid> works too and keeps nothing)");
        }
        if (!exec.isEmpty()) {
            warnings.add("the app wrote native code (*.so, *.node) in " + String.join(", ", exec)
                    + ": its tmpfs gets exec (Docker mounts tmpfs noexec by default)");
        }
        for (String p : outcome.rootOwnedVolumes()) {
            warnings.add("a new volume on " + p + " (not in the image) is owned by root and mode 755: user "
                    + Text.quoted(user.raw()) + " cannot write it until it is chowned");
        }

        PlanKind kind;
        if (!volumes.isEmpty()) {
            kind = PlanKind.NEEDS_VOLUME;
        } else if (!tmpfs.isEmpty()) {
            kind = PlanKind.TMPFS_ONLY;
        } else if (!outcome.unplaceable().isEmpty() || observed.invalidCount() > 0) {
            kind = PlanKind.UNKNOWN;
        } else {
            kind = PlanKind.NO_WRITES;
        }
        List<String> flags = new ArrayList<>();
        flags.add(READ_ONLY);
        for (TmpfsMount t : tmpfs) {
            flags.add("--tmpfs");
            flags.add(t.spec());
        }
        for (VolumeMount v : volumes) {
            flags.add("--volume");
            flags.add(v.spec());
        }
        List<WritePlace> byCount = new ArrayList<>(observed.places());
        byCount.sort(Comparator.comparingLong(WritePlace::changes).reversed().thenComparing(WritePlace::path));
        List<WriteCount> writes = byCount.stream()
                .limit(maxWrites)
                .map(p -> new WriteCount(p.path(), p.changes()))
                .toList();
        return new Plan(
                kind,
                context.observedAt(),
                observed.changes(),
                writes,
                Math.max(0, byCount.size() - maxWrites),
                tmpfs,
                volumes,
                flags,
                ComposeSnippet.render(service(context), tmpfs, volumes),
                warnings);
    }

    private static void addInputWarnings(ObservedWrites observed, MountRules.Outcome outcome, List<String> warnings) {
        if (observed.invalidCount() > 0) {
            warnings.add(Text.count(observed.invalidCount(), "change", "changes")
                    + (observed.invalidCount() == 1
                            ? " had an unusable path and was ignored ("
                            : " had unusable paths and were ignored (")
                    + observed.invalid().entrySet().stream()
                            .map(e -> e.getKey() + ": " + e.getValue())
                            .collect(Collectors.joining(", "))
                    + "): the plan may miss what they wrote");
        }
        if (observed.truncated() > 0) {
            warnings.add(Text.count(observed.truncated(), "change", "changes")
                    + (observed.truncated() == 1 ? " was" : " were")
                    + " past the tracking limits and count as writes to"
                    + " an ancestor: mounts may sit higher than needed");
        }
        if (!outcome.unnameable().isEmpty()) {
            WritePlace first = outcome.unnameable().get(0);
            warnings.add(Text.count(outcome.unnameable().size(), "place", "places")
                    + (outcome.unnameable().size() == 1 ? " has a name" : " have names")
                    + " a mount flag cannot carry (e.g. "
                    + Text.quoted(first.path()) + "): mounted on their nearest nameable parent ("
                    + ChangePaths.nearestNameable(first.path()) + ")");
        }
        if (!outcome.unplaceable().isEmpty()) {
            long n = outcome.unplaceable().stream()
                    .mapToLong(WritePlace::changes)
                    .sum();
            WritePlace first = outcome.unplaceable().get(0);
            String example = first.example().isEmpty() ? first.path() : first.example();
            warnings.add(Text.count(n, "change", "changes") + (n == 1 ? " lands" : " land")
                    + " where no mount can go (e.g. " + Text.quoted(example) + " in "
                    + Text.quoted(first.path()) + "): make the app write into a mounted directory, or keep the"
                    + " container writable under an exemption");
        }
    }

    private static void addVolumeWarnings(
            ContainerContext context, MountRules.Decision d, VolumeMount v, List<String> warnings) {
        long written = d.changes - d.deletions;
        if (written > 0) {
            String local = "./" + v.name();
            String target = Text.shellWord(context.name() + ":" + d.path);
            warnings.add(d.path + " holds " + Text.count(written, "change", "changes")
                    + " this container wrote, lost when it is"
                    + " recreated: copy the data out first (docker cp " + target + " " + local + "), recreate it with"
                    + " these flags by docker create, copy it into the new volume (docker cp -a " + local + "/. "
                    + target + ": -a gives it to the container's user), then docker start it");
        }
        if (d.deletions > 0) {
            warnings.add("the container deleted " + d.deletions + " entr" + (d.deletions == 1 ? "y" : "ies")
                    + " the image ships in " + d.path + " (e.g. " + Text.quoted(d.deletedExample) + "): the new"
                    + " volume is filled from the image, so they are back after a recreate; delete them again if"
                    + " the app needs them gone");
        }
        if (!d.newDirectory && d.placeClass != PlaceClass.PERSISTENT) {
            warnings.add("the volume " + v.name() + " keeps the image's " + d.path + " as it is on first use:"
                    + " a newer image's " + d.path + " does not show until the volume is removed");
        }
    }

    private static Plan generic(ContainerContext context, PlanKind kind, List<String> warnings) {
        return new Plan(
                kind,
                context.observedAt(),
                0,
                List.of(),
                0,
                List.of(),
                List.of(),
                List.of(READ_ONLY),
                ComposeSnippet.render(service(context), List.of(), List.of()),
                warnings);
    }

    private static String service(ContainerContext context) {
        return context.composeService().isEmpty() ? context.name() : context.composeService();
    }
}
