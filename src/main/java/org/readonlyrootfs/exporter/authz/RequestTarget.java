package org.readonlyrootfs.exporter.authz;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code RequestUri} the daemon forwards (the request-target exactly as the client sent it), read as
 * the daemon's router and form parser read it.
 *
 * <p>The router (gorilla/mux) matches the <em>decoded</em> path, so {@code /containers/%63reate} is
 * {@code /containers/create} to the daemon; an absolute-form target ({@code http://h/containers/create})
 * is routed by its path too. {@link #canonical()} says whether the raw path is exactly what it routes:
 * no {@code %}, no empty, {@code .} or {@code ..} segment, no trailing slash, starting with {@code /}.
 * {@link #route()} is the path the daemon routes, without the {@code /vX.Y} prefix ({@link #version()}).
 *
 * <p>The query is split as Go's {@code url.ParseQuery} did before Go 1.17 (on {@code &} and {@code ;};
 * Docker 20.10 was built with such Go; newer daemons fail a query with {@code ;}), names and values
 * percent-decoded with {@code +} as a space; a bad escape is {@link #queryMalformed()} (the daemon fails
 * the request when it parses the form).
 */
public final class RequestTarget {
    private static final Pattern VERSION = Pattern.compile("^/v([0-9.]+)(/.*)$");
    private static final Pattern ABSOLUTE = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*(/.*)?$");

    private final String raw;
    private final String rawPath;
    private final boolean canonical;
    private final String route;
    private final String version;
    private final List<String[]> query;
    private final boolean queryMalformed;

    private RequestTarget(String raw) {
        this.raw = raw;
        int q = raw.indexOf('?');
        this.rawPath = q < 0 ? raw : raw.substring(0, q);
        String rawQuery = q < 0 ? "" : raw.substring(q + 1);
        this.canonical = isCanonical(rawPath);
        String path = rawPath;
        Matcher abs = ABSOLUTE.matcher(path);
        if (abs.matches()) {
            path = abs.group(1) == null ? "/" : abs.group(1);
        }
        path = cleaned(unescapePath(path));
        Matcher v = VERSION.matcher(path);
        if (v.matches()) {
            this.version = v.group(1);
            this.route = v.group(2);
        } else {
            this.version = "";
            this.route = path;
        }
        List<String[]> pairs = new ArrayList<>();
        boolean bad = false;
        for (String pair : rawQuery.split("[&;]", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = unescapeQuery(eq < 0 ? pair : pair.substring(0, eq));
            String val = unescapeQuery(eq < 0 ? "" : pair.substring(eq + 1));
            if (k == null || val == null) {
                bad = true;
                continue;
            }
            pairs.add(new String[] {k, val});
        }
        this.query = List.copyOf(pairs);
        this.queryMalformed = bad;
    }

    public static RequestTarget parse(String requestUri) {
        return new RequestTarget(requestUri == null ? "" : requestUri);
    }

    /** As forwarded. */
    public String raw() {
        return raw;
    }

    /** Whether the raw path is exactly the path the daemon routes (see the class comment). */
    public boolean canonical() {
        return canonical;
    }

    /** The routed path without its version prefix, e.g. {@code /containers/create}. */
    public String route() {
        return route;
    }

    /** The API version of the {@code /vX.Y} prefix; empty without one (the daemon's own version applies). */
    public String version() {
        return version;
    }

    /** Whether a query parameter could not be decoded (the daemon then fails the request). */
    public boolean queryMalformed() {
        return queryMalformed;
    }

    /** The first value of a query parameter, as Go's {@code Form.Get}; empty if none. */
    public Optional<String> first(String name) {
        for (String[] p : query) {
            if (p[0].equals(name)) {
                return Optional.of(p[1]);
            }
        }
        return Optional.empty();
    }

    /** Every value of a query parameter, in order. */
    public List<String> all(String name) {
        List<String> values = new ArrayList<>();
        for (String[] p : query) {
            if (p[0].equals(name)) {
                values.add(p[1]);
            }
        }
        return values;
    }

    /** Whether the version prefix names an API version before {@code major.minor} (false without prefix). */
    public boolean versionBefore(int major, int minor) {
        if (version.isEmpty()) {
            return false;
        }
        String[] parts = version.split("\\.", -1);
        long[] v = new long[2];
        for (int i = 0; i < 2 && i < parts.length; i++) {
            // as moby's versions.compare: a part that is not a number counts as 0
            try {
                v[i] = parts[i].isEmpty() || parts[i].length() > 9 ? 0 : Long.parseLong(parts[i]);
            } catch (NumberFormatException e) {
                v[i] = 0;
            }
        }
        return v[0] < major || (v[0] == major && v[1] < minor);
    }

    static boolean isCanonical(String path) {
        if (!path.startsWith("/")) {
            return false;
        }
        if (path.equals("/")) {
            return true;
        }
        if (path.endsWith("/") || path.indexOf('%') >= 0 || path.indexOf('#') >= 0) {
            return false;
        }
        for (String segment : path.substring(1).split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** Percent-decodes a path; a bad escape is kept as written (the router would not match it anyway). */
    private static String unescapePath(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        String d = unescape(s, false);
        return d == null ? s : d;
    }

    private static String unescapeQuery(String s) {
        return unescape(s, true);
    }

    /** Go's {@code url.unescape}: {@code %XX} to a byte (bytes as UTF-8), {@code +} to space in a query; null on a bad escape. */
    private static String unescape(String s, boolean query) {
        if (s.indexOf('%') < 0 && (!query || s.indexOf('+') < 0)) {
            return s;
        }
        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] out = new byte[bytes.length];
        int n = 0;
        for (int i = 0; i < bytes.length; i++) {
            byte b = bytes[i];
            if (b == '%') {
                if (i + 2 >= bytes.length) {
                    return null;
                }
                int hi = Character.digit(bytes[i + 1], 16);
                int lo = Character.digit(bytes[i + 2], 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out[n++] = (byte) (hi * 16 + lo);
                i += 2;
            } else if (b == '+' && query) {
                out[n++] = ' ';
            } else {
                out[n++] = b;
            }
        }
        return new String(out, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** {@code path.Clean} as gorilla/mux applies it before routing (a trailing slash kept). */
    static String cleaned(String p) {
        if (p.isEmpty()) {
            return "/";
        }
        boolean trailing = p.endsWith("/") && p.length() > 1;
        List<String> out = new ArrayList<>();
        for (String seg : p.split("/")) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                if (!out.isEmpty()) {
                    out.remove(out.size() - 1);
                }
                continue;
            }
            out.add(seg);
        }
        String c = "/" + String.join("/", out);
        return trailing && !c.equals("/") ? c + "/" : c;
    }
}
