package org.readonlyrootfs.exporter.product;

import java.util.List;

/**
 * The exporter's fixed HTTP paths, spelled once. Users' scrape configs, probes and bookmarks depend on
 * them: add, never rename. The telemetry path ({@code web.telemetry-path}, default {@code /metrics}) is a
 * setting and may be any path but these.
 */
public final class Endpoints {
    public static final String LANDING = "/";
    public static final String HEALTHY = "/-/healthy";
    public static final String READY = "/-/ready";
    /** {@code POST}: reload the configuration files (with {@code web.enable-lifecycle}), as SIGHUP does. */
    public static final String RELOAD = "/-/reload";

    public static final String FINDINGS = "/findings";
    public static final String CHECKLIST_CKLB = "/checklist.cklb";
    public static final String CHECKLIST_CKL = "/checklist.ckl";

    /** Every fixed path, in the order the landing page and the docs list them. */
    public static final List<String> FIXED =
            List.of(LANDING, HEALTHY, READY, RELOAD, FINDINGS, CHECKLIST_CKLB, CHECKLIST_CKL);

    private Endpoints() {}
}
