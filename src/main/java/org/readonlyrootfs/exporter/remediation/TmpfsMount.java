package org.readonlyrootfs.exporter.remediation;

import java.util.List;

/**
 * A planned {@code --tmpfs}.
 *
 * @param path    mount point
 * @param options mount options, empty for Docker's defaults ({@code rw,nosuid,nodev,noexec})
 */
public record TmpfsMount(String path, List<String> options) {
    public TmpfsMount {
        options = options == null ? List.of() : List.copyOf(options);
    }

    /** The argument of {@code --tmpfs} (and the entry of compose {@code tmpfs:}): {@code path[:opts]}. */
    public String spec() {
        return options.isEmpty() ? path : path + ":" + String.join(",", options);
    }
}
