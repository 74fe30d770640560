package org.readonlyrootfs.exporter.compliance;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How containers are judged beyond their root filesystem: Kubernetes handling and the exemptions.
 *
 * @param exemptSystemContainers whether the built-in {@link Exemption#SYSTEM} applies
 * @param kubernetes             how Kubernetes-managed containers are judged
 * @param exemptions             the configured exemptions, in the order they are tried
 */
public record CompliancePolicy(boolean exemptSystemContainers, KubernetesMode kubernetes, List<Exemption> exemptions) {
    public CompliancePolicy {
        Objects.requireNonNull(kubernetes, "kubernetes");
        exemptions = exemptions == null ? List.of() : List.copyOf(exemptions);
    }

    /** The defaults: system containers exempt, Kubernetes not applicable, no exemptions. */
    public static CompliancePolicy defaults() {
        return new CompliancePolicy(true, KubernetesMode.NOT_APPLICABLE, List.of());
    }

    /** Every exemption in effect, the built-in one first (if switched on), then the configured ones. */
    public List<Exemption> effective() {
        List<Exemption> all = new ArrayList<>(exemptions.size() + 1);
        if (exemptSystemContainers) {
            all.add(Exemption.SYSTEM);
        }
        all.addAll(exemptions);
        return List.copyOf(all);
    }

    /** The earliest expiry strictly after {@code t}: when verdicts may change without Docker changing. */
    public Optional<Instant> nextExpiryAfter(Instant t) {
        return exemptions.stream()
                .map(Exemption::expires)
                .filter(e -> e != null && e.isAfter(t))
                .min(Instant::compareTo);
    }
}
