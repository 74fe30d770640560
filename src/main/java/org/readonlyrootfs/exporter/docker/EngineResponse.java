package org.readonlyrootfs.exporter.docker;

import java.io.IOException;
import java.io.InputStream;

/**
 * An answer of the daemon: its status and body. Closing it drains a short unread rest of the body so
 * the connection can serve the next request; a long or broken rest closes the connection instead.
 */
final class EngineResponse implements AutoCloseable {
    private static final int MAX_DRAIN = 64 * 1024;

    interface Done {
        /** @param complete the body was read to its end */
        void done(boolean complete);
    }

    private final int status;
    private final InputStream body;
    private final Done done;
    private final byte[] scratch;
    private boolean closed;

    /** @param scratch a buffer of the connection, free while this answer is open, to drain into */
    EngineResponse(int status, InputStream body, byte[] scratch, Done done) {
        this.status = status;
        this.body =
                new InputStream() { // closing the body (as a JSON parser does) must not end the response
                    @Override
                    public int read() throws IOException {
                        return body.read();
                    }

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        return body.read(b, off, len);
                    }

                    @Override
                    public int available() throws IOException {
                        return body.available();
                    }
                };
        this.done = done;
        this.scratch = scratch;
    }

    int status() {
        return status;
    }

    InputStream body() {
        return body;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean complete = false;
        try {
            int drained = 0;
            for (int n = body.read(scratch); drained <= MAX_DRAIN; n = body.read(scratch)) {
                if (n == -1) {
                    complete = true;
                    break;
                }
                drained += n;
            }
        } catch (IOException e) {
            complete = false;
        }
        done.done(complete);
    }
}
