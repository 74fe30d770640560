package org.readonlyrootfs.exporter.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A unix-socket proxy between a client and a Docker daemon that forwards every byte unchanged and
 * records the request line ({@code METHOD target}) of every HTTP request the client sends, keep-alive
 * and bodies (Content-Length or chunked) included.
 */
public final class RecordingDockerProxy implements AutoCloseable {
    private final Path dir;
    private final Path socket;
    private final Path upstream;
    private final ServerSocketChannel server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    public RecordingDockerProxy(Path upstreamSocket) throws IOException {
        this.upstream = upstreamSocket;
        this.dir = Files.createTempDirectory(Path.of("/tmp"), "rre-proxy");
        this.socket = dir.resolve("docker.sock");
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread acceptor = new Thread(this::accept, "proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** {@code unix:///tmp/rre-proxyXXXX/docker.sock} */
    public String host() {
        return "unix://" + socket;
    }

    /** Every request line seen, in order: {@code GET /v1.41/containers/json?all=1}. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    private void accept() {
        while (!closed) {
            try {
                SocketChannel client = server.accept();
                SocketChannel daemon = SocketChannel.open(UnixDomainSocketAddress.of(upstream));
                open.add(client);
                open.add(daemon);
                start("proxy-up", () -> recordAndForward(in(client), out(daemon)), client, daemon);
                start("proxy-down", () -> in(daemon).transferTo(out(client)), client, daemon);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    // not Channels.newInputStream/newOutputStream: they lock the channel, so a blocked read stops the other direction
    private static InputStream in(SocketChannel c) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return c.read(ByteBuffer.wrap(b, off, len));
            }
        };
    }

    private static OutputStream out(SocketChannel c) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    c.write(buf);
                }
            }
        };
    }

    private interface Pump {
        void run() throws IOException;
    }

    private void start(String name, Pump pump, SocketChannel a, SocketChannel b) {
        Thread t = new Thread(
                () -> {
                    try {
                        pump.run();
                    } catch (IOException e) {
                        // a side closed
                    } finally {
                        closeQuietly(a);
                        closeQuietly(b);
                    }
                },
                name);
        t.setDaemon(true);
        t.start();
    }

    /** Parses the client's stream request by request while every byte read goes on to the daemon. */
    private void recordAndForward(InputStream fromClient, OutputStream toDaemon) throws IOException {
        InputStream in = new BufferedInputStream(new FilterInputStream(fromClient) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    toDaemon.write(b, off, n);
                    toDaemon.flush();
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                // read, never skip: skipped bytes must reach the daemon too
                byte[] buf = new byte[(int) Math.min(n, 8192)];
                int r = read(buf, 0, buf.length);
                return Math.max(r, 0);
            }
        });
        while (true) {
            String requestLine = line(in);
            if (requestLine == null) {
                return;
            }
            if (requestLine.isEmpty()) {
                continue;
            }
            String[] parts = requestLine.split(" ");
            requests.add(parts[0] + " " + (parts.length > 1 ? parts[1] : ""));
            long length = 0;
            boolean chunked = false;
            String header;
            while ((header = line(in)) != null && !header.isEmpty()) {
                String h = header.toLowerCase(Locale.ROOT);
                if (h.startsWith("content-length:")) {
                    length = Long.parseLong(h.substring(15).trim());
                } else if (h.startsWith("transfer-encoding:") && h.contains("chunked")) {
                    chunked = true;
                }
            }
            if (chunked) {
                long size;
                do {
                    String sizeLine = line(in);
                    if (sizeLine == null) {
                        return;
                    }
                    size = Long.parseLong(sizeLine.split(";")[0].trim(), 16);
                    in.skipNBytes(size);
                    line(in);
                } while (size > 0);
            } else {
                in.skipNBytes(length);
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (SocketChannel c : new ArrayList<>(open)) {
            closeQuietly(c);
        }
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }
}
