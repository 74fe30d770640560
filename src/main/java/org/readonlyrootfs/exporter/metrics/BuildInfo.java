package org.readonlyrootfs.exporter.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Version of this build, from the Maven-filtered {@code build.properties}. */
public final class BuildInfo {
    private static final String VERSION = load();

    private BuildInfo() {
    }

    public static String version() {
        return VERSION;
    }

    public static String javaVersion() {
        return System.getProperty("java.version", "");
    }

    private static String load() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("/build.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
