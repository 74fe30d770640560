package org.readonlyrootfs.exporter.evidence;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.readonlyrootfs.exporter.compliance.Exemption;
import org.readonlyrootfs.exporter.compliance.Status;
import org.readonlyrootfs.exporter.product.Prose;
import org.readonlyrootfs.exporter.scan.AuditedContainer;
import org.readonlyrootfs.exporter.scan.AuditedService;
import org.readonlyrootfs.exporter.scan.Snapshot;

/**
 * A checklist's finding details as sections of entries, and how they are cut to a size limit. The
 * summary and everything about exemptions (exempt containers and services, each exemption with its
 * reason) are never cut. When the whole does not fit, the compliant containers go first (from the
 * end), then the not-applicable ones, then the findings' fix lines (longest first: every fix stays in
 * the complete list), then the findings themselves (from the end); a last line says what was left out
 * and where the complete list is.
 */
final class Details {
    /** What a section holds, which decides when it is cut. */
    enum Part {
        KEPT,
        FINDING,
        NOT_APPLICABLE,
        COMPLIANT
    }

    /** One line of a section, and the fix line under it (null for none). */
    record Entry(String line, String fix) {}

    /** A section: a blank line and its title before its entries (no title: the summary). */
    record Section(String title, Part part, List<Entry> entries) {}

    private final List<Section> sections;

    private Details(List<Section> sections) {
        this.sections = List.copyOf(sections);
    }

    List<Section> sections() {
        return sections;
    }

    static Details of(Snapshot s, Instant now) {
        List<Section> out = new ArrayList<>();
        List<Entry> summary = new ArrayList<>();
        Map<Status, Integer> counts = s.counts();
        summary.add(new Entry(
                "Host " + s.host() + " (Docker " + s.daemonVersion() + "), scan of " + Evidence.scanTime(s) + ": "
                        + Prose.count(s.containers().size(), "container") + ": "
                        + Prose.count(counts.get(Status.FINDING), "finding") + ", "
                        + counts.get(Status.COMPLIANT) + " compliant, " + counts.get(Status.EXEMPT) + " exempt, "
                        + counts.get(Status.NOT_APPLICABLE) + " not_applicable.",
                null));
        if (s.swarmManager()) {
            Map<Status, Integer> sc = s.serviceCounts();
            summary.add(new Entry(
                    "Swarm manager: " + Prose.count(s.services().size(), "service") + ": "
                            + Prose.count(sc.get(Status.FINDING), "finding") + ", " + sc.get(Status.COMPLIANT)
                            + " compliant, " + sc.get(Status.EXEMPT) + " exempt.",
                    null));
        }
        if (s.unchecked() > 0) {
            summary.add(new Entry(
                    Prose.count(s.unchecked(), "listed container") + " could not be inspected and "
                            + Prose.isAre(s.unchecked()) + " not in this evidence.",
                    null));
        }
        out.add(new Section(null, Part.KEPT, summary));

        List<Entry> findings = new ArrayList<>();
        List<Entry> exempt = new ArrayList<>();
        List<Entry> notApplicable = new ArrayList<>();
        List<Entry> compliant = new ArrayList<>();
        for (AuditedContainer c : s.containers()) {
            switch (c.verdict().status()) {
                case FINDING ->
                    findings.add(
                            new Entry(Evidence.findingLine(c), Evidence.FIX + Remediations.line(s.remediation(c))));
                case EXEMPT -> exempt.add(new Entry(Evidence.exemptLine(c), null));
                case NOT_APPLICABLE -> notApplicable.add(new Entry(Evidence.stigLine(c), null));
                case COMPLIANT -> compliant.add(new Entry(Evidence.stigLine(c), null));
            }
        }
        add(out, "Containers with a writable root filesystem (findings):", Part.FINDING, findings);
        List<Entry> services = new ArrayList<>();
        List<Entry> exemptServices = new ArrayList<>();
        for (AuditedService a : s.services()) {
            if (a.verdict().status() == Status.FINDING) {
                services.add(new Entry(
                        a.facts().name() + ": ReadOnly=false (" + a.facts().mode()
                                + (a.verdict().stack().isEmpty()
                                        ? ""
                                        : ", stack " + a.verdict().stack())
                                + ", image " + a.facts().image() + ")",
                        Remediations.service(s, a)
                                .map(u -> Evidence.FIX
                                        + Remediations.line(a.facts().name(), u))
                                .orElse(null)));
            } else if (a.verdict().status() == Status.EXEMPT) {
                exemptServices.add(new Entry(
                        a.facts().name() + ": ReadOnly=" + a.facts().readOnly() + ", exemption "
                                + a.verdict().exemption(),
                        null));
            }
        }
        add(
                out,
                "Swarm services that create containers with a writable root filesystem"
                        + " (TaskTemplate.ContainerSpec.ReadOnly not true):",
                Part.FINDING,
                services);
        add(out, "Exempt containers:", Part.KEPT, exempt);
        add(out, "Exempt swarm services:", Part.KEPT, exemptServices);
        List<Entry> exemptions = new ArrayList<>();
        for (Map.Entry<Exemption, Integer> e : s.exemptionMatches().entrySet()) {
            Exemption x = e.getKey();
            exemptions.add(new Entry(
                    x.id() + (x.activeAt(now) ? "" : " (EXPIRED)") + ": " + x.explanation() + "; selects "
                            + x.describeMatch() + "; " + Prose.count(e.getValue(), "match", "matches"),
                    null));
        }
        add(out, "Exemptions:", Part.KEPT, exemptions);
        add(out, "Not applicable (managed by Kubernetes):", Part.NOT_APPLICABLE, notApplicable);
        add(out, "Compliant containers:", Part.COMPLIANT, compliant);
        return new Details(out);
    }

