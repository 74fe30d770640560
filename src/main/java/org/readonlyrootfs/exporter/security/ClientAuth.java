package org.readonlyrootfs.exporter.security;

/**
 * {@code client_auth_type} of the web config file, named as in Go's {@code crypto/tls} and the
 * exporter-toolkit.
 */
public enum ClientAuth {
    /** No client certificate is asked for. */
    NO_CLIENT_CERT("NoClientCert", false, false),
    /** A certificate is asked for but not required, and not verified. */
    REQUEST_CLIENT_CERT("RequestClientCert", false, false),
    /** A certificate is required, but not verified. */
    REQUIRE_ANY_CLIENT_CERT("RequireAnyClientCert", true, false),
    /** A certificate is not required; one that is given must verify against {@code client_ca_file}. */
    VERIFY_CLIENT_CERT_IF_GIVEN("VerifyClientCertIfGiven", false, true),
    /** A certificate is required and must verify against {@code client_ca_file}. */
    REQUIRE_AND_VERIFY_CLIENT_CERT("RequireAndVerifyClientCert", true, true);

    private final String label;
    private final boolean required;
    private final boolean verified;

    ClientAuth(String label, boolean required, boolean verified) {
        this.label = label;
        this.required = required;
        this.verified = verified;
    }

    /** The name in the web config file. */
    public String label() {
        return label;
    }

    public boolean required() {
        return required;
    }

    /** Whether a given certificate is verified against the client CA. */
    public boolean verified() {
        return verified;
    }

    /** The value whose label is {@code label}, or null. */
    public static ClientAuth of(String label) {
        for (ClientAuth a : values()) {
            if (a.label.equals(label)) {
                return a;
            }
        }
        return null;
    }
}
