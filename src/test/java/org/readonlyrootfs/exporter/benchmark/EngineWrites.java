package org.readonlyrootfs.exporter.benchmark;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The few Engine API calls the benchmarks make to provision and churn containers (the exporter itself
 * only GETs): create, start, stop, remove and list, each a request of its own over the daemon's unix socket, no
 * client library in between. Thread-safe.
 */
final class EngineWrites {
    private static final Pattern ID = Pattern.compile("\"Id\"\\s*:\\s*\"([0-9a-f]{64})\"");

    private final UnixDomainSocketAddress socket;

    EngineWrites(String dockerHost) {
        if (!dockerHost.startsWith("unix://")) {
            throw new IllegalArgumentException("the benchmark needs a unix socket, got " + dockerHost);
        }
        this.socket = UnixDomainSocketAddress.of(Path.of(dockerHost.substring("unix://".length())));
    }

    /** {@code docker create --network none [--read-only] [--name name] image cmd...}; returns the id. */
    String create(String image, String name, boolean readOnly, String... cmd) {
        return create(image, name, readOnly, null, cmd);
    }

    /**
     * As {@link #create(String, String, boolean, String...)}, with {@code HostConfig.Init}: {@code false} runs
     * the command as PID 1 even on a daemon started with {@code --init}; null leaves the daemon's default.
     */
    String create(String image, String name, boolean readOnly, Boolean init, String... cmd) {
        return create(image, name, readOnly, init, java.util.Map.of(), cmd);
    }

    /** As {@link #create(String, String, boolean, Boolean, String...)}, with Docker labels. */
    String create(
            String image,
            String name,
            boolean readOnly,
            Boolean init,
            java.util.Map<String, String> labels,
            String... cmd) {
        StringBuilder json = new StringBuilder("{\"Image\":").append(quote(image));
        if (!labels.isEmpty()) {
            json.append(",\"Labels\":{");
            String sep = "";
            for (var e : new java.util.TreeMap<>(labels).entrySet()) {
                json.append(sep).append(quote(e.getKey())).append(':').append(quote(e.getValue()));
                sep = ",";
            }
            json.append('}');
        }
        json.append(",\"Cmd\":[");
        for (int i = 0; i < cmd.length; i++) {
            json.append(i > 0 ? "," : "").append(quote(cmd[i]));
        }
        json.append("],\"HostConfig\":{\"NetworkMode\":\"none\",\"ReadonlyRootfs\":")
                .append(readOnly)
                .append(init == null ? "" : ",\"Init\":" + init)
                .append("}}");
        String answer =
                request("POST", "/containers/create" + (name == null ? "" : "?name=" + name), json.toString(), 201);
        Matcher m = ID.matcher(answer);
        if (!m.find()) {
            throw new IllegalStateException("no container id in " + answer);
        }
        return m.group(1);
    }

    /** {@code docker start idOrName}. */
    void start(String idOrName) {
        request("POST", "/containers/" + idOrName + "/start", null, 204);
    }

    /** {@code docker stop --time 10 idOrName}; a container that is not running is no error. */
    void stop(String idOrName) {
        try {
            request("POST", "/containers/" + idOrName + "/stop?t=10", null, 204);
        } catch (IllegalStateException e) {
            if (!e.getMessage().contains(" 304 ")) { // already stopped
                throw e;
            }
        }
    }

    /** {@code docker rm idOrName}. */
    void remove(String idOrName) {
        request("DELETE", "/containers/" + idOrName, null, 204);
    }

    /** The ids of every container, stopped and created ones included. */
    List<String> ids() {
        List<String> ids = new ArrayList<>();
        Matcher m = ID.matcher(request("GET", "/containers/json?all=1", null, 200));
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }

    private String request(String method, String path, String body, int expected) {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        String head = method + " " + path + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n"
                + (body == null ? "" : "Content-Type: application/json\r\n") + "Content-Length: " + content.length
                + "\r\n\r\n";
        try (SocketChannel ch = SocketChannel.open(socket)) {
            OutputStream out = Channels.newOutputStream(ch);
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(content);
            out.flush();
            InputStream in = Channels.newInputStream(ch);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all); // Connection: close: the answer ends with the connection
            String answer = all.toString(StandardCharsets.UTF_8);
            int status = answer.length() >= 12 ? Integer.parseInt(answer.substring(9, 12)) : -1;
            if (status != expected) {
                throw new IllegalStateException(method + " " + path + ": " + answer);
            }
            return answer;
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
