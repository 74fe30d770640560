package org.readonlyrootfs.exporter.remediation;

/**
 * A directory the container needs writable, with the number of changes that make it so.
 *
 * @param path    the directory
 * @param changes changes attributed to it
 */
public record WriteCount(String path, long changes) {}
