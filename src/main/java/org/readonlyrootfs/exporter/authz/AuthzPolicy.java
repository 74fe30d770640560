package org.readonlyrootfs.exporter.authz;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.readonlyrootfs.exporter.compliance.Classifier;
import org.readonlyrootfs.exporter.compliance.CompliancePolicy;
import org.readonlyrootfs.exporter.compliance.ContainerFacts;
import org.readonlyrootfs.exporter.compliance.ServiceFacts;
import org.readonlyrootfs.exporter.compliance.Status;
import org.readonlyrootfs.exporter.compliance.Verdict;

/**
 * The plugin's decision for one request: pure, no I/O, no call to Docker; the time that decides whether
 * exemptions have expired is passed in. The exporter's own {@link Classifier} judges what a request would
 * create, so exemptions (the built-in MKE/MSR one, the configured ones) and Kubernetes match exactly as
 * the exporter matches them.
 *
 * <ul>
 *   <li>{@code GET} and {@code HEAD}: allowed at once, before anything else is read (the fast path).
 *   <li>Any other method: in enforce mode its path must be canonical ({@link RequestTarget#canonical()}),
 *       else the daemon could route what the plugin did not judge ({@code /containers/%63reate}).
 *   <li>{@code POST /containers/create}: the exporter's verdict of the container the body describes
 *       ({@link CreateBody}), named by {@code ?name=} (the first one, as Go's {@code Form.Get}).
 *   <li>{@code POST /services/create}, {@code /services/{id}/update}: the verdict of the spec ({@link
 *       ServiceBody}). An update with {@code rollback=previous} is refused unless the service is exempt:
 *       the daemon (swarmkit) then ignores the body and restores the previous spec, which the plugin
 *       cannot see without calling Docker, and which may be writable.
 *   <li>{@code POST /vX.Y/containers/{id}/start} with X.Y before 1.24: Docker 20.10 replaces the
 *       container's host configuration with the body's; allowed only if that is certainly read-only or
 *       there is certainly no body ({@code Content-Length} at most 7, as the daemon's own test).
 *   <li>Plugin management: disabling, reconfiguring, upgrading or removing a plugin that could be this
 *       one, or creating or pulling a plugin under its name, is refused (see {@link #couldBeThisPlugin}).
 *   <li>Everything else: allowed.
 * </ul>
 *
 * A create or service request without a forwarded body, with a body that is not one JSON object, or with
 * a field of the wrong type is refused: the plugin does not allow what it cannot read as the daemon reads
 * it. In audit mode every refusal becomes {@link Outcome#WOULD_REFUSE} and the request is allowed.
 */
public final class AuthzPolicy {
    private static final Pattern SERVICE_UPDATE = Pattern.compile("^/services/([^/]+)/update$");
    private static final Pattern CONTAINER_START = Pattern.compile("^/containers/([^/]+)/start$");
    private static final Pattern PLUGIN_OP = Pattern.compile("^/plugins/(.+)/(disable|set|upgrade|enable|push)$");
    private static final Pattern PLUGIN = Pattern.compile("^/plugins/(.+)$");
    private static final Pattern HEX = Pattern.compile("^[0-9a-f]+$");

    private final Classifier classifier;
    private final AuthzMode mode;
    private final String pluginName;
    private final FixHints hints;
    private final Refusals refusals;

    /**
     * @param compliance how containers are judged: the exporter's switches and exemptions
     * @param mode       audit or enforce
     * @param pluginName the name this plugin has in the daemon's {@code authorization-plugins}
     * @param hints      the exporter's plans by image; {@link FixHints#NONE} for none
     */
    public AuthzPolicy(CompliancePolicy compliance, AuthzMode mode, String pluginName, FixHints hints) {
        this.classifier = new Classifier(Objects.requireNonNull(compliance, "compliance"));
        this.mode = Objects.requireNonNull(mode, "mode");
        this.pluginName = Objects.requireNonNull(pluginName, "pluginName");
        this.hints = hints == null ? FixHints.NONE : hints;
        this.refusals = new Refusals(pluginName);
    }

    public AuthzMode mode() {
        return mode;
    }

    public String pluginName() {
        return pluginName;
    }

    public CompliancePolicy compliance() {
        return classifier.policy();
    }

