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
import org.readonlyrootfs.exporter.product.BuildInfo;

/** One HTTP/1.1 connection to the daemon: writes a GET, reads the status line and headers, frames the body. */
final class EngineConnection implements AutoCloseable {
    private static final int MAX_HEAD_BYTES = 64 * 1024;
    private static final String USER_AGENT = BuildInfo.NAME;

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

    /** Over given streams, no socket: for the request path's warm-up (and tests). */
    EngineConnection(InputStream in, OutputStream out) {
        this.channel = null;
        this.tlsSocket = null;
        this.in = new Buffered(in);
        this.out = out;
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
                s = (SSLSocket) tls.getSocketFactory()
                        .createSocket(ch.socket(), address.getHostString(), address.getPort(), true);
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
                        + "\r\nAccept: application/json\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
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
        return new EngineResponse(
                head.status,
                body,
                line,
                complete -> { // the head's line buffer is free now
                    if (complete && reuse) {
                        reusable.accept(this);
                    } else {
                        close();
                    }
                });
    }

    private record Head(int status, long contentLength, boolean chunked, boolean connectionClose) {}

    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION = "connection".getBytes(StandardCharsets.US_ASCII);

    /** The status line and the three headers that frame the body, read as bytes: no string per header. */
    private Head readHead(int first) throws IOException {
        int budget = MAX_HEAD_BYTES;
        line[0] = (byte) first;
        int n = 1 + readLine(1);
        budget -= n;
        // HTTP/1.1 200 OK
        if (n < 12
                || !startsWith(line, n, "HTTP/1.")
                || line[8] != ' '
                || !digit(line[9])
                || !digit(line[10])
                || !digit(line[11])
                || (n > 12 && line[12] != ' ')) {
            String text = new String(line, 0, n, StandardCharsets.ISO_8859_1);
            throw new IOException(
                    (startsWith(line, n, "HTTP/") ? "not an HTTP status: " : "not an HTTP answer: ") + printable(text));
        }
        int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        long length = -1;
        boolean chunked = false;
        boolean close = line[7] == '0';
        for (n = readLine(0); n > 0; n = readLine(0)) {
            budget -= n;
            if (budget < 0) {
                throw new IOException("the Docker daemon's answer headers exceed " + MAX_HEAD_BYTES + " bytes");
            }
            int colon = indexOf(line, n, (byte) ':');
            if (colon <= 0) {
                continue;
            }
            if (nameIs(colon, CONTENT_LENGTH)) {
                length = number(colon + 1, n);
            } else if (nameIs(colon, TRANSFER_ENCODING)) {
                chunked = value(colon + 1, n).toLowerCase(Locale.ROOT).endsWith("chunked");
            } else if (nameIs(colon, CONNECTION)) {
                close = value(colon + 1, n).equalsIgnoreCase("close");
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

    private final byte[] line = new byte[8 * 1024];

    /**
     * Reads one line into {@link #line} from {@code off}, without its CR LF; returns the bytes stored.
     * A line longer than the buffer is an error (the daemon's header lines are short).
     */
    private int readLine(int off) throws IOException {
        int n = off;
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b == -1) {
                throw new IOException("the Docker daemon closed the connection in the middle of an answer");
            }
            if (n == line.length) {
                throw new IOException("a header line of the Docker daemon's answer exceeds " + line.length + " bytes");
            }
            line[n++] = (byte) b;
        }
        if (n > off && line[n - 1] == '\r') {
            n--;
        }
        return n - off;
    }

    private boolean nameIs(int colon, byte[] lowerName) {
        int end = colon;
        while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) {
            end--;
        }
        if (end != lowerName.length) {
            return false;
        }
        for (int i = 0; i < end; i++) {
            int c = line[i];
            if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != lowerName[i]) {
                return false;
            }
        }
        return true;
    }

    private String value(int from, int to) {
        return new String(line, from, to - from, StandardCharsets.ISO_8859_1).trim();
    }

    private long number(int from, int to) throws IOException {
        String v = value(from, to);
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IOException("bad Content-Length: " + printable(v));
        }
    }

    private static boolean startsWith(byte[] b, int n, String prefix) {
        if (n < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (b[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] b, int n, byte x) {
        for (int i = 0; i < n; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    private static boolean digit(byte b) {
        return b >= '0' && b <= '9';
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
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            // nothing more to do
        }
    }

    /**
     * Closes the connection from another thread than the one reading it: the channel first, so that a
     * read blocked on it (TLS included) ends at once, then the TLS layer.
     */
    void abort() {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            // nothing more to do
        }
        close();
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
