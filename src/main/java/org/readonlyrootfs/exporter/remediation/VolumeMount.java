package org.readonlyrootfs.exporter.remediation;

/**
 * A planned named volume. A new named volume is filled with the image's content of {@code path}
 * (copy-up), owner and mode included.
 *
 * @param name volume name, valid for Docker ({@code [a-zA-Z0-9][a-zA-Z0-9_.-]*})
 * @param path mount point
 */
public record VolumeMount(String name, String path) {
    /** The argument of {@code --volume} (and the entry of compose {@code volumes:}). */
    public String spec() {
        return name + ":" + path;
    }
}
