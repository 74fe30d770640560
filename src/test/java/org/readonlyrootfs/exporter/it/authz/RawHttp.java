package org.readonlyrootfs.exporter.it.authz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One raw HTTP/1.1 exchange over a unix socket: the request is written as is on its own thread (a daemon that answers
 * before reading a large body must not block the writer) while the answer is read until the peer closes ({@code
 * Connection: close}) or the deadline passes.
 */
final class RawHttp {
    private static final Pattern STATUS = Pattern.compile("^HTTP/1\\.[01] (\\d{3})");
    private static final Pattern MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** The status (-1 if none came), the error message of a JSON error body (or the body's start), the whole text. */
    record Answer(int status, String message, String text) {
        /** {@code 403 authorization denied by plugin ...}, shortened for a table cell. */
        String cell(int max) {
            String m = status / 100 == 2
                    ? ""
                    : message.replaceFirst("^authorization denied by plugin [^:]+: ", "denied: ")
                            .replaceFirst(
                                    "STIG V-260936 \\(a container's root filesystem must be read-only\\): ",
                                    "V-260936: ")
                            .replace("|", "\\|")
                            .replace("\n", " ");
            String s = (status < 0 ? "no answer" : Integer.toString(status)) + (m.isEmpty() ? "" : " " + m);
            return s.length() <= max ? s : s.substring(0, max - 1) + "…";
        }
    }

    private RawHttp() {}

    static Answer exchange(Path socket, String request, Duration deadline) {
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            // the channel's own read and write (separate locks), not its streams (one lock for both)
            ByteBuffer bytes = ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1));
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    while (bytes.hasRemaining()) {
                        ch.write(bytes);
                    }
                } catch (IOException e) {
                    // the daemon answered and closed before reading everything: its answer is read below
                }
            });
            watchdog.schedule(
                    () -> {
                        try {
                            ch.close();
                        } catch (IOException e) {
                            // closed already
                        }
                    },
                    deadline.toMillis(),
                    TimeUnit.MILLISECONDS);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            try {
                while (ch.read(buf) >= 0) {
                    got.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
            } catch (IOException e) {
                // reset by the peer, or the deadline closed it: keep what came
            }
            writer.cancel(true);
            return parse(got.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Answer(-1, "cannot connect: " + e.getMessage(), "");
        } finally {
            watchdog.shutdownNow();
        }
    }

    static Answer parse(String text) {
        Matcher s = STATUS.matcher(text);
        int status = s.find() ? Integer.parseInt(s.group(1)) : -1;
        int bodyAt = text.indexOf("\r\n\r\n");
        String body = bodyAt < 0 ? "" : text.substring(bodyAt + 4).trim();
        Matcher m = MESSAGE.matcher(body);
        String message = m.find()
                ? m.group(1)
                        .replace("\\n", " ")
                        .replace("\\\"", "\"")
                        .replace("\\u003c", "<")
                        .replace("\\u003e", ">")
                        .replace("\\u0026", "&")
                : body.length() > 120 ? body.substring(0, 120) : body;
        return new Answer(status, message, text);
    }
}
