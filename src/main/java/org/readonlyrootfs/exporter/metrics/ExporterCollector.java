package org.readonlyrootfs.exporter.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.readonlyrootfs.exporter.compliance.Exemption;
import org.readonlyrootfs.exporter.compliance.Status;
import org.readonlyrootfs.exporter.compliance.StigRule;
import org.readonlyrootfs.exporter.config.ContainerLabels;
import org.readonlyrootfs.exporter.config.PerContainer;
import org.readonlyrootfs.exporter.product.BuildInfo;
import org.readonlyrootfs.exporter.remediation.Plan;
import org.readonlyrootfs.exporter.remediation.PlanKind;
import org.readonlyrootfs.exporter.scan.AuditedContainer;
import org.readonlyrootfs.exporter.scan.AuditedService;
import org.readonlyrootfs.exporter.scan.Snapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders the metric contract from one immutable {@link Snapshot}, built fresh on every scrape:
 * a container that is gone has no series, and a scrape never calls Docker. The scans' counters are
 * {@link ScanCounters}, the latency histograms {@link Latencies}.
 */
public final class ExporterCollector implements MultiCollector {
    public static final String PREFIX = "readonly_rootfs_";
    private static final Logger LOG = LoggerFactory.getLogger(ExporterCollector.class);

    private final Supplier<Snapshot> snapshots;
    private final PerContainer perContainer;
    private final ContainerLabels containerLabels;

    public ExporterCollector(Supplier<Snapshot> snapshots) {
        this(snapshots, PerContainer.ALL);
    }

    /** @param perContainer which per-container series to export; the counts are always complete */
    public ExporterCollector(Supplier<Snapshot> snapshots, PerContainer perContainer) {
        this(snapshots, perContainer, ContainerLabels.NONE);
    }

    /**
     * @param perContainer    which per-container series to export; the counts are always complete
     * @param containerLabels Docker labels exported as {@code label_*} on the per-container series: every
     *                        series carries every one of them, empty when the container has no such label
     */
    public ExporterCollector(Supplier<Snapshot> snapshots, PerContainer perContainer, ContainerLabels containerLabels) {
        this.snapshots = snapshots;
        this.perContainer = perContainer;
        this.containerLabels = containerLabels;
    }

    /** The {@code label_*} labels of one container (none by default), as the inventory's columns say. */
    private static Labels withContainerLabels(Labels labels, AuditedContainer c, ContainerLabelColumns columns) {
        Labels out = labels;
        for (Map.Entry<String, String> e : columns.columns().entrySet()) {
            out = out.add(e.getValue(), c.facts().labels().getOrDefault(e.getKey(), ""));
        }
        return out;
    }

    /** The label columns of one inventory; its list is immutable, so identity says "unchanged". */
    private record Columns(List<AuditedContainer> containers, ContainerLabelColumns columns) {}

    private volatile Columns lastColumns;
    /** Pattern label names already logged as left out, so that each is logged once (bounded). */
    private final Set<String> loggedCollisions = ConcurrentHashMap.newKeySet();

    private static final int MAX_LOGGED_COLLISIONS = 1000;

    /** The label columns of this inventory, computed again only when its container list changed. */
    private ContainerLabelColumns columns(Snapshot s) {
        Columns last = lastColumns;
        if (last != null && last.containers() == s.containers()) {
            return last.columns();
        }
        ContainerLabelColumns columns = ContainerLabelColumns.of(containerLabels, s.containers());
        for (String c : columns.collisions()) {
            if (loggedCollisions.size() < MAX_LOGGED_COLLISIONS && loggedCollisions.add(c)) {
                LOG.warn(
                        "metrics.container-labels: Docker label {} is left out: its Prometheus name is taken"
                                + " (readonly_rootfs_container_labels_dropped{reason=\"collision\"})",
                        c);
            }
        }
        lastColumns = new Columns(s.containers(), columns);
        return columns;
    }

    /** The per-container series of one inventory; its list is immutable, so identity says "unchanged". */
    private record ContainerSeries(List<AuditedContainer> containers, String host, GaugeSnapshot series) {}

    private volatile ContainerSeries lastSeries;

