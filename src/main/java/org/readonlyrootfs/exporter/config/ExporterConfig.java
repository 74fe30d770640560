package org.readonlyrootfs.exporter.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.readonlyrootfs.exporter.compliance.CompliancePolicy;
import org.readonlyrootfs.exporter.compliance.Exemption;
import org.readonlyrootfs.exporter.compliance.KubernetesMode;
import org.readonlyrootfs.exporter.docker.DockerEndpoint;

/**
 * The validated configuration: only {@link ConfigLoader} makes one, so nothing can skip validation.
 *
 * @param web                    HTTP server
 * @param docker                 the daemon to audit
 * @param scanInterval           time between full scans
 * @param followEvents           whether to follow the Docker events stream
 * @param inspectConcurrency     inspects in flight at once
 * @param perContainer           which per-container series to export
 * @param containerLabels        Docker labels exported on the per-container series as {@code label_*}
 * @param processAndJvmMetrics   whether the standard {@code process_*} and {@code jvm_*} metrics are served
 * @param exemptSystemContainers whether MKE/MSR system containers are exempt
 * @param kubernetes             how Kubernetes-managed containers are judged
 * @param exemptions             the configured exemptions, in order
 * @param remediation            whether and how often findings' writes are read for a remediation plan
 * @param evidenceAsset          the asset the checklists name
 * @param pluginWatch            the authorization plugin the exporter looks for in the daemon's chain, and
 *                               the file through which it hands the plugin the fixes it knows
 */
public record ExporterConfig(
        WebConfig web,
        DockerEndpoint docker,
        Duration scanInterval,
        boolean followEvents,
        int inspectConcurrency,
        PerContainer perContainer,
        ContainerLabels containerLabels,
        boolean processAndJvmMetrics,
        boolean exemptSystemContainers,
        KubernetesMode kubernetes,
        List<Exemption> exemptions,
        Remediation remediation,
        EvidenceAsset evidenceAsset,
        PluginWatch pluginWatch) {

    public ExporterConfig {
        exemptions = List.copyOf(exemptions);
    }

    /**
     * Remediation plans.
     *
     * @param enabled whether findings' writes are read at all
     * @param refresh how often each finding's writes are read again
     */
    public record Remediation(boolean enabled, Duration refresh) {}

    /**
     * The readonly-rootfs authorization plugin, as the exporter sees it ({@code authz.*}).
     *
     * @param pluginName its name in the daemon's chain ({@code Plugins.Authorization}), tag optional
     * @param required   whether the site expects every node to have it in the chain
     * @param hintsFile  where the exporter writes, and the plugin reads, the fixes known per image; empty for none
     */
    public record PluginWatch(String pluginName, boolean required, Optional<Path> hintsFile) {}

    /** How containers are judged. */
    public CompliancePolicy compliance() {
        return new CompliancePolicy(exemptSystemContainers, kubernetes, exemptions);
    }
}
