package org.readonlyrootfs.exporter.security;

/** {@code min_version} / {@code max_version} of the web config file, named as in the exporter-toolkit. */
public enum TlsVersion {
    TLS10("TLS10", "TLSv1"),
    TLS11("TLS11", "TLSv1.1"),
    TLS12("TLS12", "TLSv1.2"),
    TLS13("TLS13", "TLSv1.3");

    private final String label;
    private final String protocol;

    TlsVersion(String label, String protocol) {
        this.label = label;
        this.protocol = protocol;
    }

    /** The name in the web config file. */
    public String label() {
        return label;
    }

    /** The JSSE protocol name. */
    public String protocol() {
        return protocol;
    }

    /** The value whose label is {@code label}, or null. */
    public static TlsVersion of(String label) {
        for (TlsVersion v : values()) {
            if (v.label.equals(label)) {
                return v;
            }
        }
        return null;
    }
}
