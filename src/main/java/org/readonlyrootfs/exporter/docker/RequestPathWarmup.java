package org.readonlyrootfs.exporter.docker;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * Loads and initializes the classes of the Engine API request path (unix sockets, HTTP framing, the
 * JSON reader) once, on a background thread, while the main thread reads the configuration and starts
 * the HTTP server: the first scan then does not wait for them. No request is sent, no file is written;
 * a failure here only means the first scan loads them itself.
 */
public final class RequestPathWarmup {
    private static final String INFO = """
            {"ID":"x","Name":"node","ServerVersion":"20.10.24","OperatingSystem":"Debian",
             "Swarm":{"NodeID":"","LocalNodeState":"inactive","ControlAvailable":false,"RemoteManagers":null}}""";
    private static final String LIST = """
            [{"Id":"0123456789ab","Names":["/web"],"Image":"busybox","ImageID":"sha256:0","Command":"sleep",
              "Created":1764340000,"Ports":[],"Labels":{"com.docker.compose.project":"shop"},"State":"running",
              "Status":"Up","HostConfig":{"NetworkMode":"none"},"NetworkSettings":{"Networks":{}},"Mounts":[]}]""";
    private static final String INSPECT = """
            {"Id":"0123456789ab","Created":"2026-11-28T14:25:49.389845109Z","Path":"/bin/sleep","Args":["1"],
             "State":{"Status":"running","Running":true,"Pid":42},"Image":"sha256:0","Name":"/web",
             "HostConfig":{"Binds":null,"ReadonlyRootfs":true,"Tmpfs":{"/tmp":""}},"Mounts":[],
             "Config":{"Image":"busybox","Labels":{"a":"b"}},"NetworkSettings":{"Networks":{}}}""";

    private RequestPathWarmup() {
    }

    /** Starts the warm-up on a daemon thread of its own and returns at once. */
    public static Thread start() {
        Thread t = new Thread(RequestPathWarmup::run, "request-path-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return t;
    }

    /** Returns whether every step ran (for tests: the samples must stay readable). */
    static boolean run() {
        try {
            DockerJson.info(json(INFO));
            DockerJson.containers(HttpBodies.chunked(json(Integer.toHexString(LIST.length()) + "\r\n" + LIST
                    + "\r\n0\r\n\r\n")), c -> { });
            DockerJson.container(HttpBodies.fixed(json(INSPECT), INSPECT.length()));
            DockerJson.errorMessage("{\"message\":\"No such container: x\"}".getBytes(StandardCharsets.UTF_8));
            try (SocketChannel unconnected = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                unconnected.isConnected();
            }
            Class.forName(EngineClient.class.getName(), true, RequestPathWarmup.class.getClassLoader());
            Class.forName(EngineConnection.class.getName(), true, RequestPathWarmup.class.getClassLoader());
            Class.forName(EngineResponse.class.getName(), true, RequestPathWarmup.class.getClassLoader());
            return true;
        } catch (IOException | ReflectiveOperationException | RuntimeException e) {
            return false; // only a head start: the first scan loads whatever is missing
        }
    }

    private static InputStream json(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }
}
