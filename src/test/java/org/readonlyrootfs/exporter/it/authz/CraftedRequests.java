package org.readonlyrootfs.exporter.it.authz;

import java.util.ArrayList;
import java.util.List;

/**
 * Hand-made Engine API requests that try to slip a writable container past the authorization plugin, written byte
 * for byte (HTTP/1.1 over the daemon's unix socket), each naming the container it would create ({@code ?name=}).
 * What each one must lead to is in {@link Expect}; the daemon's answer is recorded, not assumed.
 */
final class CraftedRequests {

    /** What a request may lead to. */
    enum Expect {
        /** Read-only, system, Kubernetes or exempt: the daemon creates it (201). */
        CREATED,
        /** The plugin refuses it (403 naming V-260936) before the daemon acts. */
        REFUSED,
        /** Any answer (the plugin's or the daemon's own refusal), as long as no writable container is left. */
        NO_WRITABLE_LEFT
    }

    /**
     * @param id        short key, e.g. {@code dup-case}
     * @param what      what the request tries, for the table
     * @param container the container name it would create
     * @param raw       the bytes sent
     */
    record Crafted(String id, String what, String container, Expect expect, String raw) {}

    private CraftedRequests() {}

    static final int ONE_MIB = 1 << 20;

    /** The container creates, each for a container named {@code prefix + id}. */
    static List<Crafted> containerCreates(String image, String prefix) {
        List<Crafted> l = new ArrayList<>();
        String img = "\"Image\":\"" + image + "\",\"Cmd\":[\"/bin/sleep\",\"100000\"]";
        String ro = "{" + img + ",\"HostConfig\":{\"NetworkMode\":\"none\",\"ReadonlyRootfs\":true}}";
        String rw = "{" + img + ",\"HostConfig\":{\"NetworkMode\":\"none\",\"ReadonlyRootfs\":false}}";
        String json = "application/json";
        // the baseline
        add(l, prefix, "ro", "read-only create", Expect.CREATED, "/containers/create", json, ro);
        add(l, prefix, "rw", "writable create", Expect.REFUSED, "/containers/create", json, rw);
        add(
                l,
                prefix,
                "no-hostconfig",
                "no HostConfig at all",
                Expect.REFUSED,
                "/containers/create",
                json,
                "{" + img + "}");
        add(
                l,
                prefix,
                "null-hostconfig",
                "\"HostConfig\":null",
                Expect.REFUSED,
                "/containers/create",
                json,
                "{" + img + ",\"HostConfig\":null}");
        add(l, prefix, "v-ro", "/v1.41 prefix, read-only", Expect.CREATED, "/v1.41/containers/create", json, ro);
        add(l, prefix, "v-rw", "/v1.41 prefix, writable", Expect.REFUSED, "/v1.41/containers/create", json, rw);
        // duplicate keys: the daemon's decoder folds case and keeps the last
        add(
                l,
                prefix,
                "dup-exact",
                "ReadonlyRootfs true then false",
                Expect.REFUSED,
                "/containers/create",
                json,
                "{" + img + ",\"HostConfig\":{\"ReadonlyRootfs\":true,\"ReadonlyRootfs\":false}}");
        add(
                l,
                prefix,
                "dup-case",
                "ReadonlyRootfs true then readonlyrootfs false",
                Expect.REFUSED,
                "/containers/create",
                json,
                "{" + img + ",\"HostConfig\":{\"ReadonlyRootfs\":true,\"readonlyrootfs\":false}}");
        add(
                l,
                prefix,
                "dup-upper",
                "READONLYROOTFS false after true, lower-case hostconfig",
                Expect.REFUSED,
                "/containers/create",
                json,
                "{" + img + ",\"hostconfig\":{\"readonlyrootfs\":true,\"READONLYROOTFS\":false}}");
        add(
                l,
                prefix,
                "dup-last-true",
                "readonlyrootfs false then ReadonlyRootfs true (read-only to the daemon)",
                Expect.NO_WRITABLE_LEFT,
                "/containers/create",
                json,
                "{" + img + ",\"HostConfig\":{\"readonlyrootfs\":false,\"ReadonlyRootfs\":true}}");
        add(
                l,
                prefix,
                "dup-hostconfig",
                "two HostConfig objects, the second without ReadonlyRootfs",
                Expect.NO_WRITABLE_LEFT,
                "/containers/create",
                json,
                "{" + img + ",\"HostConfig\":{\"ReadonlyRootfs\":true},\"hostConfig\":{\"NetworkMode\":\"none\"}}");
        add(
                l,
                prefix,
                "dup-hostconfig-null",
                "HostConfig read-only, then \"hostconfig\":null",
                Expect.NO_WRITABLE_LEFT,
                "/containers/create",
                json,
                "{" + img + ",\"HostConfig\":{\"ReadonlyRootfs\":true},\"hostconfig\":null}");
        add(
                l,
                prefix,
                "escaped-key",
                "\\u0073-escaped key: ReadonlyRootf\\u0073 false after true",
                Expect.REFUSED,
                "/containers/create",
                json,
                "{" + img + ",\"HostConfig\":{\"ReadonlyRootfs\":true,\"ReadonlyRootf\\u0073\":false}}");
        add(
                l,
                prefix,
                "escaped-hostconfig",
                "\\u-escaped \"Host\\u0043onfig\" writable after a read-only one",
                Expect.NO_WRITABLE_LEFT,
                "/containers/create",
                json,
                "{" + img
                        + ",\"HostConfig\":{\"ReadonlyRootfs\":true},\"Host\\u0043onfig\":{\"ReadonlyRootfs\":false}}");
        add(
                l,
                prefix,
                "top-level-null",
                "ReadonlyRootfs false at the top level, \"HostConfig\":null",
                Expect.REFUSED,
                "/containers/create",
                json,
                "{" + img + ",\"ReadonlyRootfs\":false,\"HostConfig\":null}");
        // two JSON documents: Docker 20.10 decodes the first and ignores the rest, later ones refuse (400)
        add(
                l,
                prefix,
                "trailing-json",
                "a writable document, then a read-only one",
                Expect.REFUSED,
                "/containers/create",
                json,
                rw + " " + ro);
        add(
                l,
                prefix,
                "trailing-json-ro",
                "a read-only document, then a writable one",
                Expect.NO_WRITABLE_LEFT,
                "/containers/create",
                json,
                ro + rw);
        // wrong types
        add(
                l,
                prefix,
                "type-string",
                "\"ReadonlyRootfs\":\"true\"",
                Expect.NO_WRITABLE_LEFT,
                "/containers/create",
                json,
                "{" + img + ",\"HostConfig\":{\"ReadonlyRootfs\":\"true\"}}");
        add(
                l,
                prefix,
                "type-number",
                "\"ReadonlyRootfs\":1",
                Expect.NO_WRITABLE_LEFT,
                "/containers/create",
                json,
                "{" + img + ",\"HostConfig\":{\"ReadonlyRootfs\":1}}");
        add(
                l,
                prefix,
                "type-hostconfig",
                "\"HostConfig\":[] (an array)",
                Expect.NO_WRITABLE_LEFT,
                "/containers/create",
                json,
                "{" + img + ",\"HostConfig\":[]}");
        add(
                l,
                prefix,
                "not-json",
                "body not JSON",
                Expect.NO_WRITABLE_LEFT,
                "/containers/create",
                json,
                "{\"Image\":\"" + image + "\",");
        add(
                l,
                prefix,
                "top-level",
                "ReadonlyRootfs at the top level, not in HostConfig",
                Expect.REFUSED,
                "/containers/create",
                json,
                "{" + img + ",\"ReadonlyRootfs\":true}");
        // bodies the daemon does not forward
        l.add(new Crafted(
                "chunked-rw",
                "chunked body, writable",
                prefix + "chunked-rw",
                Expect.REFUSED,
                chunked("/containers/create?name=" + prefix + "chunked-rw", json, rw)));
        l.add(new Crafted(
                "chunked-ro",
                "chunked body, read-only",
                prefix + "chunked-ro",
                Expect.NO_WRITABLE_LEFT,
                chunked("/containers/create?name=" + prefix + "chunked-ro", json, ro)));
        l.add(new Crafted(
                "length-0",
                "Content-Length: 0",
                prefix + "length-0",
                Expect.NO_WRITABLE_LEFT,
                request("/containers/create?name=" + prefix + "length-0", json, "")));
        // over 1 MiB: not forwarded before the fix of CVE-2026-34040, forwarded up to 4 MiB after it
        add(
                l,
                prefix,
                "over-1mib-ro",
                "read-only, body over 1 MiB",
                Expect.NO_WRITABLE_LEFT,
                "/containers/create",
                json,
                padded(img, true, ONE_MIB + 1024));
        add(
                l,
                prefix,
                "over-1mib-rw",
                "writable, body over 1 MiB",
                Expect.REFUSED,
                "/containers/create",
                json,
                padded(img, false, ONE_MIB + 1024));
        add(
                l,
                prefix,
                "over-4mib-ro",
                "read-only, body over 4 MiB",
                Expect.NO_WRITABLE_LEFT,
                "/containers/create",
                json,
                padded(img, true, 4 * ONE_MIB + 1024));
        add(
                l,
                prefix,
                "over-4mib-rw",
                "writable, body over 4 MiB",
                Expect.NO_WRITABLE_LEFT,
                "/containers/create",
                json,
                padded(img, false, 4 * ONE_MIB + 1024));
        // content types
        add(
                l,
                prefix,
                "text-plain",
                "Content-Type: text/plain, writable",
                Expect.NO_WRITABLE_LEFT,
                "/containers/create",
                "text/plain",
                rw);
        add(
                l,
                prefix,
                "no-type",
                "no Content-Type, writable (no body forwarded)",
                Expect.REFUSED,
                "/containers/create",
                null,
                rw);
        add(
                l,
                prefix,
                "charset-rw",
                "application/json; charset=utf-8, writable",
                Expect.REFUSED,
                "/containers/create",
                "application/json; charset=utf-8",
                rw);
        add(
                l,
                prefix,
                "charset-ro",
                "application/json; charset=utf-8, read-only",
                Expect.CREATED,
                "/containers/create",
                "application/json; charset=utf-8",
                ro);
        add(
                l,
                prefix,
                "type-case",
                "Content-Type: Application/JSON, writable",
                Expect.REFUSED,
                "/containers/create",
                "Application/JSON",
                rw);
        // paths
        add(
                l,
                prefix,
                "pct-path",
                "/containers/%63reate (percent-encoded), writable",
                Expect.NO_WRITABLE_LEFT,
                "/containers/%63reate",
                json,
                rw);
        add(
                l,
                prefix,
                "pct-v-path",
                "/v1.41/containers/cr%65ate, writable",
                Expect.NO_WRITABLE_LEFT,
                "/v1.41/containers/cr%65ate",
                json,
                rw);
        add(
                l,
                prefix,
                "double-slash",
                "//containers/create, writable",
                Expect.NO_WRITABLE_LEFT,
                "//containers/create",
                json,
                rw);
        add(
                l,
                prefix,
                "dot-segment",
                "/containers/./create, writable",
                Expect.NO_WRITABLE_LEFT,
                "/containers/./create",
                json,
                rw);
        add(
                l,
                prefix,
                "dotdot-segment",
                "/v1.41/x/../containers/create, writable",
                Expect.NO_WRITABLE_LEFT,
                "/v1.41/x/../containers/create",
                json,
                rw);
        add(
                l,
                prefix,
                "pct-query",
                "?%6Eame= (percent-encoded query key), writable",
                Expect.NO_WRITABLE_LEFT,
                "/containers/create",
                json,
                rw);
        // what must pass
        add(
                l,
                prefix,
                "k8s",
                "writable, Kubernetes labels",
                Expect.CREATED,
                "/containers/create",
                json,
                "{" + img
                        + ",\"Labels\":{\"io.kubernetes.pod.name\":\"web-0\",\"io.kubernetes.pod.namespace\":\"shop\","
                        + "\"io.kubernetes.docker.type\":\"container\"},\"HostConfig\":{\"NetworkMode\":\"none\"}}");
        add(
                l,
                prefix,
                "ucp-label",
                "writable, label com.docker.ucp.version",
                Expect.CREATED,
                "/containers/create",
                json,
                "{" + img
                        + ",\"Labels\":{\"com.docker.ucp.version\":\"3.7.0\"},\"HostConfig\":{\"NetworkMode\":\"none\"}}");
        return fixQueryCase(l, prefix);
    }

