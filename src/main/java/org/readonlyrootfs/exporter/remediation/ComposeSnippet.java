package org.readonlyrootfs.exporter.remediation;

import java.util.List;

/**
 * The compose form of a plan: the service's {@code read_only}, {@code tmpfs} and {@code volumes},
 * and the top-level declaration its named volumes need. Every scalar is double-quoted, so any
 * service name or path gives valid YAML.
 */
final class ComposeSnippet {
    private ComposeSnippet() {}

    static String render(String service, List<TmpfsMount> tmpfs, List<VolumeMount> volumes) {
        StringBuilder b = new StringBuilder();
        b.append("services:\n");
        b.append("  ").append(Text.yaml(service.isEmpty() ? "app" : service)).append(":\n");
        b.append("    read_only: true\n");
        if (!tmpfs.isEmpty()) {
            b.append("    tmpfs:\n");
            for (TmpfsMount t : tmpfs) {
                b.append("      - ").append(Text.yaml(t.spec())).append('\n');
            }
        }
        if (!volumes.isEmpty()) {
            b.append("    volumes:\n");
            for (VolumeMount v : volumes) {
                b.append("      - ").append(Text.yaml(v.spec())).append('\n');
            }
            b.append("volumes:\n");
            for (VolumeMount v : volumes) {
                b.append("  ").append(Text.yaml(v.name())).append(": {}\n");
            }
        }
        return b.toString();
    }
}
