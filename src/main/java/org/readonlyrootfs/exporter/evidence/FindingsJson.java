package org.readonlyrootfs.exporter.evidence;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.compliance.Exemption;
import org.readonlyrootfs.exporter.compliance.Status;
import org.readonlyrootfs.exporter.compliance.StigRule;
import org.readonlyrootfs.exporter.compliance.Verdict;
import org.readonlyrootfs.exporter.product.BuildInfo;
import org.readonlyrootfs.exporter.remediation.Plan;
import org.readonlyrootfs.exporter.remediation.WriteCount;
import org.readonlyrootfs.exporter.scan.AuditedContainer;
import org.readonlyrootfs.exporter.scan.AuditedService;
import org.readonlyrootfs.exporter.scan.Snapshot;

/**
 * {@code GET /findings}: the whole snapshot as JSON for auditors and pipelines: the STIG rule, the
 * scan, every container with its verdict and reason, every swarm service spec, every exemption with
 * its number of matches.
 */
public final class FindingsJson {
    /** Labels shown for every container: those that decide its orchestrator, stack, service or exemption. */
    static final Set<String> LABELS_THAT_MATTER = Set.of(
            Classifier.K8S_POD_NAME,
            Classifier.K8S_POD_NAMESPACE,
            Classifier.K8S_DOCKER_TYPE,
            Classifier.SWARM_SERVICE,
            Classifier.SWARM_STACK,
            Classifier.COMPOSE_PROJECT,
            Classifier.COMPOSE_SERVICE,
            Classifier.UCP_VERSION,
            Classifier.DTR_VERSION);

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private FindingsJson() {}

    public static String render(Snapshot s, Instant generatedAt) {
        ObjectNode root = NODES.objectNode();
        root.put("generator", BuildInfo.NAME + " " + BuildInfo.version());
        root.put("generated_at", generatedAt.truncatedTo(ChronoUnit.SECONDS).toString());
        root.set("stig", stig());
        root.put("host", s.host());
        root.put("daemon_version", s.daemonVersion());
        ObjectNode scan = root.putObject("scan");
        if (s.lastSuccessEpochSeconds() > 0) {
            scan.put(
                    "time",
                    Instant.ofEpochMilli((long) (s.lastSuccessEpochSeconds() * 1000))
                            .toString());
        } else {
            scan.putNull("time");
        }
        scan.put("docker_up", s.dockerUp());
        scan.put("error", s.lastError());
        scan.put("unchecked", s.unchecked());
        root.put("status", Evidence.status(s).cklb());
        root.put("kubernetes", s.policy().kubernetes().name().toLowerCase(Locale.ROOT));
        ObjectNode counts = root.putObject("counts");
        for (Map.Entry<Status, Integer> e : s.counts().entrySet()) {
            counts.put(e.getKey().label(), e.getValue());
        }

        Set<String> labels = new TreeSet<>(LABELS_THAT_MATTER);
        for (Exemption e : s.policy().exemptions()) {
            labels.addAll(e.match().labelKeys());
        }
        ArrayNode containers = root.putArray("containers");
        for (AuditedContainer c : s.containers()) {
            ObjectNode o = containers.addObject();
            o.put("id", c.facts().id());
            o.put("short_id", c.facts().shortId());
            o.put("name", c.facts().name());
            o.put("image", c.facts().image());
            o.put("state", c.facts().state());
            o.put("readonly_rootfs", c.facts().readonlyRootfs());
            verdict(o, c.verdict());
            ObjectNode l = o.putObject("labels");
            c.facts().labels().entrySet().stream()
                    .filter(e -> labels.contains(e.getKey()))
                    .sorted(Map.Entry.comparingByKey())
                    .forEach(e -> l.put(e.getKey(), e.getValue()));
            time(o, "created", c.facts().createdEpochSeconds());
            time(o, "first_seen", c.firstSeenEpochSeconds());
            s.remediation(c).ifPresent(p -> o.set("remediation", remediation(p)));
        }

        root.put("swarm_manager", s.swarmManager());
        ArrayNode services = root.putArray("services");
        for (AuditedService a : s.services()) {
            ObjectNode o = services.addObject();
            o.put("id", a.facts().id());
            o.put("name", a.facts().name());
            o.put("mode", a.facts().mode());
            o.put("image", a.facts().image());
            o.put("read_only", a.facts().readOnly());
            verdict(o, a.verdict());
            if (a.verdict().status() == Status.FINDING) {
                Remediations.service(s, a).ifPresent(u -> {
                    ObjectNode r = o.putObject("remediation");
                    r.put("tasks_observed", u.tasks());
                    strings(r.putArray("docker_service_update_flags"), u.flags());
                    strings(r.putArray("warnings"), u.warnings());
                });
            }
        }

        ArrayNode exemptions = root.putArray("exemptions");
        for (Map.Entry<Exemption, Integer> e : s.exemptionMatches().entrySet()) {
            Exemption x = e.getKey();
            ObjectNode o = exemptions.addObject();
            o.put("id", x.id());
            o.put("built_in", x.builtIn());
            o.put("reason", x.reason());
            o.put("ticket", x.ticket());
            o.put("owner", x.owner());
            if (x.expires() != null) {
                o.put("expires", x.expires().toString());
            } else {
                o.putNull("expires");
            }
            o.put("expired", !x.activeAt(generatedAt));
            o.put("selects", x.describeMatch());
            o.put("matches", e.getValue());
        }
        return Json.write(root);
    }

