package org.readonlyrootfs.exporter;

import static org.readonlyrootfs.exporter.product.Prose.count;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.readonlyrootfs.exporter.config.ExporterConfig;
import org.readonlyrootfs.exporter.config.InvalidConfigException;
import org.readonlyrootfs.exporter.config.WebConfig;
import org.readonlyrootfs.exporter.http.ConfigReload;
import org.readonlyrootfs.exporter.http.ExporterServer;
import org.readonlyrootfs.exporter.http.ReloadOutcome;
import org.readonlyrootfs.exporter.metrics.ConfigReloadCollector;
import org.readonlyrootfs.exporter.product.BuildInfo;
import org.readonlyrootfs.exporter.scan.ScanLoop;
import org.readonlyrootfs.exporter.scan.Scanner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads {@code --config.file} and {@code --web.config.file} (SIGHUP, {@code POST /-/reload}), one
 * reload at a time. Everything is read and validated first, with the original flags and environment
 * (which still win over the file); on any problem nothing changes. A valid configuration applies at
 * once: the policy re-judges the inventory from the facts it holds (no Docker call), the web config's
 * users and certificates apply to new requests and connections, and the scan interval to the next
 * scan. What cannot change while running ({@link RestartNeeded}) is reported and left as it is.
 */
final class ConfigReloader implements ConfigReload {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

    private final Supplier<ExporterConfig> source;
    private final ExporterConfig started;
    private final Scanner scanner;
    private final ScanLoop loop;
    private final ExporterServer server;
    private final Clock clock;
    private ExporterConfig current; // guarded by this
    private volatile ConfigReloadCollector.Status status;

    /** @param source reads and validates the configuration again; throws {@link InvalidConfigException} */
    ConfigReloader(
            Supplier<ExporterConfig> source,
            ExporterConfig started,
            Scanner scanner,
            ScanLoop loop,
            ExporterServer server,
            Clock clock) {
        this.source = source;
        this.started = started;
        this.current = started;
        this.scanner = scanner;
        this.loop = loop;
        this.server = server;
        this.clock = clock;
        this.status = new ConfigReloadCollector.Status(true, clock.millis() / 1000.0);
    }

    ConfigReloadCollector.Status status() {
        return status;
    }

    /** The configuration last loaded: at start, or by the last successful reload (restart-needed settings aside). */
    synchronized ExporterConfig current() {
        return current;
    }

    @Override
    public synchronized ReloadOutcome reload(String trigger) {
        Prepared<ExporterConfig> prepared = prepare(source, ExporterConfig::web, server, trigger);
        if (!prepared.problems().isEmpty()) {
            return failed(trigger, prepared.problems());
        }
        ExporterConfig next = prepared.next();
        ExporterServer.Update web = prepared.web();
        List<String> restart = new ArrayList<>(RestartNeeded.between(started, next));
        restart.addAll(web.restartNeeded());
        web.apply();
        int changed = scanner.judgeBy(next.compliance());
        loop.interval(next.scanInterval());
        current = next;
        status = new ConfigReloadCollector.Status(true, clock.millis() / 1000.0);
        for (String setting : restart) {
            LOG.warn("configuration reload ({}): {} needs a restart to apply", trigger, setting);
        }
        LOG.info(
                "configuration reloaded ({}): {}, {} changed verdict, {}, scans every {}{}",
                trigger,
                count(next.exemptions().size(), "exemption"),
                count(changed, "container"),
                count(next.web().security().basicAuthUsers().size(), "basic auth user"),
                next.scanInterval().toString().substring(2).toLowerCase(java.util.Locale.ROOT),
                restart.isEmpty()
                        ? ""
                        : "; " + count(restart.size(), "changed setting") + " need" + (restart.size() == 1 ? "s" : "")
                                + " a restart");
        return new ReloadOutcome(true, List.of(), restart);
    }

    private ReloadOutcome failed(String trigger, List<String> problems) {
        status = new ConfigReloadCollector.Status(false, status.successEpochSeconds());
        return failure(LOG, trigger, problems, "configuration");
    }

    /**
     * A configuration read again, with the web server's part loaded but not yet applied; or, with nothing
     * loaded, the problems that keep it from applying.
     */
    record Prepared<C>(C next, ExporterServer.Update web, List<String> problems) {}

    /** Reads the configuration again and prepares the web server's part: all or nothing. */
    static <C> Prepared<C> prepare(
            Supplier<C> source, java.util.function.Function<C, WebConfig> web, ExporterServer server, String trigger) {
        try {
            C next = source.get();
            return new Prepared<>(next, server.prepare(web.apply(next)), List.of());
        } catch (InvalidConfigException e) {
            return new Prepared<>(null, null, e.problems());
        } catch (IOException e) {
            return new Prepared<>(null, null, List.of(e.getMessage()));
        } catch (RuntimeException e) {
            // a bug, not a bad file: the running configuration stays all the same
            LOG.error("configuration reload ({}) crashed: {}", trigger, e.toString(), e);
            return new Prepared<>(null, null, List.of("reload crashed: " + e));
        }
    }

    /** Logs a failed reload, one line per problem, and says so; {@code stays} is what keeps running. */
    static ReloadOutcome failure(Logger log, String trigger, List<String> problems, String stays) {
        log.error(
                "configuration reload ({}) failed, the running {} stays: {}",
                trigger,
                stays,
                count(problems.size(), "problem"));
        for (String problem : problems) {
            log.error("{}: error: {}", BuildInfo.NAME, problem);
        }
        return new ReloadOutcome(false, problems, List.of());
    }
}
