package org.readonlyrootfs.exporter.scan;

import org.readonlyrootfs.exporter.compliance.ServiceFacts;
import org.readonlyrootfs.exporter.compliance.Verdict;

/**
 * One swarm service spec as of the last scan.
 *
 * @param facts   what the manager says of it
 * @param verdict its classification
 */
public record AuditedService(ServiceFacts facts, Verdict verdict) {}