    /**
     * The per-container gauge. Built from the snapshot's container list, and built again only when
     * that (immutable) list or the host is another: the inventory hands out the same list until a
     * container changes, so a steady-state scrape of thousands of containers does not rebuild them.
     */
    private GaugeSnapshot containerSeries(Snapshot s) {
        ContainerSeries last = lastSeries;
        if (last != null && last.containers() == s.containers() && last.host().equals(s.host())) {
            return last.series();
        }
        ContainerLabelColumns columns = columns(s);
        GaugeSnapshot.Builder container = GaugeSnapshot.builder()
                .name(PREFIX + "container")
                .help("1 if the container's root filesystem is read-only, 0 if writable (STIG V-260936);"
                        + " one series per container that exists now, stopped ones included");
        for (AuditedContainer c : s.containers()) {
            if (!exported(c)) {
                continue;
            }
            container.dataPoint(GaugeDataPointSnapshot.builder()
                    .value(c.facts().readonlyRootfs() ? 1 : 0)
                    .labels(withContainerLabels(
                            Labels.of(
                                    "host", s.host(),
                                    "container_id", c.facts().shortId(),
                                    "container_name", c.facts().name(),
                                    "image", c.facts().image(),
                                    "state", c.facts().state(),
                                    "status", c.verdict().status().label(),
                                    "orchestrator", c.verdict().orchestrator().label(),
                                    "stack", c.verdict().stack(),
                                    "service", c.verdict().service()),
                            c,
                            columns))
                    .build());
        }
        GaugeSnapshot built = container.build();
        lastSeries = new ContainerSeries(s.containers(), s.host(), built);
        return built;
    }

    /** The per-finding plan series of one inventory and one set of plans; both immutable, so identity says "unchanged". */
    private record RemediationSeries(
            List<AuditedContainer> containers, Map<String, Plan> plans, String host, GaugeSnapshot series) {}

    private volatile RemediationSeries lastRemediation;

    /** The per-finding plan gauge, built again only when the container list, the plans or the host changed. */
    private GaugeSnapshot remediationSeries(Snapshot s) {
        RemediationSeries last = lastRemediation;
        if (last != null
                && last.containers() == s.containers()
                && last.plans() == s.remediations()
                && last.host().equals(s.host())) {
            return last.series();
        }
        ContainerLabelColumns columns = columns(s);
        GaugeSnapshot.Builder remediation = GaugeSnapshot.builder()
                .name(PREFIX + "remediation")
                .help("1 per finding whose writes were read: plan says what its fix needs (no_writes, tmpfs_only,"
                        + " needs_volume, not_observed, unknown); the fix itself is in /findings");
        if (perContainer != PerContainer.NONE) {
            for (AuditedContainer c : s.containers()) {
                s.remediation(c)
                        .ifPresent(p -> remediation.dataPoint(GaugeDataPointSnapshot.builder()
                                .value(1)
                                .labels(withContainerLabels(
                                        Labels.of(
                                                "host", s.host(),
                                                "container_id", c.facts().shortId(),
                                                "container_name", c.facts().name(),
                                                "image", c.facts().image(),
                                                "plan", p.kind().label()),
                                        c,
                                        columns))
                                .build()));
            }
        }
        GaugeSnapshot built = remediation.build();
        lastRemediation = new RemediationSeries(s.containers(), s.remediations(), s.host(), built);
        return built;
    }

    private boolean exported(AuditedContainer c) {
        return switch (perContainer) {
            case ALL -> true;
            case FINDINGS ->
                c.verdict().status() == Status.FINDING || c.verdict().status() == Status.EXEMPT;
            case NONE -> false;
        };
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of(
                PREFIX + "container",
                PREFIX + "containers",
                PREFIX + "containers_unchecked",
                PREFIX + "docker_up",
                PREFIX + "scan_duration_seconds",
                PREFIX + "last_scan_success_timestamp_seconds",
                PREFIX + "events_stream_up",
                PREFIX + "stig",
                PREFIX + "build",
                PREFIX + "service",
                PREFIX + "exemption_expiry_timestamp_seconds",
                PREFIX + "exemption_matches",
                PREFIX + "remediation",
                PREFIX + "remediation_plans",
                PREFIX + "container_labels_dropped");
    }