    private static void add(List<Section> out, String title, Part part, List<Entry> entries) {
        if (!entries.isEmpty()) {
            out.add(new Section(title, part, entries));
        }
    }

    /** Every line. */
    String text() {
        return render(new Kept(sections));
    }

    /**
     * The text if it fits in {@code max} characters; else cut as the class says, ending with a line
     * that says what is not listed and that the complete list is {@code completeList}.
     */
    String fit(int max, String completeList) {
        Kept all = new Kept(sections);
        if (all.length() <= max) {
            return render(all);
        }
        Counts total = all.counts();
        Kept k = new Kept(sections);
        while (k.length() + 1 + note(total, k, completeList).length() > max && k.dropNext()) {
            // one more line left out
        }
        String text = render(k) + "\n" + note(total, k, completeList);
        // the summary and the exemptions alone may be too long: then they are cut too, at a whole line
        return text.length() <= max ? text : cut(text, max, completeList);
    }

    private String render(Kept k) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < sections.size(); i++) {
            Section sec = sections.get(i);
            if (k.kept[i] == 0) {
                continue;
            }
            if (sec.title() != null) {
                lines.add("");
                lines.add(sec.title());
            }
            for (int j = 0; j < k.kept[i]; j++) {
                Entry e = sec.entries().get(j);
                lines.add(e.line());
                if (e.fix() != null && !k.fixDropped[i][j]) {
                    lines.add(e.fix());
                }
            }
        }
        return String.join("\n", lines);
    }

    /** Findings, not-applicable and compliant containers: all of them, or those kept. */
    private record Counts(int findings, int notApplicable, int compliant) {}

    /** The last line of cut details: what {@code k} leaves out of {@code total}, and where everything is. */
    private static String note(Counts total, Kept k, String completeList) {
        Counts kept = k.counts();
        int droppedFixes = k.droppedFixes();
        List<String> out = new ArrayList<>();
        if (kept.findings() < total.findings()) {
            out.add(total.findings() - kept.findings() + " of " + Prose.count(total.findings(), "finding"));
        }
        if (droppedFixes > 0) {
            out.add(droppedFixes == 1 ? "the fix of 1 finding" : "the fixes of " + droppedFixes + " findings");
        }
        if (kept.notApplicable() < total.notApplicable()) {
            out.add(Prose.count(total.notApplicable() - kept.notApplicable(), "not-applicable container"));
        }
        if (kept.compliant() < total.compliant()) {
            out.add(Prose.count(total.compliant() - kept.compliant(), "compliant container"));
        }
        return "[cut: STIG Manager keeps " + Evidence.MAX_TEXT + " characters; not listed here: "
                + (out.isEmpty() ? "nothing" : String.join(", ", out)) + "; the complete list is " + completeList
                + "]";
    }

    /**
     * {@code text} if it fits in {@code max} characters; else as many whole lines as fit, then a note
     * saying how many were cut and where to find them all (one huge first line is cut inside).
     */
    static String cut(String text, int max, String completeList) {
        if (text.length() <= max) {
            return text;
        }
        String[] lines = text.split("\n", -1);
        StringBuilder b = new StringBuilder();
        int kept = 0;
        for (String line : lines) {
            String note = lineNote(lines.length - kept, completeList);
            if (b.length() + line.length() + 1 + note.length() > max) {
                break;
            }
            b.append(line).append('\n');
            kept++;
        }
        String note = lineNote(lines.length - kept, completeList);
        if (kept == 0) {
            int room = Math.max(0, Math.min(lines[0].length(), max - note.length() - 1));
            b.append(lines[0], 0, room).append('\n');
        }
        return b.append(note).toString();
    }

    private static String lineNote(int cutLines, String completeList) {
        return "[cut: " + Prose.count(cutLines, "more line") + ": STIG Manager keeps " + Evidence.MAX_TEXT
                + " characters; the complete list is " + completeList + "]";
    }

    /** Which entries and fix lines are kept, and the length of the text they make. */
    private final class Kept {
        final int[] kept;
        final boolean[][] fixDropped;
        private int length;
        private int droppedFixes;
        private List<int[]> fixes;
        private int nextFix;

        Kept(List<Section> all) {
            kept = new int[all.size()];
            fixDropped = new boolean[all.size()][];
            List<Integer> lineLengths = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                Section sec = all.get(i);
                kept[i] = sec.entries().size();
                fixDropped[i] = new boolean[sec.entries().size()];
                if (sec.title() != null) {
                    lineLengths.add(0);
                    lineLengths.add(sec.title().length());
                }
                for (Entry e : sec.entries()) {
                    lineLengths.add(e.line().length());
                    if (e.fix() != null) {
                        lineLengths.add(e.fix().length());
                    }
                }
            }
            length = lineLengths.stream().mapToInt(Integer::intValue).sum() + Math.max(0, lineLengths.size() - 1);
        }

        int length() {
            return length;
        }

        int droppedFixes() {
            return droppedFixes;
        }

        /** Drops the last kept entry of that part (and its section's title with its last entry). */
        boolean dropLast(Part part) {
            for (int i = sections.size() - 1; i >= 0; i--) {
                Section sec = sections.get(i);
                if (sec.part() != part || kept[i] == 0) {
                    continue;
                }
                int j = --kept[i];
                Entry e = sec.entries().get(j);
                length -= e.line().length() + 1;
                if (e.fix() != null) {
                    if (fixDropped[i][j]) {
                        droppedFixes--; // counted with the finding now
                    } else {
                        length -= e.fix().length() + 1;
                    }
                }
                if (kept[i] == 0 && sec.title() != null) {
                    length -= sec.title().length() + 2;
                }
                return true;
            }
            return false;
        }

        /**
         * Leaves out the next line in the order of the class comment: the last compliant container, else
         * the last not-applicable one, else the longest fix line left, else the last finding.
         */
        boolean dropNext() {
            if (dropLast(Part.COMPLIANT) || dropLast(Part.NOT_APPLICABLE)) {
                return true;
            }
            if (fixes == null) {
                fixes = new ArrayList<>();
                for (int i = 0; i < sections.size(); i++) {
                    for (int j = 0; j < kept[i]; j++) {
                        Entry e = sections.get(i).entries().get(j);
                        if (e.fix() != null) {
                            fixes.add(new int[] {i, j});
                        }
                    }
                }
                fixes.sort(
                        Comparator.comparingInt((int[] f) -> fixOf(f).length()).reversed());
            }
            if (nextFix < fixes.size()) {
                int[] f = fixes.get(nextFix++);
                fixDropped[f[0]][f[1]] = true;
                droppedFixes++;
                length -= fixOf(f).length() + 1;
                return true;
            }
            return dropLast(Part.FINDING);
        }

        private String fixOf(int[] f) {
            return sections.get(f[0]).entries().get(f[1]).fix();
        }

        Counts counts() {
            int[] n = new int[Part.values().length];
            for (int i = 0; i < sections.size(); i++) {
                n[sections.get(i).part().ordinal()] += kept[i];
            }
            return new Counts(n[Part.FINDING.ordinal()], n[Part.NOT_APPLICABLE.ordinal()], n[Part.COMPLIANT.ordinal()]);
        }
    }
}
