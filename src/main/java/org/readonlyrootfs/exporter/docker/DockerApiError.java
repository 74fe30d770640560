package org.readonlyrootfs.exporter.docker;

/** The daemon answered, but with an error status: it is reachable, this one request failed. */
public class DockerApiError extends DockerException {
    public DockerApiError(String message, Throwable cause) {
        super(message, cause);
    }
}
