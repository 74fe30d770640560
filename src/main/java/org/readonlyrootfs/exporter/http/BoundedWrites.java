package org.readonlyrootfs.exporter.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Hands every response body to the connection in pieces of at most {@link #PIECE} bytes. The JDK copies
 * each write to a socket into a temporary direct buffer as large as the write, and the writing thread
 * keeps that buffer for its next write: the client library writes a whole exposition at once (2.3 MB at
 * 10,000 containers), so every HTTP worker thread kept 2.3 MB outside the heap, 133 MiB in all after a
 * burst of parallel scrapes. In pieces, a thread keeps at most {@link #PIECE} bytes.
 */
final class BoundedWrites extends Filter {
    /** The largest write handed to the connection. */
    static final int PIECE = 64 * 1024;

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        exchange.setStreams(null, new Pieces(exchange.getResponseBody()));
        chain.doFilter(exchange);
    }

    @Override
    public String description() {
        return "writes response bodies in pieces of at most " + PIECE + " bytes";
    }

    /** Splits large writes; buffers nothing, so flush and close pass straight through. */
    static final class Pieces extends FilterOutputStream {
        Pieces(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int done = 0; done < len; ) {
                int n = Math.min(PIECE, len - done);
                out.write(b, off + done, n);
                done += n;
            }
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
