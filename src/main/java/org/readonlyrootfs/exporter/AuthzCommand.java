package org.readonlyrootfs.exporter;

import static org.readonlyrootfs.exporter.product.Prose.count;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.readonlyrootfs.exporter.authz.AuthzPolicy;
import org.readonlyrootfs.exporter.authz.Decision;
import org.readonlyrootfs.exporter.authz.FixHints;
import org.readonlyrootfs.exporter.authz.PluginProtocol;
import org.readonlyrootfs.exporter.config.AuthzConfig;
import org.readonlyrootfs.exporter.config.InvalidConfigException;
import org.readonlyrootfs.exporter.http.ExporterServer;
import org.readonlyrootfs.exporter.http.PluginPage;
import org.readonlyrootfs.exporter.http.ReloadOutcome;
import org.readonlyrootfs.exporter.metrics.AuthzMetrics;
import org.readonlyrootfs.exporter.metrics.ConfigReloadCollector;
import org.readonlyrootfs.exporter.plugin.PluginServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code readonly-rootfs-exporter authz}: Docker's authorization plugin on {@code authz.socket}, deciding
 * with the exporter's policy ({@link AuthzPolicy}), with its own web server for {@code /metrics}, {@code
 * /-/healthy} and {@code /-/ready}. SIGHUP (and {@code POST /-/reload}) reloads the configuration files:
 * the mode, the plugin name, the compliance switches and exemptions apply to the next request; a bad
 * file changes nothing (logged, and {@code readonly_rootfs_config_last_reload_successful} 0).
 */
public final class AuthzCommand implements AutoCloseable {
    public static final String COMMAND = "authz";
    private static final Logger LOG = LoggerFactory.getLogger(AuthzCommand.class);
    /** Refusals and would-refuse lines: {@code readonly-rootfs-exporter.authz} in the log. */
    private static final Logger DECISIONS = LoggerFactory.getLogger("readonly-rootfs-exporter.authz");

    private final AuthzConfig started;
    private final Supplier<AuthzConfig> source;
    private final FixHints hints;
    private final Clock clock;
    private volatile AuthzPolicy policy;
    private volatile AuthzConfig current;
    private volatile ConfigReloadCollector.Status status;
    private PluginServer plugin;
    private ExporterServer web;

    private AuthzCommand(AuthzConfig config, Supplier<AuthzConfig> source, FixHints hints, Clock clock) {
        this.started = config;
        this.current = config;
        this.source = source;
        this.hints = hints;
        this.clock = clock;
        this.policy = policyOf(config);
        this.status = new ConfigReloadCollector.Status(true, clock.millis() / 1000.0);
    }

    /**
     * Serves the socket, then the web server. {@code reloadSource} reads and validates the configuration
     * files again (throws {@link InvalidConfigException}).
     */
    public static AuthzCommand start(
            AuthzConfig config, Supplier<AuthzConfig> reloadSource, FixHints hints, Clock clock) throws IOException {
        AuthzCommand c = new AuthzCommand(config, reloadSource, hints, clock);
        PrometheusRegistry registry = new PrometheusRegistry();
        AuthzMetrics metrics = new AuthzMetrics(registry, () -> c.policy.mode());
        String host = hostName();
        registry.register(new ConfigReloadCollector(() -> c.status, () -> host));
        PluginProtocol protocol = new PluginProtocol(() -> c.policy, clock);
        c.plugin = PluginServer.start(
                config.socket(),
                new PluginServer.Calls() {
                    @Override
                    public PluginProtocol.Answer handle(String method, String path, byte[] body) {
                        long t0 = System.nanoTime();
                        PluginProtocol.Answer a = protocol.handle(method, path, body);
                        Decision d = a.decision();
                        if (d != null) {
                            metrics.record(d, System.nanoTime() - t0);
                            if (d.logged()) {
                                DECISIONS.warn("{}", d.logLine());
                            }
                        }
                        return a;
                    }

                    @Override
                    public void badRequest(int status, String reason) {
                        metrics.badRequest();
                        LOG.warn(
                                "authz: a request on the socket was not HTTP as the daemon sends it ({} {}): closed",
                                status,
                                reason);
                    }
                },
                PluginServer.Limits.DEFAULT);
        try {
            c.web = ExporterServer.startPlugin(
                    config.common().web(),
                    registry,
                    () -> new PluginPage.State(
                            c.policy.mode().label(), config.socket().toString(), c.policy.pluginName(), ""),
                    c::reload);
        } catch (IOException | RuntimeException e) {
            c.plugin.close();
            throw e;
        }
        AuthzWarmup.start(protocol);
        return c;
    }

    public int webPort() {
        return web.port();
    }

    public Path socket() {
        return plugin.socket();
    }

    /** The policy in force. */
    public AuthzPolicy policy() {
        return policy;
    }

    private AuthzPolicy policyOf(AuthzConfig c) {
        return new AuthzPolicy(c.common().compliance(), c.mode(), c.pluginName(), hints);
    }

    /** Reloads the configuration files, as SIGHUP and {@code POST /-/reload} do. */
    public synchronized ReloadOutcome reload(String trigger) {
        ConfigReloader.Prepared<AuthzConfig> prepared =
                ConfigReloader.prepare(source, c -> c.common().web(), web, trigger);
        if (!prepared.problems().isEmpty()) {
            return failed(trigger, prepared.problems());
        }
        AuthzConfig next = prepared.next();
        ExporterServer.Update update = prepared.web();
        List<String> restart = new ArrayList<>(RestartNeeded.betweenAuthz(started, next));
        restart.addAll(update.restartNeeded());
        update.apply();
        AuthzPolicy before = policy;
        policy = policyOf(next);
        current = next;
        status = new ConfigReloadCollector.Status(true, clock.millis() / 1000.0);
        for (String setting : restart) {
            LOG.warn("configuration reload ({}): {} needs a restart to apply", trigger, setting);
        }
        LOG.info(
                "configuration reloaded ({}): mode {}{}, {}, plugin name {}",
                trigger,
                policy.mode().label(),
                before.mode() != policy.mode() ? " (was " + before.mode().label() + ")" : "",
                count(next.common().exemptions().size(), "exemption"),
                policy.pluginName());
        return new ReloadOutcome(true, List.of(), restart);
    }

    private ReloadOutcome failed(String trigger, List<String> problems) {
        status = new ConfigReloadCollector.Status(false, status.successEpochSeconds());
        return ConfigReloader.failure(LOG, trigger, problems, "policy");
    }

    /** The configuration last loaded. */
    public AuthzConfig config() {
        return current;
    }

    /** The node's name for the reload metrics' {@code host} label (the plugin does not ask Docker). */
    static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try {
            return Files.readString(Path.of("/etc/hostname")).trim();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** Stops the web server, then the socket (which it removes). */
    @Override
    public void close() {
        if (web != null) {
            web.close();
        }
        if (plugin != null) {
            plugin.close();
        }
    }
}
