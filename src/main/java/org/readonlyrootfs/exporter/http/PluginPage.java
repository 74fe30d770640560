package org.readonlyrootfs.exporter.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import org.readonlyrootfs.exporter.compliance.StigRule;
import org.readonlyrootfs.exporter.product.BuildInfo;
import org.readonlyrootfs.exporter.product.Endpoints;

/** The authorization plugin's landing page and {@code /-/ready}. */
public final class PluginPage {
    private PluginPage() {}

    /**
     * What the pages show.
     *
     * @param mode       {@code audit} or {@code enforce}
     * @param socket     the plugin's socket
     * @param pluginName the plugin's name in the daemon's chain
     * @param notReady   why it is not ready; empty when it serves the socket
     */
    public record State(String mode, String socket, String pluginName, String notReady) {}

    static void route(HttpExchange exchange, State s, String telemetryPath) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                ExporterServer.send(exchange, 405, "text/plain; charset=utf-8", "Method Not Allowed\n");
                return;
            }
            String path = exchange.getRequestURI().getPath();
            switch (path) {
                case Endpoints.LANDING ->
                    ExporterServer.send(exchange, 200, "text/html; charset=utf-8", render(s, telemetryPath));
                case Endpoints.READY -> {
                    if (s.notReady().isEmpty()) {
                        ExporterServer.send(
                                exchange, 200, "text/plain; charset=utf-8", "Authorization plugin is Ready.\n");
                    } else {
                        ExporterServer.send(
                                exchange, 503, "text/plain; charset=utf-8", "Not ready: " + s.notReady() + "\n");
                    }
                }
                default -> ExporterServer.send(exchange, 404, "text/plain; charset=utf-8", "Not Found\n");
            }
        }
    }

    static String render(State s, String telemetryPath) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>readonly-rootfs-exporter authz</title>"
                + "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
                + "td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}</style></head><body>\n"
                + "<h1>readonly-rootfs-exporter authz</h1>\n<p>Version " + Html.escape(BuildInfo.version())
                + ". Docker authorization plugin for DISA STIG " + StigRule.FINDING_ID
                + ": refuses (enforce) or counts (audit) containers and services with a writable root filesystem"
                + " before they exist.</p>\n<table>"
                + "<tr><th>Mode</th><td>" + Html.escape(s.mode()) + "</td></tr>"
                + "<tr><th>Plugin name</th><td>" + Html.escape(s.pluginName()) + "</td></tr>"
                + "<tr><th>Socket</th><td>" + Html.escape(s.socket()) + "</td></tr></table>\n"
                + "<ul><li><a href=\"" + Html.escape(telemetryPath.substring(1)) + "\">Metrics</a></li>"
                + "<li><a href=\"" + Endpoints.HEALTHY.substring(1) + "\">Health</a></li>"
                + "<li><a href=\"" + Endpoints.READY.substring(1) + "\">Readiness</a></li></ul>\n</body></html>\n";
    }
}
