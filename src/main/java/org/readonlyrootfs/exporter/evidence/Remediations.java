package org.readonlyrootfs.exporter.evidence;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.readonlyrootfs.exporter.remediation.Plan;
import org.readonlyrootfs.exporter.remediation.ServiceUpdate;
import org.readonlyrootfs.exporter.scan.AuditedContainer;
import org.readonlyrootfs.exporter.scan.AuditedService;
import org.readonlyrootfs.exporter.scan.Snapshot;

/** The fix of a finding, as the evidence, the landing page and {@code check} show it. */
public final class Remediations {
    /** What every finding without a plan of its own is told: the STIG's generic fix. */
    public static final String GENERIC =
            "recreate with docker run --read-only --tmpfs /run --tmpfs /tmp … and rw" + " volumes for data";

    private Remediations() {}

    /** A swarm service's fix from its tasks' plans on this node; empty when none of them has a plan. */
    public static Optional<ServiceUpdate> service(Snapshot s, AuditedService a) {
        List<Plan> plans = new ArrayList<>();
        for (AuditedContainer c : s.containers()) {
            if (a.facts().name().equals(c.facts().label("com.docker.swarm.service.name"))) {
                s.remediation(c).ifPresent(plans::add);
            }
        }
        return plans.isEmpty()
                ? Optional.empty()
                : Optional.of(ServiceUpdate.of(a.facts().name(), plans));
    }

    /** One line: {@code docker run <flags> …} (shell-quoted where needed), or the generic fix. */
    public static String line(Optional<Plan> plan) {
        if (plan.isEmpty()) {
            return GENERIC;
        }
        Plan p = plan.get();
        return p.kind().label() + ": docker run " + shell(p.dockerRunFlags()) + " …";
    }

    /** The service's fix on one line. */
    public static String line(String service, ServiceUpdate u) {
        return "docker service update " + shell(u.flags()) + " " + shell(java.util.List.of(service));
    }

    /** Arguments joined for a POSIX shell: plain ones as they are, others in single quotes. */
    public static String shell(List<String> args) {
        List<String> out = new ArrayList<>();
        for (String a : args) {
            out.add(
                    !a.isEmpty()
                                    && a.chars()
                                            .allMatch(ch -> ch < 128
                                                    && (Character.isLetterOrDigit(ch) || "-_./:=,@+%".indexOf(ch) >= 0))
                            ? a
                            : "'" + a.replace("'", "'\\''") + "'");
        }
        return String.join(" ", out);
    }
}
