package org.readonlyrootfs.exporter.authz;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * Docker's plugin protocol for an authorization plugin (moby {@code pkg/plugins}, {@code
 * pkg/authorization}): every call is a {@code POST} of JSON to {@code /Plugin.Activate}, {@code
 * /AuthZPlugin.AuthZReq} or {@code /AuthZPlugin.AuthZRes}, answered with JSON of the content type {@value
 * #CONTENT_TYPE}. Pure: the transport is someone else's.
 *
 * <ul>
 *   <li>{@code /Plugin.Activate}: {@code {"Implements":["authz"]}}.
 *   <li>{@code /AuthZPlugin.AuthZReq}: {@code {"Allow":bool,"Msg":"…","Err":""}}, the {@link AuthzPolicy}'s
 *       decision. A request that cannot be read is refused in enforce mode (allowed, counted, in audit).
 *   <li>{@code /AuthZPlugin.AuthZRes}: always {@code {"Allow":true}}: the plugin judges requests, never
 *       responses.
 * </ul>
 */
public final class PluginProtocol {
    public static final String CONTENT_TYPE = "application/vnd.docker.plugins.v1.2+json";
    public static final String ACTIVATE = "/Plugin.Activate";
    public static final String AUTHZ_REQ = "/AuthZPlugin.AuthZReq";
    public static final String AUTHZ_RES = "/AuthZPlugin.AuthZRes";

    private static final byte[] ACTIVATED = "{\"Implements\":[\"authz\"]}\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ALLOW = "{\"Allow\":true,\"Msg\":\"\",\"Err\":\"\"}\n".getBytes(StandardCharsets.UTF_8);

    /**
     * One answer.
     *
     * @param status   HTTP status
     * @param body     JSON
     * @param decision the decision of an {@code AuthZReq}; null for the other calls
     */
    public record Answer(int status, byte[] body, Decision decision) {}

    private final Supplier<AuthzPolicy> policy;
    private final Clock clock;

    /** @param policy the policy in force, read once per request (a reload swaps it) */
    public PluginProtocol(Supplier<AuthzPolicy> policy, Clock clock) {
        this.policy = policy;
        this.clock = clock;
    }

    /** The answer to {@code method path} with {@code body}. Never throws. */
    public Answer handle(String method, String path, byte[] body) {
        String p = path;
        int q = p.indexOf('?');
        if (q >= 0) {
            p = p.substring(0, q);
        }
        boolean known = p.equals(ACTIVATE) || p.equals(AUTHZ_REQ) || p.equals(AUTHZ_RES);
        if (!known) {
            return error(404, "unknown plugin call " + AuthzPolicy.quote(p) + ": this plugin implements authz");
        }
        if (!method.equals("POST")) {
            return error(405, p + " takes POST");
        }
        return switch (p) {
            case ACTIVATE -> new Answer(200, ACTIVATED, null);
            case AUTHZ_RES -> new Answer(200, ALLOW, null);
            default -> authorize(body);
        };
    }

    private Answer authorize(byte[] body) {
        AuthzPolicy current = policy.get();
        Decision d;
        try {
            d = current.decide(AuthzRequest.decode(body), clock.instant());
        } catch (GoJson.SyntaxError | GoDecode.TypeError e) {
            String why = "the authorization request cannot be read: " + e.getMessage();
            d = current.mode() == AuthzMode.ENFORCE
                    ? new Decision(Action.OTHER, Outcome.REFUSED, why, "", "", why)
                    : new Decision(Action.OTHER, Outcome.WOULD_REFUSE, "", "", "", why);
        }
        if (d == Decision.OTHER_ALLOWED || (d.allow() && d.message().isEmpty())) {
            return new Answer(200, ALLOW, d);
        }
        String json = "{\"Allow\":" + d.allow() + ",\"Msg\":" + jsonString(d.message()) + ",\"Err\":\"\"}\n";
        return new Answer(200, json.getBytes(StandardCharsets.UTF_8), d);
    }

    private static Answer error(int status, String message) {
        return new Answer(status, ("{\"Err\":" + jsonString(message) + "}\n").getBytes(StandardCharsets.UTF_8), null);
    }

    /** {@code s} as a JSON string literal. */
    public static String jsonString(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
