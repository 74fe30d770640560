package org.readonlyrootfs.exporter;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.readonlyrootfs.exporter.config.ExporterConfig;
import org.readonlyrootfs.exporter.docker.DockerGateway;
import org.readonlyrootfs.exporter.hints.HintsPublisher;
import org.readonlyrootfs.exporter.http.ExporterServer;
import org.readonlyrootfs.exporter.http.ReloadOutcome;
import org.readonlyrootfs.exporter.metrics.AuthzChainCollector;
import org.readonlyrootfs.exporter.metrics.CgroupMemory;
import org.readonlyrootfs.exporter.metrics.ConfigReloadCollector;
import org.readonlyrootfs.exporter.metrics.ExporterCollector;
import org.readonlyrootfs.exporter.metrics.Latencies;
import org.readonlyrootfs.exporter.metrics.ProcessAndJvm;
import org.readonlyrootfs.exporter.metrics.ScanCounters;
import org.readonlyrootfs.exporter.remediation.Plan;
import org.readonlyrootfs.exporter.scan.DockerRequestCounts;
import org.readonlyrootfs.exporter.scan.EventFollower;
import org.readonlyrootfs.exporter.scan.RemediationObserver;
import org.readonlyrootfs.exporter.scan.ScanLoop;
import org.readonlyrootfs.exporter.scan.Scanner;
import org.readonlyrootfs.exporter.scan.Snapshot;
import org.slf4j.LoggerFactory;

/** The running exporter: gateway, inventory, scans, events, registry and HTTP server, wired together. */
public final class Exporter implements AutoCloseable {
    static final Duration FIRST_SCAN_WAIT = Duration.ofSeconds(5);
    private static final Duration EVENTS_START_WAIT = Duration.ofSeconds(60);

    private final ScanWiring scan;
    private final ScanLoop loop;
    private final EventFollower events;
    private final ExporterServer server;
    private final ConfigReloader reloader;
    private final HintsPublisher hints;

    private Exporter(
            ScanWiring scan,
            ScanLoop loop,
            EventFollower events,
            ExporterServer server,
            ConfigReloader reloader,
            HintsPublisher hints) {
        this.scan = scan;
        this.loop = loop;
        this.events = events;
        this.server = server;
        this.reloader = reloader;
        this.hints = hints;
    }

    /** Starts serving at once; the first scan runs in the background. A reload applies {@code config} again. */
    public static Exporter start(ExporterConfig config) throws IOException {
        return start(config, Clock.systemUTC(), () -> config);
    }

    /** As {@link #start(ExporterConfig)}, with a given clock (which decides when exemptions expire). */
    public static Exporter start(ExporterConfig config, Clock clock) throws IOException {
        return start(config, clock, () -> config);
    }

    /**
     * As {@link #start(ExporterConfig, Clock)}; a reload (SIGHUP, {@code POST /-/reload}) takes the
     * configuration from {@code reloadSource}, which reads the files again and throws {@link
     * org.readonlyrootfs.exporter.config.InvalidConfigException} for a bad one.
     */
    public static Exporter start(ExporterConfig config, Clock clock, Supplier<ExporterConfig> reloadSource)
            throws IOException {
        return start(ScanWiring.of(config, clock), config, clock, reloadSource);
    }

    /** As {@link #start(ExporterConfig)}, over a given gateway that reports to {@code requests}. */
    public static Exporter start(ExporterConfig config, DockerGateway docker, DockerRequestCounts requests)
            throws IOException {
        return start(config, docker, requests, () -> config);
    }

    /** As above, reloading from {@code reloadSource}. */
    public static Exporter start(
            ExporterConfig config,
            DockerGateway docker,
            DockerRequestCounts requests,
            Supplier<ExporterConfig> reloadSource)
            throws IOException {
        return start(
                ScanWiring.over(config, docker, requests, Clock.systemUTC()), config, Clock.systemUTC(), reloadSource);
    }