    /** The decision for {@code r} at {@code now}. Never throws for any input. */
    public Decision decide(AuthzRequest r, Instant now) {
        String method = r.method();
        if (method.equals("GET") || method.equals("HEAD")) {
            return Decision.OTHER_ALLOWED;
        }
        RequestTarget target = RequestTarget.parse(r.uri());
        String route = target.route();
        boolean post = method.equalsIgnoreCase("POST");
        boolean delete = method.equalsIgnoreCase("DELETE");
        Action action = Action.OTHER;
        Matcher m;
        if (post && route.equals("/containers/create")) {
            action = Action.CONTAINER_CREATE;
        } else if (post && route.equals("/services/create")) {
            action = Action.SERVICE_CREATE;
        } else if (post && SERVICE_UPDATE.matcher(route).matches()) {
            action = Action.SERVICE_UPDATE;
        } else if (post && CONTAINER_START.matcher(route).matches() && target.versionBefore(1, 24)) {
            action = Action.CONTAINER_START;
        } else if ((post || delete) && route.startsWith("/plugins/")) {
            action = Action.PLUGIN;
        }
        if (!target.canonical()) {
            return refuse(
                    action,
                    r,
                    "path " + quote(pathOf(r.uri())),
                    "the path is not canonical (the daemon routes it as " + quote(route) + ")",
                    refusals.nonCanonical(r.uri(), route));
        }
        try {
            return switch (action) {
                case CONTAINER_CREATE -> containerCreate(r, target, now);
                case SERVICE_CREATE, SERVICE_UPDATE -> service(r, target, action, now);
                case CONTAINER_START -> legacyStart(r, target);
                case PLUGIN -> plugin(r, target, delete);
                case OTHER -> Decision.OTHER_ALLOWED;
            };
        } catch (RuntimeException e) {
            // a bug, not the client's fault; still never allow what could not be judged
            return refuse(
                    action, r, "", "the plugin could not judge it: " + e, refusals.unreadable(action, e.toString()));
        }
    }

    private Decision containerCreate(AuthzRequest r, RequestTarget target, Instant now) {
        String name = target.first("name").orElse("");
        if (name.startsWith("/")) {
            name = name.substring(1); // the daemon's own form; the exporter shows names without it
        }
        String what = name.isEmpty() ? "container (no name given)" : "container " + quote(name);
        if (target.queryMalformed()) {
            return refuse(
                    Action.CONTAINER_CREATE,
                    r,
                    what,
                    "the query has a malformed escape",
                    refusals.unreadable(Action.CONTAINER_CREATE, "the query has a malformed percent escape"));
        }
        Read<CreateBody> read = read(r, Action.CONTAINER_CREATE, what, CreateBody::decode);
        if (read.refusal() != null) {
            return read.refusal();
        }
        CreateBody body = read.body();
        what += body.image().isEmpty() ? "" : " (image " + quote(body.image()) + ")";
        Verdict v = classifier.classify(
                new ContainerFacts("", name, body.image(), "created", body.labels(), 0, body.readonly()), now);
        if (v.status() != Status.FINDING) {
            return judged(Action.CONTAINER_CREATE, v, r, what);
        }
        String why = body.hostConfig()
                ? "HostConfig.ReadonlyRootfs is not true"
                : "HostConfig is missing, and a top-level ReadonlyRootfs is not read by every daemon";
        return refuse(
                Action.CONTAINER_CREATE,
                r,
                what,
                "writable root filesystem: " + why + withExpired(v),
                refusals.writableContainer(name, body.image(), why + withExpired(v), hints.forImage(body.image())));
    }

    private Decision service(AuthzRequest r, RequestTarget target, Action action, Instant now) {
        String id = "";
        if (action == Action.SERVICE_UPDATE) {
            Matcher m = SERVICE_UPDATE.matcher(target.route());
            id = m.matches() ? m.group(1) : "";
        }
        boolean rollback = target.all("rollback").stream().anyMatch(v -> !v.isEmpty() && !v.equals("none"));
        String what = id.isEmpty() ? "service" : "service " + quote(id);
        Read<ServiceBody> read = read(r, action, what, ServiceBody::decode);
        if (read.refusal() != null) {
            return read.refusal();
        }
        ServiceBody body = read.body();
        if (!body.name().isEmpty()) {
            what = "service " + quote(body.name()) + (id.isEmpty() || id.equals(body.name()) ? "" : " (" + id + ")");
        }
        what += body.image().isEmpty() ? "" : " (image " + quote(body.image()) + ")";
        Verdict v = classifier.classify(
                new ServiceFacts(id, body.name(), body.image(), "", body.labels(), body.readOnly() && !rollback), now);
        if (v.status() != Status.FINDING) {
            return judged(action, v, r, what);
        }
        if (rollback) {
            return refuse(
                    action,
                    r,
                    what,
                    "rollback to the previous spec, which the plugin cannot see" + withExpired(v),
                    refusals.rollback(body.name().isEmpty() ? id : body.name(), body.image()));
        }
        String why = "TaskTemplate.ContainerSpec.ReadOnly is not true" + withExpired(v);
        return refuse(
                action,
                r,
                what,
                "writable root filesystem: " + why,
                refusals.writableService(
                        action, body.name().isEmpty() ? id : body.name(), why, hints.forImage(body.image())));
    }

    private Decision legacyStart(AuthzRequest r, RequestTarget target) {
        Matcher m = CONTAINER_START.matcher(target.route());
        String what = "container " + quote(m.matches() ? m.group(1) : "") + " (API " + target.version() + ")";
        long length = r.header("Content-Length").map(AuthzPolicy::length).orElse(-1L);
        if (length >= 0 && length <= 7) {
            return new Decision(Action.CONTAINER_START, Outcome.ALLOWED, "", r.user(), what, "");
        }
        Read<CreateBody> read = read(r, Action.CONTAINER_START, what, CreateBody::decode);
        if (read.refusal() != null) {
            return read.refusal();
        }
        CreateBody body = read.body();
        // only 20.10 reads it: HostConfig if present, else the top-level fields
        boolean readonly = body.hostConfig() ? body.readonly() : body.topLevelReadonly();
        if (readonly) {
            return new Decision(Action.CONTAINER_START, Outcome.ALLOWED, "", r.user(), what, "");
        }
        return refuse(
                Action.CONTAINER_START,
                r,
                what,
                "a host configuration that is not read-only, on a start with API " + target.version(),
                refusals.legacyStart(target.version()));
    }

