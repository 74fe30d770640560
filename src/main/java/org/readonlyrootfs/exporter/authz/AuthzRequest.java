package org.readonlyrootfs.exporter.authz;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One {@code /AuthZPlugin.AuthZReq} (or {@code AuthZRes}) from the daemon: moby's {@code
 * authorization.Request}. The body is forwarded (base64) only when its {@code Content-Type} is {@code
 * application/json} (parameters allowed), and only up to a limit: 1 MiB and never chunked before the fix of
 * CVE-2024-41110, 4 MiB (else the daemon fails the request) after it. So an absent body does not mean
 * that the daemon reads none.
 *
 * @param user            {@code User}: the TLS client certificate's common name; empty without TLS
 * @param userAuthNMethod {@code UserAuthNMethod}: {@code TLS} or empty
 * @param method          {@code RequestMethod}
 * @param uri             {@code RequestUri}: the request-target as the client sent it
 * @param body            {@code RequestBody} decoded; null if absent (an empty array counts as absent)
 * @param headers         {@code RequestHeaders} (the daemon leaves out the authorization ones)
 */
public record AuthzRequest(
        String user, String userAuthNMethod, String method, String uri, byte[] body, Map<String, String> headers) {
    public AuthzRequest {
        user = user == null ? "" : user;
        userAuthNMethod = userAuthNMethod == null ? "" : userAuthNMethod;
        method = method == null ? "" : method;
        uri = uri == null ? "" : uri;
        body = body == null || body.length == 0 ? null : body;
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /** A request without a body or headers. */
    public static AuthzRequest of(String method, String uri) {
        return new AuthzRequest("", "", method, uri, null, Map.of());
    }

    /** A request with a JSON body. */
    public static AuthzRequest of(String method, String uri, String jsonBody) {
        return new AuthzRequest(
                "",
                "",
                method,
                uri,
                jsonBody.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Map.of("Content-Type", "application/json"));
    }

    /** A header's value, its name matched case-insensitively. */
    public Optional<String> header(String name) {
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (h.getKey().equalsIgnoreCase(name)) {
                return Optional.of(h.getValue());
            }
        }
        return Optional.empty();
    }

    /**
     * Reads the JSON the daemon sends; its keys matched case-insensitively as Go would. Throws on anything
     * the daemon would not send: not JSON, not an object, a field of the wrong type, bad base64.
     */
    public static AuthzRequest decode(byte[] json) throws GoJson.SyntaxError, GoDecode.TypeError {
        GoJson.Obj o = GoJson.parseObject(json);
        String body64 = GoDecode.string(o, "RequestBody", "RequestBody").orElse("");
        byte[] body;
        try {
            body = Base64.getDecoder().decode(body64);
        } catch (IllegalArgumentException e) {
            throw new GoJson.SyntaxError("RequestBody is not base64: " + e.getMessage());
        }
        Map<String, String> headers = GoDecode.stringMap(o, "RequestHeaders", "RequestHeaders");
        return new AuthzRequest(
                GoDecode.string(o, "User", "User").orElse(""),
                GoDecode.string(o, "UserAuthNMethod", "UserAuthNMethod").orElse(""),
                GoDecode.string(o, "RequestMethod", "RequestMethod").orElse(""),
                GoDecode.string(o, "RequestUri", "RequestUri").orElse(""),
                body,
                headers == null ? Map.of() : new LinkedHashMap<>(headers));
    }
}
