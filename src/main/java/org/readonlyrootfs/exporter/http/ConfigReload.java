package org.readonlyrootfs.exporter.http;

/** Reloads the configuration files; calls are serialised by the implementation. */
@FunctionalInterface
public interface ConfigReload {
    /** @param trigger what asked for it, for the log: {@code SIGHUP} or {@code POST /-/reload} */
    ReloadOutcome reload(String trigger);
}
