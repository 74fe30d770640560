package org.readonlyrootfs.exporter.plugin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The HTTP/1.1 of one connection, as much as Docker's plugin client uses and no more: a request line,
 * headers, a body by {@code Content-Length} or {@code chunked}; keep-alive unless {@code Connection: close}
 * or HTTP/1.0. Anything else, or anything too large, is a {@link BadRequest} (the server answers it and
 * closes): a request line of more than {@value #MAX_LINE} bytes, headers of more than {@value
 * #MAX_HEADER_BYTES} bytes or {@value #MAX_HEADERS} lines, both {@code Content-Length} and {@code
 * Transfer-Encoding} or two different lengths (request smuggling), a transfer coding other than chunked.
 */
final class HttpExchange {
    static final int MAX_LINE = 8 * 1024;
    static final int MAX_HEADER_BYTES = 32 * 1024;
    static final int MAX_HEADERS = 100;

    /**
     * One request.
     *
     * @param method    as sent
     * @param target    the request-target
     * @param body      the body, empty if none
     * @param keepAlive whether the connection stays open after the answer
     */
    record Request(String method, String target, byte[] body, boolean keepAlive) {}

    /** A request that cannot be served; the connection is closed after the answer. */
    static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;
        private final int status;

        BadRequest(int status, String message) {
            super(message);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    private final InputStream in;
    private final OutputStream out;
    private final int maxBody;

    HttpExchange(InputStream in, OutputStream out, int maxBody) {
        this.in = in;
        this.out = out;
        this.maxBody = maxBody;
    }

    /** Waits for the first byte of the next request; false if the peer closed the connection. */
    boolean awaitRequest() throws IOException {
        in.mark(1);
        int b = in.read();
        if (b < 0) {
            return false;
        }
        in.reset();
        return true;
    }

    /** The next request; null if the connection ended cleanly before one began. */
    Request read() throws IOException, BadRequest {
        String line = line(true);
        while (line != null && line.isEmpty()) {
            line = line(true); // RFC 9112: ignore empty lines before a request line
        }
        if (line == null) {
            return null;
        }
        String[] parts = line.split(" ", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || !parts[2].startsWith("HTTP/1.")) {
            throw new BadRequest(400, "malformed request line");
        }
        for (int i = 0; i < parts[0].length(); i++) {
            char c = parts[0].charAt(i);
            if (c < '!' || c > '~') {
                throw new BadRequest(400, "malformed method");
            }
        }
        boolean http10 = parts[2].equals("HTTP/1.0");
        if (!http10 && !parts[2].equals("HTTP/1.1")) {
            throw new BadRequest(505, "HTTP version not supported");
        }
        long length = -1;
        boolean chunked = false;
        boolean transferEncoding = false;
        boolean close = http10;
        boolean expectContinue = false;
        int count = 0;
        int bytes = 0;
        while (true) {
            String h = line(false);
            if (h == null) {
                throw new BadRequest(400, "connection closed inside the headers");
            }
            if (h.isEmpty()) {
                break;
            }
            bytes += h.length() + 2;
            if (++count > MAX_HEADERS || bytes > MAX_HEADER_BYTES) {
                throw new BadRequest(431, "request headers too large");
            }
            int colon = h.indexOf(':');
            if (colon <= 0 || h.charAt(0) == ' ' || h.charAt(0) == '\t' || h.charAt(colon - 1) == ' ') {
                throw new BadRequest(400, "malformed header line");
            }
            String name = h.substring(0, colon).toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> {
                    long n;
                    if (value.isEmpty() || value.length() > 18 || !value.chars().allMatch(Character::isDigit)) {
                        throw new BadRequest(400, "malformed Content-Length");
                    }
                    n = Long.parseLong(value);
                    if (length >= 0 && length != n) {
                        throw new BadRequest(400, "two different Content-Length headers");
                    }
                    length = n;
                }
                case "transfer-encoding" -> {
                    if (transferEncoding || !value.equalsIgnoreCase("chunked")) {
                        throw new BadRequest(501, "only Transfer-Encoding: chunked is supported");
                    }
                    transferEncoding = true;
                    chunked = true;
                }
                case "connection" -> {
                    String v = value.toLowerCase(Locale.ROOT);
                    if (v.contains("close")) {
                        close = true;
                    } else if (http10 && v.contains("keep-alive")) {
                        close = false;
                    }
                }
                case "expect" -> expectContinue = value.equalsIgnoreCase("100-continue");
                default -> {
                    // not needed
                }
            }
        }
        if (chunked && length >= 0) {
            throw new BadRequest(400, "both Content-Length and Transfer-Encoding");
        }
        if (length > maxBody) {
            throw new BadRequest(413, "request body of " + length + " bytes is over the limit of " + maxBody);
        }
        if (expectContinue && (chunked || length > 0)) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        byte[] body = chunked ? chunkedBody() : fixedBody((int) Math.max(length, 0));
        return new Request(parts[0], parts[1], body, !close);
    }

