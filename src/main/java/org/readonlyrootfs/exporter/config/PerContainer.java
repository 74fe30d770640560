package org.readonlyrootfs.exporter.config;

import java.util.Locale;

/** Which per-container series to export ({@code metrics.per-container}); counts are always complete. */
public enum PerContainer {
    /** Every container. */
    ALL,
    /** Only {@code finding} and {@code exempt} containers: what a SOC acts on or an auditor asks about. */
    FINDINGS,
    /** None: counts per status only. */
    NONE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
