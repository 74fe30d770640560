package org.readonlyrootfs.exporter;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.readonlyrootfs.exporter.authz.PluginProtocol;

/**
 * Runs the decision path some thousands of times in the background once the socket is served (the daemon
 * starts after the plugin), so that its requests soon meet compiled code rather than the interpreter (a
 * cold decision takes up to milliseconds, a warm one microseconds). A low-priority thread, not in the way:
 * a slow start would keep the daemon waiting. Nothing is counted or logged: the calls go to the protocol,
 * not through the metrics.
 */
final class AuthzWarmup {
    static final int ROUNDS = 600;

    private AuthzWarmup() {}

    static void start(PluginProtocol protocol) {
        Thread t = new Thread(() -> run(protocol), "authz-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    static void run(PluginProtocol protocol) {
        List<byte[]> requests = List.of(
                envelope("GET", "/v1.41/containers/json?all=1", null),
                envelope(
                        "POST",
                        "/v1.41/containers/create?name=warm-up",
                        "{\"Image\":\"warm-up\",\"Labels\":{\"a\":\"b\"},\"HostConfig\":{\"ReadonlyRootfs\":true,"
                                + "\"Tmpfs\":{\"/run\":\"\"},\"Memory\":0}}"),
                envelope("POST", "/v1.41/containers/create", "{\"Image\":\"warm-up\",\"HostConfig\":{}}"),
                envelope(
                        "POST",
                        "/v1.41/services/warm-up/update?version=1",
                        "{\"Name\":\"warm-up\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"w\",\"ReadOnly\":true}}}"),
                envelope("DELETE", "/v1.41/containers/warm-up?force=1", null));
        for (int i = 0; i < ROUNDS; i++) {
            for (byte[] r : requests) {
                protocol.handle("POST", PluginProtocol.AUTHZ_REQ, r);
            }
        }
    }

    private static byte[] envelope(String method, String uri, String body) {
        return ("{\"RequestMethod\":\"" + method + "\",\"RequestUri\":\"" + uri + "\""
                        + (body == null
                                ? ""
                                : ",\"RequestBody\":\""
                                        + Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8))
                                        + "\"")
                        + ",\"RequestHeaders\":{\"Content-Type\":\"application/json\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
