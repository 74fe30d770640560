package org.readonlyrootfs.exporter;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.readonlyrootfs.exporter.config.AuthzConfig;
import org.readonlyrootfs.exporter.config.ExporterConfig;

/**
 * The settings a reload cannot apply, because the part that uses them is built once at start-up: the
 * listening socket and its telemetry context, the Docker client, the events follower, the inspector
 * pool, the remediation observer and the metric renderer. Everything else applies at once: {@code
 * scan.interval}, {@code compliance.*}, {@code web.config.file} (users; certificates while TLS stays on)
 * and {@code web.enable-lifecycle}.
 */
final class RestartNeeded {
    private RestartNeeded() {}

    /** One line per setting that differs between what runs ({@code running}) and what was read ({@code next}). */
    static List<String> between(ExporterConfig running, ExporterConfig next) {
        List<String> out = new ArrayList<>();
        String runningAddress = address(running);
        String nextAddress = address(next);
        changed(out, "web.listen-address", runningAddress, nextAddress);
        changed(
                out,
                "web.telemetry-path",
                running.web().telemetryPath(),
                next.web().telemetryPath());
        changed(out, "docker.host", running.docker().host(), next.docker().host());
        changed(
                out,
                "docker.tls-verify",
                running.docker().tlsVerify(),
                next.docker().tlsVerify());
        changed(
                out,
                "docker.cert-path",
                running.docker().certPath(),
                next.docker().certPath());
        changed(out, "docker.timeout", running.docker().timeout(), next.docker().timeout());
        changed(out, "scan.events", running.followEvents(), next.followEvents());
        changed(out, "scan.inspect-concurrency", running.inspectConcurrency(), next.inspectConcurrency());
        changed(
                out,
                "remediation.enabled",
                running.remediation().enabled(),
                next.remediation().enabled());
        changed(
                out,
                "remediation.refresh",
                running.remediation().refresh(),
                next.remediation().refresh());
        changed(out, "metrics.per-container", running.perContainer(), next.perContainer());
        if (!Objects.equals(running.containerLabels(), next.containerLabels())) {
            out.add("metrics.container-labels (changed)");
        }
        return out;
    }

    /** As {@link #between}, for the authz command: its web server's address and path, and its socket. */
    static List<String> betweenAuthz(AuthzConfig running, AuthzConfig next) {
        List<String> out = new ArrayList<>();
        changed(out, "web.listen-address", address(running.common()), address(next.common()));
        changed(
                out,
                "web.telemetry-path",
                running.common().web().telemetryPath(),
                next.common().web().telemetryPath());
        changed(out, "authz.socket", running.socket(), next.socket());
        return out;
    }

    private static String address(ExporterConfig c) {
        String host = c.web().host().contains(":")
                ? "[" + c.web().host() + "]"
                : c.web().host();
        return host + ":" + c.web().port();
    }

    private static void changed(List<String> out, String key, Object running, Object next) {
        if (!Objects.equals(running, next)) {
            out.add(key + " [" + text(running) + "] -> [" + text(next) + "]");
        }
    }

    private static String text(Object o) {
        if (o instanceof java.time.Duration d) {
            return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
        }
        if (o instanceof Enum<?> e) {
            return e.name().toLowerCase(java.util.Locale.ROOT);
        }
        return String.valueOf(o);
    }
}
