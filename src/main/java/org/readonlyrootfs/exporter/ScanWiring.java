package org.readonlyrootfs.exporter;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.config.ExporterConfig;
import org.readonlyrootfs.exporter.docker.DockerGateway;
import org.readonlyrootfs.exporter.docker.EngineGateway;
import org.readonlyrootfs.exporter.scan.DockerRequestCounts;
import org.readonlyrootfs.exporter.scan.Inventory;
import org.readonlyrootfs.exporter.scan.RemediationObserver;
import org.readonlyrootfs.exporter.scan.Scanner;

/**
 * The scan's parts, built one way for both commands ({@code serve} and {@code check}): the gateway to
 * the daemon, the count of requests sent to it, the pool of inspector threads and the scanner over them.
 * Closing it stops the pool and closes the gateway.
 */
final class ScanWiring implements AutoCloseable {
    private final DockerGateway docker;
    private final DockerRequestCounts requests;
    private final ExecutorService inspectors;
    private final Scanner scanner;
    private final RemediationObserver remediation;

    private ScanWiring(
            DockerGateway docker,
            DockerRequestCounts requests,
            ExecutorService inspectors,
            Scanner scanner,
            RemediationObserver remediation) {
        this.docker = docker;
        this.requests = requests;
        this.inspectors = inspectors;
        this.scanner = scanner;
        this.remediation = remediation;
    }

    /** Over the daemon the configuration names. */
    static ScanWiring of(ExporterConfig config, Clock clock) {
        DockerRequestCounts requests = new DockerRequestCounts();
        return over(config, new EngineGateway(config.docker(), requests), requests, clock);
    }

    /** Over a given gateway that reports its requests to {@code requests}. */
    static ScanWiring over(ExporterConfig config, DockerGateway docker, DockerRequestCounts requests, Clock clock) {
        ExecutorService inspectors = inspectPool(config.inspectConcurrency());
        Scanner scanner = new Scanner(
                docker,
                new Inventory(new Classifier(config.compliance()), clock),
                requests,
                inspectors,
                clock,
                localHostName());
        RemediationObserver remediation = null;
        if (config.remediation().enabled()) {
            remediation = new RemediationObserver(
                    docker,
                    () -> scanner.inventory().containers(),
                    config.remediation().refresh(),
                    clock);
            scanner.remediations(remediation::plans);
        }
        return new ScanWiring(docker, requests, inspectors, scanner, remediation);
    }

    DockerGateway docker() {
        return docker;
    }

    DockerRequestCounts requests() {
        return requests;
    }

    ExecutorService inspectors() {
        return inspectors;
    }

    Scanner scanner() {
        return scanner;
    }

    /** The findings' remediation plans; empty when {@code remediation.enabled} is false. */
    Optional<RemediationObserver> remediation() {
        return Optional.ofNullable(remediation);
    }

    @Override
    public void close() {
        if (remediation != null) {
            remediation.close();
        }
        inspectors.shutdownNow();
        docker.close();
    }

    /** The inspect (and info) calls' threads, all started at once: their number never changes after. */
    private static ExecutorService inspectPool(int threads) {
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
    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            String env = System.getenv("HOSTNAME");
            return env == null || env.isEmpty() ? "unknown" : env;
        }
    }
}
