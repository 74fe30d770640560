package org.readonlyrootfs.exporter.security;

import java.util.Map;
import java.util.Optional;

/**
 * What the web config file asks of the HTTP server.
 *
 * @param file           the web config file; empty if none was given
 * @param tls            serve HTTPS with this; empty for plain HTTP
 * @param basicAuthUsers user name to bcrypt hash; empty for no authentication. The hashes are secret
 *                       enough not to print: {@link #toString()} leaves them out.
 */
public record WebSecurity(String file, Optional<TlsServerConfig> tls, Map<String, String> basicAuthUsers) {
    /** Plain HTTP, no authentication. */
    public static final WebSecurity NONE = new WebSecurity("", Optional.empty(), Map.of());

    public WebSecurity {
        basicAuthUsers = Map.copyOf(basicAuthUsers);
    }

    @Override
    public String toString() {
        return "WebSecurity[file=" + file + ", tls=" + tls + ", basicAuthUsers=" + basicAuthUsers.size() + " users]";
    }
}
