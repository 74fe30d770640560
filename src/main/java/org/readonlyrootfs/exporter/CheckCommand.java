package org.readonlyrootfs.exporter;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.readonlyrootfs.exporter.compliance.Status;
import org.readonlyrootfs.exporter.config.ExporterConfig;
import org.readonlyrootfs.exporter.docker.DaemonInfo;
import org.readonlyrootfs.exporter.docker.DockerException;
import org.readonlyrootfs.exporter.docker.DockerGateway;
import org.readonlyrootfs.exporter.evidence.Ckl;
import org.readonlyrootfs.exporter.evidence.Cklb;
import org.readonlyrootfs.exporter.evidence.Evidence;
import org.readonlyrootfs.exporter.evidence.FindingsJson;
import org.readonlyrootfs.exporter.evidence.Remediations;
import org.readonlyrootfs.exporter.product.BuildInfo;
import org.readonlyrootfs.exporter.product.Prose;
import org.readonlyrootfs.exporter.scan.AuditedContainer;
import org.readonlyrootfs.exporter.scan.AuditedService;
import org.readonlyrootfs.exporter.scan.Snapshot;

/**
 * {@code check}: one scan, one line per container as the STIG command prints it plus its verdict
 * (then one per swarm service on a manager), optionally the evidence files; exit status 0 when there
 * is no finding, 1 when there are findings, 2 on error (bad configuration, unreachable daemon,
 * containers that could not be inspected, a file that cannot be written).
 */
final class CheckCommand {
    static final String COMMAND = "check";
    /** The command's own flags: the files to write. */
    static final List<String> OUTPUT_FLAGS = List.of("output.json", "output.cklb", "output.ckl");

    private CheckCommand() {}

    static int run(ExporterConfig config, Map<String, String> outputs, PrintStream out, PrintStream err) {
        try (ScanWiring scan = ScanWiring.of(config, Clock.systemUTC())) {
            return run(config, scan, outputs, Clock.systemUTC(), out, err);
        }
    }

    private static int run(
            ExporterConfig config,
            ScanWiring scan,
            Map<String, String> outputs,
            Clock clock,
            PrintStream out,
            PrintStream err) {
        DockerGateway docker = scan.docker();
        try {
            DaemonInfo info = docker.info(); // an unreachable daemon says so here, on one line
            if (info.name().isEmpty()) {
                throw new DockerException(
                        "the Docker daemon at " + config.docker().host() + " gave no name");
            }
        } catch (DockerException e) {
            err.println(BuildInfo.NAME + ": error: " + e.getMessage());
            return 2;
        }
        Snapshot s = withPlans(scan, scan.scanner().scan());
        if (!s.dockerUp()) {
            err.println(BuildInfo.NAME + ": error: " + s.lastError());
            return 2;
        }
        for (AuditedContainer c : s.containers()) {
            out.println(line(c));
            if (c.verdict().status() == Status.FINDING) {
                out.println("  fix: " + Remediations.line(s.remediation(c)));
                s.remediation(c).ifPresent(p -> p.warnings().forEach(w -> out.println("  warning: " + w)));
            }
        }
        for (AuditedService a : s.services()) {
            out.println(line(a));
            if (a.verdict().status() == Status.FINDING) {
                out.println("  fix: "
                        + Remediations.service(s, a)
                                .map(u -> Remediations.line(a.facts().name(), u))
                                .orElse(
                                        "docker service update --read-only <service> (plus the mounts its tasks need: none of"
                                                + " its tasks was observed on this node)"));
            }
        }
        Instant now = clock.instant();
        Evidence evidence = Evidence.of(
                s,
                now,
                config.evidenceAsset(),
                outputs.containsKey("output.json")
                        ? Evidence.inFile(outputs.get("output.json"))
                        : Evidence.RUN_WITH_JSON);
        Map<String, String> files = new LinkedHashMap<>();
        outputs.forEach((flag, file) -> files.put(
                file,
                switch (flag) {
                    case "output.json" -> FindingsJson.render(s, now);
                    case "output.cklb" -> Cklb.render(evidence);
                    default -> Ckl.render(evidence);
                }));
        for (Map.Entry<String, String> f : files.entrySet()) {
            try {
                Files.writeString(Path.of(f.getKey()), f.getValue(), StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                err.println(BuildInfo.NAME + ": error: cannot write " + f.getKey() + ": " + e);
                return 2;
            }
        }
        long findings = s.counts().get(Status.FINDING) + s.serviceCounts().get(Status.FINDING);
        err.println(BuildInfo.NAME + ": " + summary(s));
        if (s.unchecked() > 0 && findings == 0) {
            err.println(BuildInfo.NAME + ": error: " + Prose.count(s.unchecked(), "container")
                    + " could not be inspected: no verdict for " + (s.unchecked() == 1 ? "it" : "them"));
            return 2;
        }
        return findings > 0 ? 1 : 0;
    }

    /** The scan with a remediation plan for every finding (their writes read one container at a time). */
    private static Snapshot withPlans(ScanWiring scan, Snapshot s) {
        if (!s.dockerUp() || scan.remediation().isEmpty()) {
            return s;
        }
        scan.remediation().get().observeDue();
        return s.withRemediations(scan.remediation().get().plans());
    }

    /** {@code /name: ReadonlyRootfs=false status=finding}, plus the reason where it says more than the flag. */
    static String line(AuditedContainer c) {
        String line = "/" + c.facts().name() + ": ReadonlyRootfs=" + c.facts().readonlyRootfs() + " status="
                + c.verdict().status().label();
        boolean explain = c.verdict().status() == Status.EXEMPT
                || c.verdict().status() == Status.NOT_APPLICABLE
                || c.verdict().exemptionExpired();
        return explain ? line + " reason=" + quote(c.verdict().reason()) : line;
    }

    /** {@code service shop_web: ReadOnly=false status=finding mode=replicated}, plus the reason as above. */
    static String line(AuditedService a) {
        String line = "service " + a.facts().name() + ": ReadOnly=" + a.facts().readOnly() + " status="
                + a.verdict().status().label() + " mode=" + a.facts().mode();
        boolean explain = a.verdict().status() == Status.EXEMPT || a.verdict().exemptionExpired();
        return explain ? line + " reason=" + quote(a.verdict().reason()) : line;
    }

    static String summary(Snapshot s) {
        Map<Status, Integer> c = s.counts();
        List<String> parts = new ArrayList<>();
        parts.add("host " + s.host() + ": " + Prose.count(s.containers().size(), "container") + ": "
                + Prose.count(c.get(Status.FINDING), "finding") + ", " + c.get(Status.COMPLIANT) + " compliant, "
                + c.get(Status.EXEMPT) + " exempt, " + c.get(Status.NOT_APPLICABLE) + " not_applicable");
        if (s.swarmManager()) {
            Map<Status, Integer> sc = s.serviceCounts();
            parts.add(Prose.count(s.services().size(), "swarm service") + ": "
                    + Prose.count(sc.get(Status.FINDING), "finding") + ", " + sc.get(Status.COMPLIANT) + " compliant, "
                    + sc.get(Status.EXEMPT) + " exempt");
        }
        return String.join("; ", parts) + "; V-260936 " + Evidence.status(s).cklb();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