    /** A finding's plan: what it wrote, the mounts that let it run read-only, and how to say so. */
    static ObjectNode remediation(Plan p) {
        ObjectNode r = NODES.objectNode();
        r.put("plan", p.kind().label());
        if (p.observedAt() != null) {
            r.put("observed_at", p.observedAt().truncatedTo(ChronoUnit.SECONDS).toString());
        } else {
            r.putNull("observed_at");
        }
        r.put("changes", p.changes());
        ArrayNode writes = r.putArray("writes");
        for (WriteCount w : p.writes()) {
            writes.addObject().put("path", w.path()).put("changes", w.changes());
        }
        r.put("writes_omitted", p.writesOmitted());
        strings(r.putArray("tmpfs"), p.tmpfsPaths());
        strings(r.putArray("volumes"), p.volumePaths());
        strings(r.putArray("docker_run_flags"), p.dockerRunFlags());
        r.put("compose", p.compose());
        strings(r.putArray("warnings"), p.warnings());
        return r;
    }

    private static void strings(ArrayNode a, java.util.List<String> values) {
        values.forEach(a::add);
    }

    private static void verdict(ObjectNode o, Verdict v) {
        o.put("status", v.status().label());
        o.put("reason", v.reason());
        o.put("orchestrator", v.orchestrator().label());
        o.put("stack", v.stack());
        o.put("service", v.service());
        if (v.exemption().isEmpty()) {
            o.putNull("exemption");
        } else {
            o.put("exemption", v.exemption());
        }
        o.put("exemption_expired", v.exemptionExpired());
    }

    private static void time(ObjectNode o, String field, long epochSeconds) {
        if (epochSeconds > 0) {
            o.put(field, Instant.ofEpochSecond(epochSeconds).toString());
        } else {
            o.putNull(field);
        }
    }

    private static ObjectNode stig() {
        ObjectNode o = NODES.objectNode();
        o.put("name", StigRule.STIG_NAME);
        o.put("benchmark_id", StigRule.BENCHMARK_ID);
        o.put("version", StigRule.STIG_VERSION);
        o.put("release_info", StigRule.RELEASE_INFO);
        o.put("finding_id", StigRule.FINDING_ID);
        o.put("rule_id", StigRule.RULE_ID);
        o.put("stig_id", StigRule.STIG_ID);
        o.putArray("ccis").add(StigRule.CCI);
        o.put("severity", StigRule.SEVERITY);
        o.put("title", StigRule.TITLE);
        o.put("check_command", StigRule.CHECK_COMMAND);
        return o;
    }
}
