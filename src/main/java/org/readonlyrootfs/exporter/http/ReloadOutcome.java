package org.readonlyrootfs.exporter.http;

import java.util.List;

/**
 * What a reload of the configuration did.
 *
 * @param successful    whether the files were valid and the new configuration applied
 * @param problems      why it failed, one line each; empty if it did not
 * @param restartNeeded the changed settings that apply only after a restart, one line each (the rest applied)
 */
public record ReloadOutcome(boolean successful, List<String> problems, List<String> restartNeeded) {
    public ReloadOutcome {
        problems = List.copyOf(problems);
        restartNeeded = List.copyOf(restartNeeded);
    }

    /** The answer of {@code POST /-/reload}: 200 or 500, one line per problem or restart needed. */
    String body() {
        StringBuilder b = new StringBuilder();
        if (successful) {
            b.append("Configuration reloaded.\n");
            if (!restartNeeded.isEmpty()) {
                b.append("Changed settings that need a restart to apply (the rest applied):\n");
                restartNeeded.forEach(line -> b.append("  ").append(line).append('\n'));
            }
        } else {
            b.append("Configuration not reloaded: the running configuration stays. Problems:\n");
            problems.forEach(line -> b.append("  ").append(line).append('\n'));
        }
        return b.toString();
    }
}
