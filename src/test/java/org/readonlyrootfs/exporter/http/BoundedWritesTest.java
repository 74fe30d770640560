package org.readonlyrootfs.exporter.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BoundedWritesTest {
    @Test
    void aLargeWriteReachesTheConnectionInPiecesOfAtMost64KiBAndUnchanged() throws IOException {
        byte[] body = new byte[2_319_713]; // the exposition of 10,000 containers
        new Random(7).nextBytes(body);
        List<Integer> writes = new ArrayList<>();
        ByteArrayOutputStream received = new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                writes.add(len);
                super.write(b, off, len);
            }
        };
        try (BoundedWrites.Pieces out = new BoundedWrites.Pieces(received)) {
            out.write(body, 0, 10);
            out.write(body, 10, body.length - 10);
        }
        assertArrayEquals(body, received.toByteArray());
        assertTrue(writes.stream().allMatch(n -> n <= BoundedWrites.PIECE), writes.toString());
        assertEquals(1 + (body.length - 10 + BoundedWrites.PIECE - 1) / BoundedWrites.PIECE, writes.size());
    }
}
