package org.readonlyrootfs.exporter.authz;

/** What the plugin does with a request that the policy would refuse ({@code authz.mode}). */
public enum AuthzMode {
    /** Allow it, count and log it as {@code would_refuse} (the default: roll out without breaking anyone). */
    AUDIT,
    /** Refuse it. */
    ENFORCE;

    /** The value of the {@code mode} label and of the setting. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
