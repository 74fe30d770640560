package org.readonlyrootfs.exporter;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import org.readonlyrootfs.exporter.config.EvidenceAsset;
import org.readonlyrootfs.exporter.config.ExporterConfig;
import org.readonlyrootfs.exporter.docker.DockerGateway;
import org.readonlyrootfs.exporter.http.ExporterServer;
import org.readonlyrootfs.exporter.metrics.ExporterCollector;
import org.readonlyrootfs.exporter.scan.DockerRequestCounts;
import org.readonlyrootfs.exporter.scan.EventFollower;
import org.readonlyrootfs.exporter.scan.RemediationObserver;
import org.readonlyrootfs.exporter.scan.ScanLoop;
import org.readonlyrootfs.exporter.scan.Scanner;

/** The running exporter: gateway, inventory, scans, events, registry and HTTP server, wired together. */
public final class Exporter implements AutoCloseable {
    static final Duration FIRST_SCAN_WAIT = Duration.ofSeconds(5);
    private static final Duration EVENTS_START_WAIT = Duration.ofSeconds(60);

    private final ScanWiring scan;
    private final ScanLoop loop;
    private final EventFollower events;
    private final ExporterServer server;

    private Exporter(ScanWiring scan, ScanLoop loop, EventFollower events, ExporterServer server) {
        this.scan = scan;
        this.loop = loop;
        this.events = events;
        this.server = server;
    }

    /** Starts serving at once; the first scan runs in the background. */
    public static Exporter start(ExporterConfig config) throws IOException {
        return start(ScanWiring.of(config, Clock.systemUTC()), config, Clock.systemUTC());
    }

    /** As {@link #start(ExporterConfig)}, with a given clock (which decides when exemptions expire). */
    public static Exporter start(ExporterConfig config, Clock clock) throws IOException {
        return start(ScanWiring.of(config, clock), config, clock);
    }

    /** As {@link #start(ExporterConfig)}, over a given gateway that reports to {@code requests}. */
    public static Exporter start(ExporterConfig config, DockerGateway docker, DockerRequestCounts requests)
            throws IOException {
        return start(ScanWiring.over(config, docker, requests, Clock.systemUTC()), config, Clock.systemUTC());
    }

    private static Exporter start(ScanWiring scan, ExporterConfig config, Clock clock) throws IOException {
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
        registry.register(new ExporterCollector(
                () -> scanner.currentAfterFirstScan(firstScanDeadline),
                config.perContainer(),
                config.containerLabels()));
        ExporterServer server;
        try {
            EvidenceAsset asset = config.evidenceAsset();
            server = ExporterServer.start(config.web(), registry, scanner::current, clock, () -> asset);
        } catch (IOException | RuntimeException e) {
            scan.close();
            throw e;
        }
        ScanLoop loop = new ScanLoop(scanner, config.scanInterval());
        loop.start();
        scan.remediation().ifPresent(RemediationObserver::start);
        EventFollower events = null;
        if (config.followEvents()) {
            events = new EventFollower(scan.docker(), scanner, scan.inspectors(), loop::scanSoon, clock);
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
        return new Exporter(scan, loop, events, server);
    }

    public int port() {
        return server.port();
    }

    public Scanner scanner() {
        return scan.scanner();
    }

    @Override
    public void close() {
        server.close();
        if (events != null) {
            events.close();
        }
        loop.close();
        scan.close();
    }
}
