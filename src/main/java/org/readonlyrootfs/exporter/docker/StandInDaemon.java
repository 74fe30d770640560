package org.readonlyrootfs.exporter.docker;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A stand-in for the Docker daemon on a loopback port, answering the exporter's GETs with built-in samples
 * (one read-only container, a daemon outside any swarm): {@code /info}, the list, an inspect for any other
 * container path, and an events stream that stays open and silent. It lets the whole start run with no
 * Docker at all, for the image build's class-data training run ({@code ClassDataTraining}); its samples
 * also feed {@link RequestPathWarmup}. Each connection has its own thread (keep-alive); all end when it is
 * closed. Nothing is written to disk.
 */
public final class StandInDaemon implements AutoCloseable {
    /** The container the samples describe (read-only). */
    public static final String CONTAINER_ID = "0123456789ab";

    static final String INFO = """
            {"ID":"x","Name":"node","ServerVersion":"20.10.24","OperatingSystem":"Debian",
             "Swarm":{"NodeID":"","LocalNodeState":"inactive","ControlAvailable":false,"RemoteManagers":null}}""";
    static final String LIST = """
            [{"Id":"0123456789ab","Names":["/web"],"Image":"busybox","ImageID":"sha256:0","Command":"sleep",
              "Created":1764340000,"Ports":[],"Labels":{"com.docker.compose.project":"shop"},"State":"running",
              "Status":"Up","HostConfig":{"NetworkMode":"none"},"NetworkSettings":{"Networks":{}},"Mounts":[]}]""";
    static final String INSPECT = """
            {"Id":"0123456789ab","Created":"2026-11-28T14:25:49.389845109Z","Path":"/bin/sleep","Args":["1"],
             "State":{"Status":"running","Running":true,"Pid":42},"Image":"sha256:0","Name":"/web",
             "HostConfig":{"Binds":null,"ReadonlyRootfs":true,"Tmpfs":{"/tmp":""}},"Mounts":[],
             "Config":{"Image":"busybox","Labels":{"a":"b"}},"NetworkSettings":{"Networks":{}}}""";

    private static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};
    private final ServerSocket server;

    private StandInDaemon() throws IOException {
        server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    }

    /** Listens on a free loopback port and answers from now on. */
    public static StandInDaemon start() throws IOException {
        StandInDaemon d = new StandInDaemon();
        d.thread("stand-in-daemon", d::accept).start();
        return d;
    }

    /** Where it listens, as {@code docker.host} takes it. */
    public String host() {
        return "tcp://127.0.0.1:" + server.getLocalPort();
    }

    private Thread thread(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                thread("stand-in-daemon-connection", () -> serve(s)).start();
            } catch (IOException | RuntimeException e) {
                // closed
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            answer(new BufferedInputStream(s.getInputStream()), s.getOutputStream());
        } catch (IOException | RuntimeException e) {
            // the client ended its connection, or the stand-in was closed
        }
    }

    /** Answers each request on one connection: its head is read up to the blank line (a GET has no body). */
    private void answer(InputStream in, OutputStream out) throws IOException {
        StringBuilder requestLine = new StringBuilder();
        boolean firstLine = true;
        int matched = 0;
        for (int b = in.read(); b >= 0 && !server.isClosed(); b = in.read()) {
            if (firstLine && b == '\n') {
                firstLine = false;
            } else if (firstLine && b != '\r' && requestLine.length() < 256) {
                requestLine.append((char) b);
            }
            matched = b == HEAD_END[matched] ? matched + 1 : b == '\r' ? 1 : 0;
            if (matched == HEAD_END.length) {
                out.write(response(requestLine.toString()));
                out.flush();
                requestLine.setLength(0);
                firstLine = true;
                matched = 0;
            }
        }
    }

    private static byte[] response(String requestLine) {
        String[] parts = requestLine.split(" ");
        String path = parts.length > 1 ? parts[1] : "";
        if (path.startsWith("/events")) {
            // the stream's head; its body never comes (the connection stays open until either side ends it)
            return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
        }
        String body = path.startsWith("/info") ? INFO : path.startsWith("/containers/json") ? LIST : INSPECT;
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
                        + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + bytes.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(bytes, 0, all, head.length, bytes.length);
        return all;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closed anyway
        }
    }
}
