package org.readonlyrootfs.exporter.product;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The program's name and the version of this build (from the Maven-filtered {@code build.properties}). */
public final class BuildInfo {
    /** The program name: log lines, error lines, the user agent, the checklists' tool name. */
    public static final String NAME = "readonly-rootfs-exporter";

    private static final String VERSION = load();

    private BuildInfo() {}

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
