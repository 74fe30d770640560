package org.readonlyrootfs.exporter.config;

/**
 * One configuration key as documented in {@code reference.conf}.
 *
 * @param key          key without the namespace, also the flag name ({@code --key})
 * @param envVar       environment variable that sets it; empty if {@code fileOnly}
 * @param alias        docker CLI environment variable that also sets it; empty if none
 * @param defaultValue default as written in {@code reference.conf}
 * @param description  the comment above it in {@code reference.conf}
 * @param fileOnly     a list, set only in the config file: no flag, no environment variable
 */
public record Setting(
        String key, String envVar, String alias, String defaultValue, String description, boolean fileOnly) {}
