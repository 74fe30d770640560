package org.readonlyrootfs.exporter.config;

import java.time.Duration;
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
 * @param exemptSystemContainers whether MKE/MSR system containers are exempt
 */
public record ExporterConfig(WebConfig web, DockerEndpoint docker, Duration scanInterval, boolean followEvents,
                             int inspectConcurrency, PerContainer perContainer, boolean exemptSystemContainers) {
}
