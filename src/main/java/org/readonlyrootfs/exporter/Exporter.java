package org.readonlyrootfs.exporter;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.config.ExporterConfig;
import org.readonlyrootfs.exporter.docker.DockerGateway;
import org.readonlyrootfs.exporter.docker.EngineGateway;
import org.readonlyrootfs.exporter.http.ExporterServer;
import org.readonlyrootfs.exporter.metrics.ExporterCollector;
import org.readonlyrootfs.exporter.scan.DockerRequestCounts;
import org.readonlyrootfs.exporter.scan.EventFollower;
import org.readonlyrootfs.exporter.scan.Inventory;
import org.readonlyrootfs.exporter.scan.ScanLoop;
import org.readonlyrootfs.exporter.scan.Scanner;

/** The running exporter: gateway, inventory, scans, events, registry and HTTP server, wired together. */
public final class Exporter implements AutoCloseable {
    static final Duration FIRST_SCAN_WAIT = Duration.ofSeconds(5);
    private static final Duration EVENTS_START_WAIT = Duration.ofSeconds(60);

    private final DockerGateway docker;
    private final ExecutorService inspectors;
    private final Scanner scanner;
    private final ScanLoop loop;
    private final EventFollower events;
    private final ExporterServer server;

    private Exporter(DockerGateway docker, ExecutorService inspectors, Scanner scanner, ScanLoop loop,
                     EventFollower events, ExporterServer server) {
        this.docker = docker;
        this.inspectors = inspectors;
        this.scanner = scanner;
        this.loop = loop;
        this.events = events;
        this.server = server;
    }

    /** Starts serving at once; the first scan runs in the background. */
    public static Exporter start(ExporterConfig config) throws IOException {
        DockerRequestCounts requests = new DockerRequestCounts();
        return start(config, new EngineGateway(config.docker(), requests), requests);
    }

    /** As {@link #start(ExporterConfig)}, with a given clock (which decides when exemptions expire). */
    public static Exporter start(ExporterConfig config, Clock clock) throws IOException {
        DockerRequestCounts requests = new DockerRequestCounts();
        return start(config, new EngineGateway(config.docker(), requests), requests, clock);
    }

    /** As {@link #start(ExporterConfig)}, over a given gateway that reports to {@code requests}. */
    public static Exporter start(ExporterConfig config, DockerGateway docker, DockerRequestCounts requests)
            throws IOException {
        return start(config, docker, requests, Clock.systemUTC());
    }

    private static Exporter start(ExporterConfig config, DockerGateway docker, DockerRequestCounts requests,
                                  Clock clock) throws IOException {
        ExecutorService inspectors = inspectPool(config.inspectConcurrency());
        Scanner scanner = new Scanner(docker, new Inventory(new Classifier(config.compliance()), clock),
                requests, inspectors, clock, localHostName());
        PrometheusRegistry registry = new PrometheusRegistry();
        // a scrape right after start-up waits (briefly) for the first scan: no empty inventory that would
        // resolve and re-raise every finding alert when the exporter restarts
        Duration firstScanWait = FIRST_SCAN_WAIT.compareTo(config.docker().timeout()) < 0
                ? FIRST_SCAN_WAIT : config.docker().timeout();
        registry.register(new ExporterCollector(() -> scanner.currentAfterFirstScan(firstScanWait),
                config.perContainer()));
        ExporterServer server;
        try {
            server = ExporterServer.start(config.web(), registry, scanner::current, clock);
        } catch (IOException | RuntimeException e) {
            inspectors.shutdownNow();
            docker.close();
            throw e;
        }
        ScanLoop loop = new ScanLoop(scanner, config.scanInterval());
        loop.start();
        EventFollower events = null;
        if (config.followEvents()) {
            events = new EventFollower(docker, scanner, inspectors, loop::scanSoon, clock);
            // the stream waits for the first scan, which so has the CPU to itself; the resync that every
            // connection of the stream runs covers what happened meanwhile
            EventFollower follower = events;
            Thread starter = new Thread(() -> {
                scanner.currentAfterFirstScan(EVENTS_START_WAIT);
                follower.start();
            }, "events-start");
            starter.setDaemon(true);
            starter.start();
        }
        return new Exporter(docker, inspectors, scanner, loop, events, server);
    }

    public int port() {
        return server.port();
    }

    public Scanner scanner() {
        return scanner;
    }

    @Override
    public void close() {
        server.close();
        if (events != null) {
            events.close();
        }
        loop.close();
        inspectors.shutdownNow();
        docker.close();
    }

    /** The inspect (and info) calls' threads, all started at once: their number never changes after. */
    static ExecutorService inspectPool(int threads) {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = (ThreadPoolExecutor) Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "inspect-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.prestartAllCoreThreads();
        return pool;
    }

    /** The host label until the daemon first answers with its name. */
    static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            String env = System.getenv("HOSTNAME");
            return env == null || env.isEmpty() ? "unknown" : env;
        }
    }
}
