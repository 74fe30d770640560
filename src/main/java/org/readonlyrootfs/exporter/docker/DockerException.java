package org.readonlyrootfs.exporter.docker;

/** A Docker call failed; the message is one line meant for a log or a landing page. */
public class DockerException extends RuntimeException {
    public DockerException(String message) {
        super(message);
    }

    public DockerException(String message, Throwable cause) {
        super(message, cause);
    }
}
