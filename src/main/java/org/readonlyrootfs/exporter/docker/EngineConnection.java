package org.readonlyrootfs.exporter.docker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** One HTTP/1.1 connection to the daemon: writes a GET, reads the status line and headers, frames the body. */
final class EngineConnection implements AutoCloseable {
    private static final int MAX_HEAD_BYTES = 64 * 1024;
    private static final String USER_AGENT = "readonly-rootfs-exporter";

    private final SocketChannel channel;
    private final Socket tlsSocket; // null without TLS
    private final InputStream in;
    private final OutputStream out;

    /** The request failed before any byte of an answer arrived (a reused connection the daemon had closed). */
    static final class NothingReceived extends Exception {
        NothingReceived(Throwable cause) {
            super(cause);
        }
    }

    private EngineConnection(SocketChannel channel, SSLSocket tlsSocket) throws IOException {
        this.channel = channel;
        this.tlsSocket = tlsSocket;
        this.in = new Buffered(tlsSocket != null ? tlsSocket.getInputStream() : Channels.newInputStream(channel));
        this.out = tlsSocket != null ? tlsSocket.getOutputStream() : Channels.newOutputStream(channel);
    }

    static EngineConnection unix(UnixDomainSocketAddress address) throws IOException {
        SocketChannel ch = SocketChannel.open(address);
        try {
            return new EngineConnection(ch, null);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    static EngineConnection tcp(InetSocketAddress address, SSLContext tls, Duration connectTimeout) throws IOException {
        SocketChannel ch = SocketChannel.open();
        try {
            ch.socket().connect(address, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
            ch.socket().setTcpNoDelay(true);
            SSLSocket s = null;
            if (tls != null) {
                s = (SSLSocket) tls.getSocketFactory().createSocket(ch.socket(), address.getHostString(),
                        address.getPort(), true);
                SSLParameters params = s.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS"); // the daemon's certificate must name it
                s.setSSLParameters(params);
                s.setUseClientMode(true);
                s.startHandshake();
            }
            return new EngineConnection(ch, s);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Sends {@code GET path} and reads the answer's head; the body is left to the caller. */
    EngineResponse get(String path, String host, Consumer<EngineConnection> reusable)
            throws IOException, NothingReceived {
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: " + USER_AGENT
                + "\r\nAccept: application/json\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        int first;
        try {
            out.write(request);
            out.flush();
            first = in.read();
        } catch (ClosedByInterruptException e) {
            throw e; // the deadline: never retried
        } catch (IOException e) {
            throw new NothingReceived(e);
        }
        if (first == -1) {
            throw new NothingReceived(null);
        }
        Head head = readHead(first);
        InputStream body;
        boolean keepAlive = !head.connectionClose;
        if (head.status == 204 || head.status == 304) {
            body = HttpBodies.fixed(in, 0);
        } else if (head.chunked) {
            body = HttpBodies.chunked(in);
        } else if (head.contentLength >= 0) {
            body = HttpBodies.fixed(in, head.contentLength);
        } else {
            body = in; // until the daemon closes the connection
            keepAlive = false;
        }
        boolean reuse = keepAlive;
        return new EngineResponse(head.status, body, complete -> {
            if (complete && reuse) {
                reusable.accept(this);
            } else {
                close();
            }
        });
    }

    private record Head(int status, long contentLength, boolean chunked, boolean connectionClose) {
    }

    private Head readHead(int first) throws IOException {
        int[] budget = {MAX_HEAD_BYTES};
        String statusLine = (char) first + line(budget);
        // HTTP/1.1 200 OK
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP answer: " + printable(statusLine));
        }
        int status;
        try {
            status = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status: " + printable(statusLine));
        }
        long length = -1;
        boolean chunked = false;
        boolean close = parts[0].equals("HTTP/1.0");
        for (String h = line(budget); !h.isEmpty(); h = line(budget)) {
            int colon = h.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> {
                    try {
                        length = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new IOException("bad Content-Length: " + printable(value));
                    }
                }
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).endsWith("chunked");
                case "connection" -> close = value.equalsIgnoreCase("close");
                default -> {
                }
            }
        }
        if (status >= 100 && status < 200) {
            int next = in.read();
            if (next == -1) {
                throw new IOException("the Docker daemon closed the connection after HTTP " + status);
            }
            return readHead(next);
        }
        return new Head(status, length, chunked, close);
    }

    /** One header line without its CRLF; the whole head is capped. */
    private String line(int[] budget) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b == -1) {
                throw new IOException("the Docker daemon closed the connection in the middle of an answer");
            }
            if (--budget[0] < 0) {
                throw new IOException("the Docker daemon's answer headers exceed " + MAX_HEAD_BYTES + " bytes");
            }
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }

    private static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "…" : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    @Override
    public void close() {
        try {
            if (tlsSocket != null) {
                tlsSocket.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
        try {
            channel.close();
        } catch (IOException e) {
            // nothing more to do
        }
    }

    /** A read buffer for one connection's thread: unlike BufferedInputStream, no lock per byte read. */
    private static final class Buffered extends InputStream {
        private final InputStream in;
        private final byte[] buf = new byte[16 * 1024];
        private int pos;
        private int lim;

        Buffered(InputStream in) {
            this.in = in;
        }

        private boolean fill() throws IOException {
            int n = in.read(buf, 0, buf.length);
            if (n <= 0) {
                return false;
            }
            pos = 0;
            lim = n;
            return true;
        }

        @Override
        public int read() throws IOException {
            if (pos == lim && !fill()) {
                return -1;
            }
            return buf[pos++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (pos == lim) {
                if (len >= buf.length) {
                    return in.read(b, off, len); // large reads bypass the buffer
                }
                if (!fill()) {
                    return -1;
                }
            }
            int n = Math.min(len, lim - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public int available() throws IOException {
            return lim - pos;
        }
    }
}
