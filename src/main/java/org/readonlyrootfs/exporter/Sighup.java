package org.readonlyrootfs.exporter;

import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP reloads the configuration, as for Prometheus and Alertmanager. Where the JVM cannot handle the
 * signal (Windows, {@code -Xrs}), one line says so and {@code POST /-/reload} remains.
 */
final class Sighup {
    private static final Logger LOG = LoggerFactory.getLogger(Sighup.class);

    private Sighup() {}

    /** Calls {@code reload} with the trigger {@code SIGHUP} for each signal; returns whether it could. */
    static boolean install(Consumer<String> reload) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> reload.accept("SIGHUP"));
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            LOG.warn(
                    "SIGHUP cannot be handled here ({}): reload the configuration with POST /-/reload"
                            + " (--web.enable-lifecycle) or a restart",
                    e.getMessage());
            return false;
        }
    }
}
