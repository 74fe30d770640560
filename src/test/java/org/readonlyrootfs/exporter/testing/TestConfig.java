package org.readonlyrootfs.exporter.testing;

import java.util.Map;
import org.readonlyrootfs.exporter.config.CommandLine;
import org.readonlyrootfs.exporter.config.ConfigLoader;
import org.readonlyrootfs.exporter.config.ExporterConfig;

/** The configuration the integration tests start exporters with. */
public final class TestConfig {
    private TestConfig() {}

    /** A config for tests: this daemon, a free loopback port, a 500 ms interval; {@code flags} override. */
    public static ExporterConfig config(String host, String... flags) {
        Map<String, String> byKey = new java.util.LinkedHashMap<>();
        byKey.put("docker.host", host);
        byKey.put("web.listen-address", "127.0.0.1:0");
        byKey.put("scan.interval", "500ms");
        for (String f : flags) {
            int eq = f.indexOf('=');
            byKey.put(f.substring(2, eq), f.substring(eq + 1));
        }
        String[] args = byKey.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        return new ConfigLoader(Map.of()).load(CommandLine.parse(args));
    }
}