    /** The one request whose name must sit in a percent-encoded query key. */
    private static List<Crafted> fixQueryCase(List<Crafted> l, String prefix) {
        List<Crafted> out = new ArrayList<>();
        for (Crafted c : l) {
            out.add(
                    c.id().equals("pct-query")
                            ? new Crafted(
                                    c.id(),
                                    c.what(),
                                    c.container(),
                                    c.expect(),
                                    c.raw().replace("?name=", "?%6Eame="))
                            : c);
        }
        return out;
    }

    /** A create named by {@code ?name=} (system name: {@code ucp-}...). */
    static Crafted named(String id, String what, String name, Expect expect, String image, boolean readOnly) {
        String body =
                "{\"Image\":\"" + image + "\",\"Cmd\":[\"/bin/sleep\",\"100000\"],\"HostConfig\":{\"NetworkMode\":"
                        + "\"none\",\"ReadonlyRootfs\":" + readOnly + "}}";
        return new Crafted(
                id, what, name, expect, request("/containers/create?name=" + name, "application/json", body));
    }

    private static void add(
            List<Crafted> l,
            String prefix,
            String id,
            String what,
            Expect expect,
            String path,
            String type,
            String body) {
        String name = prefix + id;
        l.add(new Crafted(id, what, name, expect, request(path + "?name=" + name, type, body)));
    }

