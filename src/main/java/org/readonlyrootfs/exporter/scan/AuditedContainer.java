package org.readonlyrootfs.exporter.scan;

import org.readonlyrootfs.exporter.compliance.ContainerFacts;
import org.readonlyrootfs.exporter.compliance.Verdict;

/**
 * One container as of the last scan.
 *
 * @param facts                 what Docker says of it
 * @param verdict               its classification
 * @param firstSeenEpochSeconds when this exporter first saw it
 */
public record AuditedContainer(ContainerFacts facts, Verdict verdict, long firstSeenEpochSeconds) {}