    private Decision plugin(AuthzRequest r, RequestTarget target, boolean delete) {
        String route = target.route();
        String name = null;
        String verb = null;
        Matcher m = PLUGIN_OP.matcher(route);
        if (!delete && m.matches()) {
            name = m.group(1);
            verb = m.group(2);
        } else if (!delete && (route.equals("/plugins/create") || route.equals("/plugins/pull"))) {
            name = target.first("name")
                    .filter(s -> !s.isEmpty())
                    .orElse(target.first("remote").orElse(""));
            verb = route.substring("/plugins/".length());
        } else if (delete && PLUGIN.matcher(route).matches()) {
            name = route.substring("/plugins/".length());
            verb = "remove";
        }
        if (name == null || verb.equals("enable") || verb.equals("push")) {
            return new Decision(Action.PLUGIN, Outcome.ALLOWED, "", r.user(), "", "");
        }
        String what = "plugin " + quote(name);
        if (!couldBeThisPlugin(name, pluginName)) {
            return new Decision(Action.PLUGIN, Outcome.ALLOWED, "", r.user(), what, "");
        }
        return refuse(
                Action.PLUGIN,
                r,
                what,
                verb + " of a plugin that could be this one (" + pluginName + ")",
                refusals.selfProtection(verb, name));
    }

    /**
     * Whether a plugin reference in a request could name this plugin: the same repository once both are
     * normalised as Docker does (lower case, {@code docker.io/} and {@code library/} dropped, tag and digest
     * dropped: any tag, the installed one could be any), or only hex digits, which Docker also takes as a
     * prefix of a plugin's id. The plugin does not know its own id without calling Docker, so every
     * hex-looking name is taken as possibly its own.
     */
    static boolean couldBeThisPlugin(String reference, String pluginName) {
        String ref = reference.toLowerCase(Locale.ROOT);
        if (HEX.matcher(ref).matches()) {
            return true;
        }
        return repository(ref).equals(repository(pluginName.toLowerCase(Locale.ROOT)));
    }

    private static String repository(String ref) {
        String r = ref;
        int at = r.indexOf('@');
        if (at >= 0) {
            r = r.substring(0, at);
        }
        int colon = r.lastIndexOf(':');
        if (colon > r.lastIndexOf('/')) {
            r = r.substring(0, colon);
        }
        for (String registry : new String[] {"docker.io/", "index.docker.io/", "registry-1.docker.io/"}) {
            if (r.startsWith(registry)) {
                r = r.substring(registry.length());
                break;
            }
        }
        if (r.startsWith("library/")) {
            r = r.substring("library/".length());
        }
        return r;
    }

    /** Reads a body as the daemon would; the refusal when it cannot be read (or was not forwarded). */
    private <T> Read<T> read(AuthzRequest r, Action action, String what, Decoder<T> decoder) {
        if (r.body() == null) {
            return new Read<>(null, refuse(action, r, what, "no body forwarded", refusals.noBody(action)));
        }
        try {
            return new Read<>(decoder.decode(r.body()), null);
        } catch (GoJson.SyntaxError | GoDecode.TypeError e) {
            return new Read<>(
                    null,
                    refuse(
                            action,
                            r,
                            what,
                            "unreadable body: " + e.getMessage(),
                            refusals.unreadable(action, e.getMessage())));
        }
    }

    @FunctionalInterface
    private interface Decoder<T> {
        T decode(byte[] body) throws GoJson.SyntaxError, GoDecode.TypeError;
    }

    /** A body read, or the refusal because it could not be. */
    private record Read<T>(T body, Decision refusal) {}

    private Decision judged(Action action, Verdict v, AuthzRequest r, String what) {
        Outcome outcome = v.status() == Status.COMPLIANT ? Outcome.ALLOWED : Outcome.EXEMPT;
        return new Decision(action, outcome, "", r.user(), what, outcome == Outcome.EXEMPT ? v.reason() : "");
    }

    private Decision refuse(Action action, AuthzRequest r, String what, String why, String message) {
        if (mode == AuthzMode.AUDIT) {
            return new Decision(action, Outcome.WOULD_REFUSE, "", r.user(), what, why);
        }
        return new Decision(action, Outcome.REFUSED, message, r.user(), what, why);
    }

    private static String withExpired(Verdict v) {
        return v.exemptionExpired() ? " (exemption " + v.exemption() + " has expired)" : "";
    }

    private static long length(String header) {
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String pathOf(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().limit(200).forEach(c -> {
            if (c == '"' || c == '\\') {
                b.append('\\').append((char) c);
            } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        if (s.codePointCount(0, s.length()) > 200) {
            b.append("…");
        }
        return b.append('"').toString();
    }
}
