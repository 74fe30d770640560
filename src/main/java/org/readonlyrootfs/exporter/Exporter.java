package org.readonlyrootfs.exporter;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.config.ExporterConfig;
import org.readonlyrootfs.exporter.docker.DockerGateway;
import org.readonlyrootfs.exporter.docker.DockerJavaGateway;
import org.readonlyrootfs.exporter.http.ExporterServer;
import org.readonlyrootfs.exporter.metrics.ExporterCollector;
import org.readonlyrootfs.exporter.scan.DockerRequestCounts;
import org.readonlyrootfs.exporter.scan.ScanLoop;
import org.readonlyrootfs.exporter.scan.Scanner;

/** The running exporter: gateway, scanner, background loop, registry and HTTP server, wired together. */
public final class Exporter implements AutoCloseable {
    private final DockerGateway docker;
    private final Scanner scanner;
    private final ScanLoop loop;
    private final ExporterServer server;

    private Exporter(DockerGateway docker, Scanner scanner, ScanLoop loop, ExporterServer server) {
        this.docker = docker;
        this.scanner = scanner;
        this.loop = loop;
        this.server = server;
    }

    /** Starts serving at once; the first scan runs in the background. */
    public static Exporter start(ExporterConfig config) throws IOException {
        DockerRequestCounts requests = new DockerRequestCounts();
        DockerGateway docker = new DockerJavaGateway(config.docker(), requests);
        return start(config, docker, requests);
    }

    /** As {@link #start(ExporterConfig)}, over a given gateway that reports to {@code requests}. */
    public static Exporter start(ExporterConfig config, DockerGateway docker, DockerRequestCounts requests)
            throws IOException {
        Scanner scanner = new Scanner(docker, new Classifier(config.exemptSystemContainers()), requests,
                Clock.systemUTC(), localHostName());
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new ExporterCollector(scanner::current));
        ExporterServer server;
        try {
            server = ExporterServer.start(config.web(), registry, scanner::current);
        } catch (IOException | RuntimeException e) {
            docker.close();
            throw e;
        }
        ScanLoop loop = new ScanLoop(scanner, config.scanInterval());
        loop.start();
        return new Exporter(docker, scanner, loop, server);
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
        loop.close();
        docker.close();
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
