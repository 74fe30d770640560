package org.readonlyrootfs.exporter.http;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.readonlyrootfs.exporter.compliance.Status;
import org.readonlyrootfs.exporter.compliance.StigRule;
import org.readonlyrootfs.exporter.evidence.Remediations;
import org.readonlyrootfs.exporter.product.BuildInfo;
import org.readonlyrootfs.exporter.product.Endpoints;
import org.readonlyrootfs.exporter.remediation.Plan;
import org.readonlyrootfs.exporter.scan.AuditedContainer;
import org.readonlyrootfs.exporter.scan.Snapshot;

/** Our own landing page: what this is, the daemon, counts per status, the current findings, links. */
final class LandingPage {
    private LandingPage() {}

    static String render(Snapshot s, String telemetryPath) {
        StringBuilder b = new StringBuilder(4096);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>readonly-rootfs-exporter</title>"
                + "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
                + "td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}.finding{color:#b00}</style>"
                + "</head><body>\n");
        b.append("<h1>readonly-rootfs-exporter</h1>\n<p>Version ")
                .append(Html.escape(BuildInfo.version()))
                .append(". Audits every Docker container for DISA STIG ")
                .append(StigRule.FINDING_ID)
                .append(" (")
                .append(StigRule.RULE_ID)
                .append(", ")
                .append(StigRule.STIG_ID)
                .append(", ")
                .append(StigRule.CCI)
                .append(", severity ")
                .append(StigRule.SEVERITY)
                .append("): a container's root filesystem must be read-only.</p>\n");
        b.append("<h2>Docker daemon</h2>\n<table>");
        row(b, "Host", s.host());
        row(b, "Version", s.daemonVersion());
        row(b, "Reachable", s.dockerUp() ? "yes" : "no");
        if (!s.lastError().isEmpty()) {
            row(b, "Last error", s.lastError());
        }
        row(
                b,
                "Last successful scan",
                s.lastSuccessEpochSeconds() > 0
                        ? Instant.ofEpochMilli((long) (s.lastSuccessEpochSeconds() * 1000))
                                .toString()
                        : "none yet");
        row(b, "Scan duration", String.format("%.3f s", s.scanDurationSeconds()));
        b.append("</table>\n<h2>Containers by status</h2>\n<table>");
        for (Map.Entry<Status, Integer> e : s.counts().entrySet()) {
            row(b, e.getKey().label(), String.valueOf(e.getValue()));
        }
        if (s.unchecked() > 0) {
            row(b, "unchecked (inspect failed)", String.valueOf(s.unchecked()));
        }
        b.append("</table>\n<h2>Findings (writable root filesystem)</h2>\n");
        long findings = s.containers().stream()
                .filter(c -> c.verdict().status() == Status.FINDING)
                .count();
        if (findings == 0) {
            b.append("<p>None.</p>\n");
        } else {
            b.append("<table><tr><th>Name</th><th>Id</th><th>Image</th><th>State</th><th>Orchestrator</th>"
                    + "<th>Stack</th><th>Service</th><th>Fix</th></tr>\n");
            for (AuditedContainer c : s.containers()) {
                if (c.verdict().status() != Status.FINDING) {
                    continue;
                }
                b.append("<tr class=\"finding\">");
                cell(b, c.facts().name());
                cell(b, c.facts().shortId());
                cell(b, c.facts().image());
                cell(b, c.facts().state());
                cell(b, c.verdict().orchestrator().label());
                cell(b, c.verdict().stack());
                cell(b, c.verdict().service());
                fix(b, s.remediation(c));
                b.append("</tr>\n");
            }
            b.append(
                            "</table>\n<p>Each fix is what to add to <code>docker run</code> when recreating the container,"
                                    + " from what it wrote so far; the compose form and the warnings to read first are in <a href=\"")
                    .append(Endpoints.FINDINGS.substring(1))
                    .append("\">")
                    .append(Endpoints.FINDINGS)
                    .append("</a>. Without a plan yet: ")
                    .append(Html.escape(Remediations.GENERIC))
                    .append(".</p>\n");
        }
        b.append("<h2>Endpoints</h2>\n<ul>")
                .append("<li><a href=\"")
                .append(Html.escape(telemetryPath.substring(1)))
                .append("\">")
                .append(Html.escape(telemetryPath))
                .append("</a>: metrics</li>")
                .append(link(Endpoints.HEALTHY, "process alive"))
                .append(link(Endpoints.READY, "200 once a scan has succeeded"))
                .append("<li><code>POST ")
                .append(Endpoints.RELOAD)
                .append("</code>: reload the configuration files, as SIGHUP does (with --web.enable-lifecycle)</li>")
                .append(link(Endpoints.FINDINGS, "every container's verdict and reason, as JSON"))
                .append("<li><a href=\"")
                .append(Endpoints.CHECKLIST_CKLB.substring(1))
                .append("\">")
                .append(Endpoints.CHECKLIST_CKLB)
                .append("</a>, <a href=\"")
                .append(Endpoints.CHECKLIST_CKL.substring(1))
                .append("\">")
                .append(Endpoints.CHECKLIST_CKL)
                .append("</a>: STIG Viewer checklists of this host</li>")
                .append("</ul>\n</body></html>\n");
        return b.toString();
    }

    /** A relative link (the page may sit behind a path prefix), so {@code /-/ready} is {@code -/ready}. */
    private static String link(String path, String what) {
        return "<li><a href=\"" + path.substring(1) + "\">" + path + "</a>: " + what + "</li>";
    }

    private static void row(StringBuilder b, String key, String value) {
        b.append("<tr><th>")
                .append(Html.escape(key))
                .append("</th><td>")
                .append(Html.escape(value))
                .append("</td></tr>");
    }

    private static void fix(StringBuilder b, Optional<Plan> plan) {
        b.append("<td><code>").append(Html.escape(Remediations.line(plan))).append("</code>");
        int warnings = plan.map(p -> p.warnings().size()).orElse(0);
        if (warnings > 0) {
            b.append(" (")
                    .append(warnings)
                    .append(warnings == 1 ? " warning" : " warnings")
                    .append(")");
        }
        b.append("</td>");
    }

    private static void cell(StringBuilder b, String value) {
        b.append("<td>").append(Html.escape(value)).append("</td>");
    }
}
