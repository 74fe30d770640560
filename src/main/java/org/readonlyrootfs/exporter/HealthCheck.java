package org.readonlyrootfs.exporter;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.readonlyrootfs.exporter.config.CommandLine;
import org.readonlyrootfs.exporter.config.ConfigLoader;
import org.readonlyrootfs.exporter.config.ExporterConfig;
import org.readonlyrootfs.exporter.config.InvalidConfigException;
import org.readonlyrootfs.exporter.product.BuildInfo;
import org.readonlyrootfs.exporter.product.Endpoints;

/**
 * The container image's {@code HEALTHCHECK}: GETs {@code /-/healthy} of the exporter running next to
 * it and exits 0 on 200, 1 otherwise, so the image needs no curl, wget or shell. It reads the same
 * configuration as the exporter (flags, environment, {@code config.file}), so a listen address set by
 * {@code READONLY_ROOTFS_WEB_LISTEN_ADDRESS} is found; an address that listens on every interface is
 * reached on loopback.
 *
 * <pre>java -cp readonly-rootfs-exporter.jar org.readonlyrootfs.exporter.HealthCheck [--key=value ...]</pre>
 */
public final class HealthCheck {
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Set<String> WILDCARDS = Set.of("", "0.0.0.0", "::", "[::]");

    private HealthCheck() {}

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /** Returns the exit status: 0 healthy, 1 unhealthy or unreachable, 2 bad configuration. */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        ExporterConfig config;
        try {
            config = new ConfigLoader(env).load(CommandLine.parse(args));
        } catch (InvalidConfigException e) {
            e.problems().forEach(p -> err.println(BuildInfo.NAME + " healthcheck: error: " + p));
            return 2;
        }
        URI uri = healthUri(config.web().host(), config.web().port());
        try {
            HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
            c.setConnectTimeout((int) TIMEOUT.toMillis());
            c.setReadTimeout((int) TIMEOUT.toMillis());
            c.setUseCaches(false);
            int status = c.getResponseCode();
            try (InputStream body = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                if (body != null) {
                    body.readAllBytes();
                }
            }
            if (status == 200) {
                out.println(uri + ": " + status);
                return 0;
            }
            err.println(uri + ": unhealthy, status " + status);
            return 1;
        } catch (IOException e) {
            err.println(uri + ": unreachable: " + e);
            return 1;
        }
    }

    static URI healthUri(String host, int port) {
        String h = WILDCARDS.contains(host) ? "127.0.0.1" : host;
        if (h.contains(":") && !h.startsWith("[")) {
            h = "[" + h + "]";
        }
        return URI.create("http://" + h + ":" + port + Endpoints.HEALTHY);
    }
}