    private static Exporter start(
            ScanWiring scan, ExporterConfig config, Clock clock, Supplier<ExporterConfig> reloadSource)
            throws IOException {
        Scanner scanner = scan.scanner();
        PrometheusRegistry registry = new PrometheusRegistry();
        // a scrape right after start-up waits (briefly) for the first scan: no empty inventory that would
        // resolve and re-raise every finding alert when the exporter restarts
        long startNanos = System.nanoTime();
        Duration firstScanWait = FIRST_SCAN_WAIT.compareTo(config.docker().timeout()) < 0
                ? FIRST_SCAN_WAIT
                : config.docker().timeout();
        // one deadline, counted from the start: no scrape waits past it, however many came before
        long firstScanDeadline = startNanos + firstScanWait.toNanos();
        Supplier<Snapshot> snapshots = () -> scanner.currentAfterFirstScan(firstScanDeadline);
        registry.register(new ExporterCollector(snapshots, config.perContainer(), config.containerLabels()));
        ScanCounters.register(registry, snapshots);
        // after the collectors that wait for the first scan: by then the host label is the daemon's name
        Latencies latencies = new Latencies();
        scan.requests().timeTo(latencies);
        registry.register(latencies.collector(scanner::host));
        CgroupMemory.ofThisProcess().register(registry, scanner::host);
        // the server answers POST /-/reload from its start; the reloader needs the server, so it comes after
        AtomicReference<ConfigReloader> reloader = new AtomicReference<>();
        ExporterServer server;
        try {
            server = ExporterServer.start(
                    config.web(),
                    registry,
                    scanner::current,
                    clock,
                    // the checklists' asset follows reloads
                    () -> {
                        ConfigReloader r = reloader.get();
                        return (r != null ? r.current() : config).evidenceAsset();
                    },
                    trigger -> {
                        ConfigReloader r = reloader.get();
                        return r != null
                                ? r.reload(trigger)
                                : new ReloadOutcome(
                                        false, List.of("the exporter is still starting: try again"), List.of());
                    });
        } catch (IOException | RuntimeException e) {
            scan.close();
            throw e;
        }
        ScanLoop loop = new ScanLoop(scanner, config.scanInterval());
        ConfigReloader reloads = new ConfigReloader(reloadSource, config, scanner, loop, server, clock);
        reloader.set(reloads);
        registry.register(new ConfigReloadCollector(
                reloads::status, () -> scanner.current().host()));
        registry.register(new AuthzChainCollector(() -> {
            ExporterConfig.PluginWatch watch = reloads.current().pluginWatch(); // authz.* follow reloads
            return new AuthzChainCollector.Chain(
                    scanner.host(), scanner.authorizationPlugins(), watch.pluginName(), watch.required());
        }));
        loop.start();
        scan.remediation().ifPresent(RemediationObserver::start);
        // the fixes known per image, for the authorization plugin's refusals (authz.hints-file, follows reloads)
        HintsPublisher hints = new HintsPublisher(
                () -> scanner.inventory().containers(),
                scan.remediation()
                        .<Supplier<Map<String, Plan>>>map(r -> r::plans)
                        .orElse(Map::of),
                scanner::host,
                () -> reloads.current().pluginWatch().hintsFile(),
                clock);
        hints.start();
        EventFollower events = null;
        if (config.followEvents()) {
            events = new EventFollower(
                    scan.docker(), scanner, scan.inspectors(), loop::scanSoon, clock, latencies::eventDelay);
            // the stream waits for the first scan, which so has the CPU to itself; the resync that every
            // connection of the stream runs covers what happened meanwhile
            EventFollower follower = events;
            Thread starter = new Thread(
                    () -> {
                        scanner.currentAfterFirstScan(EVENTS_START_WAIT);
                        follower.start();
                    },
                    "events-start");
            starter.setDaemon(true);
            starter.start();
        }
        if (config.processAndJvmMetrics()) {
            // once the first scan runs: their classes load on this thread while it waits for the daemon
            if (!ProcessAndJvm.register(registry)) {
                LoggerFactory.getLogger(Exporter.class)
                        .warn("metrics.process-and-jvm: no process_* and jvm_* metrics: this Java runtime lacks the"
                                + " java.management module");
            }
        }
        return new Exporter(scan, loop, events, server, reloads, hints);
    }

    public int port() {
        return server.port();
    }

    public Scanner scanner() {
        return scan.scanner();
    }

    /** Reloads the configuration files, as SIGHUP and {@code POST /-/reload} do. */
    public ReloadOutcome reload(String trigger) {
        return reloader.reload(trigger);
    }

    /**
     * The configuration last loaded: the one started with, or the last one reloaded successfully. Of the
     * settings that need a restart, the running parts keep the start-up values.
     */
    public ExporterConfig config() {
        return reloader.current();
    }

    @Override
    public void close() {
        server.close();
        hints.close();
        if (events != null) {
            events.close();
        }
        loop.close();
        scan.close();
    }
}
