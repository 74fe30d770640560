package org.readonlyrootfs.exporter.http;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.util.Map;
import org.readonlyrootfs.exporter.product.BuildInfo;

/**
 * The authenticator of every endpoint: basic auth against the users of the web config file now in
 * effect, or none when it has no users. A reload replaces the users for every request from then on
 * (the remembered passwords go with the old ones).
 */
final class ReloadableAuth extends Authenticator {
    private static final HttpPrincipal ANONYMOUS = new HttpPrincipal("", BuildInfo.NAME);

    private volatile BasicAuth users; // null: no authentication

    ReloadableAuth(Map<String, String> hashes) {
        users(hashes);
    }

    /** The users from now on; empty for no authentication. */
    void users(Map<String, String> hashes) {
        users = hashes.isEmpty() ? null : new BasicAuth(hashes);
    }

    @Override
    public Result authenticate(HttpExchange exchange) {
        BasicAuth auth = users;
        return auth == null ? new Success(ANONYMOUS) : auth.authenticate(exchange);
    }
}