    private byte[] fixedBody(int length) throws IOException, BadRequest {
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw new BadRequest(400, "connection closed inside the body");
        }
        return body;
    }

    private byte[] chunkedBody() throws IOException, BadRequest {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line(false);
            if (sizeLine == null) {
                throw new BadRequest(400, "connection closed inside a chunked body");
            }
            int semi = sizeLine.indexOf(';');
            String hex = (semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim();
            if (hex.isEmpty() || hex.length() > 8 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new BadRequest(400, "malformed chunk size");
            }
            long size = Long.parseLong(hex, 16);
            if (size == 0) {
                break;
            }
            if (body.size() + size > maxBody) {
                throw new BadRequest(413, "chunked request body over the limit of " + maxBody + " bytes");
            }
            byte[] chunk = in.readNBytes((int) size);
            if (chunk.length < size) {
                throw new BadRequest(400, "connection closed inside a chunk");
            }
            body.write(chunk);
            String end = line(false);
            if (end == null || !end.isEmpty()) {
                throw new BadRequest(400, "malformed chunk end");
            }
        }
        int trailers = 0;
        while (true) { // trailers, ignored
            String t = line(false);
            if (t == null) {
                throw new BadRequest(400, "connection closed inside the trailers");
            }
            if (t.isEmpty()) {
                break;
            }
            if (++trailers > MAX_HEADERS) {
                throw new BadRequest(431, "too many trailers");
            }
        }
        return body.toByteArray();
    }

    /**
     * A line without its CRLF (a bare LF ends one too), Latin-1; null if the stream ends before any byte
     * of it (only allowed where {@code startOfRequest}).
     */
    private String line(boolean startOfRequest) throws IOException, BadRequest {
        StringBuilder b = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                if (b.length() == 0 && startOfRequest) {
                    return null;
                }
                if (b.length() == 0) {
                    return null;
                }
                throw new BadRequest(400, "connection closed inside a line");
            }
            if (c == '\n') {
                int n = b.length();
                if (n > 0 && b.charAt(n - 1) == '\r') {
                    b.setLength(n - 1);
                }
                return b.toString();
            }
            if (b.length() >= MAX_LINE) {
                throw new BadRequest(startOfRequest ? 414 : 431, "line too long");
            }
            if (c == 0) {
                throw new BadRequest(400, "NUL byte in the request head");
            }
            b.append((char) c);
        }
    }

    void respond(int status, String contentType, byte[] body, boolean keepAlive) throws IOException {
        String head = "HTTP/1.1 " + status + " " + reason(status) + "\r\n"
                + "Content-Type: " + contentType + "\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + (keepAlive ? "" : "Connection: close\r\n")
                + "\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        out.write(all);
        out.flush();
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 431 -> "Request Header Fields Too Large";
            case 501 -> "Not Implemented";
            case 505 -> "HTTP Version Not Supported";
            default -> "Status";
        };
    }
}
