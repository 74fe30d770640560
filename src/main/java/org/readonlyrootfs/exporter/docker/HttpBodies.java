package org.readonlyrootfs.exporter.docker;

import java.io.IOException;
import java.io.InputStream;

/** HTTP/1.1 body framing: a fixed length or chunked transfer coding; both end at the body's end, not the stream's. */
final class HttpBodies {
    private static final int MAX_CHUNK_LINE = 1024;

    private HttpBodies() {}

    static InputStream fixed(InputStream in, long length) {
        return new Fixed(in, length);
    }

    static InputStream chunked(InputStream in) {
        return new Chunked(in);
    }

    private static final class Fixed extends InputStream {
        private final InputStream in;
        private long left;

        Fixed(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left == 0) {
                return -1;
            }
            int b = in.read();
            if (b == -1) {
                throw truncated();
            }
            left--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n == -1) {
                throw truncated();
            }
            left -= n;
            return n;
        }
    }

    private static final class Chunked extends InputStream {
        private final InputStream in;
        private long left; // of the current chunk
        private boolean ended;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (ended) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            if (left == 0) {
                left = nextChunkSize();
                if (left == 0) {
                    // trailers, then the empty line
                    while (!line().isEmpty()) {
                        // trailer fields are not used
                    }
                    ended = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n == -1) {
                throw truncated();
            }
            left -= n;
            if (left == 0 && !line().isEmpty()) {
                throw new IOException("malformed chunked answer from the Docker daemon");
            }
            return n;
        }

        private long nextChunkSize() throws IOException {
            String line = line();
            int ext = line.indexOf(';');
            String hex = (ext >= 0 ? line.substring(0, ext) : line).trim();
            try {
                long size = Long.parseLong(hex, 16);
                if (size < 0) {
                    throw new NumberFormatException();
                }
                return size;
            } catch (NumberFormatException e) {
                throw new IOException("malformed chunk size in an answer from the Docker daemon");
            }
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder(8);
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c == -1) {
                    throw truncated();
                }
                if (sb.length() > MAX_CHUNK_LINE) {
                    throw new IOException("malformed chunked answer from the Docker daemon");
                }
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.toString();
        }
    }

    private static IOException truncated() {
        return new IOException("the Docker daemon closed the connection in the middle of an answer");
    }
}