    @Override
    public MetricSnapshots collect() {
        Snapshot s = snapshots.get();
        Labels host = Labels.of("host", s.host());
        MetricSnapshots.Builder out = MetricSnapshots.builder();

        out.metricSnapshot(containerSeries(s));

        GaugeSnapshot.Builder counts = GaugeSnapshot.builder()
                .name(PREFIX + "containers")
                .help(
                        "Containers per status (compliant, finding, exempt, not_applicable) as of the last successful scan");
        for (Map.Entry<Status, Integer> e : s.counts().entrySet()) {
            counts.dataPoint(GaugeDataPointSnapshot.builder()
                    .value(e.getValue())
                    .labels(host.add("status", e.getKey().label()))
                    .build());
        }
        out.metricSnapshot(counts.build());

        GaugeSnapshot.Builder service = GaugeSnapshot.builder()
                .name(PREFIX + "service")
                .help("1 if the swarm service creates its containers with a read-only root filesystem"
                        + " (TaskTemplate.ContainerSpec.ReadOnly), 0 if not; one series per service, on swarm managers"
                        + " only");
        for (AuditedService a : s.services()) {
            service.dataPoint(GaugeDataPointSnapshot.builder()
                    .value(a.facts().readOnly() ? 1 : 0)
                    .labels(Labels.of(
                            "host", s.host(),
                            "stack", a.verdict().stack(),
                            "service", a.facts().name(),
                            "mode", a.facts().mode(),
                            "status", a.verdict().status().label()))
                    .build());
        }
        out.metricSnapshot(service.build());

        GaugeSnapshot.Builder expiry = GaugeSnapshot.builder()
                .name(PREFIX + "exemption_expiry_timestamp_seconds")
                .unit(Unit.SECONDS)
                .help("Unix time at which the exemption stops applying; exemptions without expiry have no series");
        GaugeSnapshot.Builder matches = GaugeSnapshot.builder()
                .name(PREFIX + "exemption_matches")
                .help("Containers and swarm services the exemption selects now: those it exempts, or, once expired,"
                        + " those it no longer exempts");
        for (Map.Entry<Exemption, Integer> e : s.exemptionMatches().entrySet()) {
            Labels labels = host.add("exemption", e.getKey().id());
            e.getKey()
                    .expiry()
                    .ifPresent(t -> expiry.dataPoint(GaugeDataPointSnapshot.builder()
                            .value(t.getEpochSecond())
                            .labels(labels)
                            .build()));
            matches.dataPoint(GaugeDataPointSnapshot.builder()
                    .value(e.getValue())
                    .labels(labels)
                    .build());
        }
        out.metricSnapshot(expiry.build());
        out.metricSnapshot(matches.build());

        out.metricSnapshot(remediationSeries(s));
        GaugeSnapshot.Builder plans = GaugeSnapshot.builder()
                .name(PREFIX + "remediation_plans")
                .help("Findings per remediation plan kind; findings whose writes were not read yet are not counted");
        for (Map.Entry<PlanKind, Integer> e : s.remediationCounts().entrySet()) {
            plans.dataPoint(GaugeDataPointSnapshot.builder()
                    .value(e.getValue())
                    .labels(host.add("plan", e.getKey().label()))
                    .build());
        }
        out.metricSnapshot(plans.build());

        if (!containerLabels.patterns().isEmpty()) {
            ContainerLabelColumns columns = columns(s);
            out.metricSnapshot(GaugeSnapshot.builder()
                    .name(PREFIX + "container_labels_dropped")
                    .help("Docker label names selected by a metrics.container-labels pattern but not exported: their"
                            + " Prometheus name is taken (collision) or past the limit of "
                            + ContainerLabelColumns.MAX_PATTERN_LABELS + " pattern labels (limit)")
                    .dataPoint(GaugeDataPointSnapshot.builder()
                            .value(columns.collisions().size())
                            .labels(host.add("reason", "collision"))
                            .build())
                    .dataPoint(GaugeDataPointSnapshot.builder()
                            .value(columns.overLimit())
                            .labels(host.add("reason", "limit"))
                            .build())
                    .build());
        }

        out.metricSnapshot(gauge(
                "containers_unchecked",
                "Containers listed by the last successful scan whose inspect failed; they are retried next scan",
                host,
                s.unchecked(),
                null));
        out.metricSnapshot(gauge(
                "docker_up",
                "1 if the last scan reached the Docker daemon, 0 if not (then the other series are those of the"
                        + " last successful scan)",
                host,
                s.dockerUp() ? 1 : 0,
                null));
        out.metricSnapshot(gauge(
                "scan_duration_seconds", "Duration of the last scan", host, s.scanDurationSeconds(), Unit.SECONDS));
        out.metricSnapshot(gauge(
                "last_scan_success_timestamp_seconds",
                "Unix time of the last successful scan; 0 if none yet",
                host,
                s.lastSuccessEpochSeconds(),
                Unit.SECONDS));

        out.metricSnapshot(gauge(
                "events_stream_up",
                "1 while the Docker events stream is connected (new containers seen at once), 0 if not (then only"
                        + " full scans see changes)",
                host,
                s.eventsStreamUp() ? 1 : 0,
                null));
        out.metricSnapshot(InfoSnapshot.builder()
                .name(PREFIX + "stig")
                .help("The DISA STIG rule this exporter checks")
                .dataPoint(InfoDataPointSnapshot.builder()
                        .labels(Labels.of(
                                "finding_id", StigRule.FINDING_ID,
                                "rule_id", StigRule.RULE_ID,
                                "stig_id", StigRule.STIG_ID,
                                "cci", StigRule.CCI,
                                "severity", StigRule.SEVERITY))
                        .build())
                .build());
        out.metricSnapshot(InfoSnapshot.builder()
                .name(PREFIX + "build")
                .help("Build information of readonly-rootfs-exporter")
                .dataPoint(InfoDataPointSnapshot.builder()
                        .labels(Labels.of(
                                "version", BuildInfo.version(),
                                "java_version", BuildInfo.javaVersion()))
                        .build())
                .build());
        return out.build();
    }

    private static GaugeSnapshot gauge(String name, String help, Labels labels, double value, Unit unit) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(PREFIX + name).help(help);
        if (unit != null) {
            b.unit(unit);
        }
        return b.dataPoint(GaugeDataPointSnapshot.builder()
                        .value(value)
                        .labels(labels)
                        .build())
                .build();
    }
}