    /** {@code POST path} with {@code body}, Content-Length framed; no Content-Type header when {@code type} is null. */
    static String request(String pathAndQuery, String type, String body) {
        int length = body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        return "POST " + pathAndQuery + " HTTP/1.1\r\nHost: docker\r\nUser-Agent: rre-authz-proof\r\n"
                + (type == null ? "" : "Content-Type: " + type + "\r\n") + "Content-Length: " + length
                + "\r\nConnection: close\r\n\r\n" + body;
    }

    /** The same, chunked in pieces of at most 64 bytes. */
    static String chunked(String pathAndQuery, String type, String body) {
        StringBuilder sb = new StringBuilder("POST " + pathAndQuery + " HTTP/1.1\r\nHost: docker\r\n"
                + "User-Agent: rre-authz-proof\r\nContent-Type: " + type
                + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        for (int i = 0; i < body.length(); i += 64) {
            String piece = body.substring(i, Math.min(body.length(), i + 64));
            sb.append(Integer.toHexString(piece.length()))
                    .append("\r\n")
                    .append(piece)
                    .append("\r\n");
        }
        return sb.append("0\r\n\r\n").toString();
    }

    /** A create body of at least {@code size} bytes: a label holds the padding. */
    static String padded(String img, boolean readOnly, int size) {
        String head = "{" + img + ",\"Labels\":{\"padding\":\"";
        String tail = "\"},\"HostConfig\":{\"NetworkMode\":\"none\",\"ReadonlyRootfs\":" + readOnly + "}}";
        return head + "x".repeat(Math.max(0, size - head.length() - tail.length())) + tail;
    }
}
