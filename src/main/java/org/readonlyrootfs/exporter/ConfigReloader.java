package org.readonlyrootfs.exporter;

import static org.readonlyrootfs.exporter.product.Prose.count;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.readonlyrootfs.exporter.config.ExporterConfig;
import org.readonlyrootfs.exporter.config.InvalidConfigException;
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
        ExporterConfig next;
        ExporterServer.Update web;
        try {
            next = source.get();
            web = server.prepare(next.web());
        } catch (InvalidConfigException e) {
            return failed(trigger, e.problems());
        } catch (IOException e) {
            return failed(trigger, List.of(e.getMessage()));
        } catch (RuntimeException e) {
            // a bug, not a bad file: the running configuration stays all the same
            LOG.error("configuration reload ({}) crashed: {}", trigger, e.toString(), e);
            return failed(trigger, List.of("reload crashed: " + e));
        }
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
        LOG.error(
                "configuration reload ({}) failed, the running configuration stays: {}",
                trigger,
                count(problems.size(), "problem"));
        for (String problem : problems) {
            LOG.error("{}: error: {}", BuildInfo.NAME, problem);
        }
        return new ReloadOutcome(false, problems, List.of());
    }
}
