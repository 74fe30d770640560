package org.readonlyrootfs.exporter.remediation;

import java.util.ArrayList;
import java.util.List;

/** Test input in {@code docker diff} notation: {@code "C /etc"}, {@code "A /tmp/x"}, {@code "D /old"}. */
final class Changes {
    private Changes() {}

    static List<Change> of(String... lines) {
        List<Change> out = new ArrayList<>();
        for (String line : lines) {
            ChangeKind kind = switch (line.charAt(0)) {
                case 'C' -> ChangeKind.MODIFIED;
                case 'A' -> ChangeKind.ADDED;
                case 'D' -> ChangeKind.DELETED;
                default -> throw new IllegalArgumentException("bad change line [" + line + "]");
            };
            out.add(new Change(line.substring(2), kind));
        }
        return out;
    }
}
