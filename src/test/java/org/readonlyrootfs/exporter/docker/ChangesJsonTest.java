package org.readonlyrootfs.exporter.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ChangesJsonTest {
    private static InputStream json(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> read(String body) throws IOException {
        List<String> out = new ArrayList<>();
        long n = ChangesJson.changes(json(body), (path, kind) -> out.add(kind + " " + path));
        assertEquals(out.size(), n);
        return out;
    }

    @Test
    void readsEveryEntryInOrder() throws IOException {
        assertEquals(
                List.of("0 /var", "0 /var/cache", "1 /var/cache/app", "1 /var/cache/app/x", "2 /etc/motd"),
                read("[{\"Path\":\"/var\",\"Kind\":0},{\"Path\":\"/var/cache\",\"Kind\":0},"
                        + "{\"Kind\":1,\"Path\":\"/var/cache/app\"},{\"Path\":\"/var/cache/app/x\",\"Kind\":1},"
                        + "{\"Path\":\"/etc/motd\",\"Kind\":2}]"));
    }

    @Test
    void nullAndEmptyMeanNothingChanged() throws IOException {
        assertEquals(List.of(), read("null"));
        assertEquals(List.of(), read("[]"));
    }

    @Test
    void oddEntriesArePassedOnForThePlannerToJudge() throws IOException {
        assertEquals(
                List.of("-1 /a", "1 ", "-1 /b", "0 /c\nd\"e"),
                read("[{\"Path\":\"/a\"},{\"Kind\":1},{\"Path\":\"/b\",\"Kind\":\"x\",\"Extra\":{\"n\":[1,2]}},"
                        + "{\"Path\":\"/c\\nd\\\"e\",\"Kind\":0}]"));
    }

    @Test
    void malformedTruncatedOrWrongShapesAreErrors() {
        for (String bad :
                List.of("{\"Path\":\"/a\"}", "[{\"Path\":\"/a\",\"Kind\":0}", "[{\"Path\":", "[1,2]", "\"text\"", "")) {
            assertThrows(IOException.class, () -> read(bad), bad);
        }
    }

    @Test
    void nonUtf8BytesAreAnError() {
        byte[] body = {'[', '{', '"', 'P', 'a', 't', 'h', '"', ':', '"', '/', (byte) 0xC3, (byte) 0x28, '"', '}', ']'};
        assertThrows(IOException.class, () -> ChangesJson.changes(new ByteArrayInputStream(body), (p, k) -> {}));
    }

    @Test
    void aPathLongerThanLinuxAllowsIsAnError() {
        String longPath = "/" + "a".repeat(ChangesJson.MAX_PATH + 10);
        assertThrows(IOException.class, () -> read("[{\"Path\":\"" + longPath + "\",\"Kind\":1}]"));
    }

    @Test
    void aHugeLayerStreamsWithoutBeingHeld() throws IOException {
        int n = 200_000;
        String head = "[";
        String entry = "{\"Path\":\"/tmp/spool/f%06d\",\"Kind\":1}";
        List<InputStream> parts = new ArrayList<>();
        parts.add(json(head));
        for (int i = 0; i < n; i++) {
            parts.add(json((i == 0 ? "" : ",") + String.format(entry, i)));
        }
        parts.add(json("]"));
        AtomicLong seen = new AtomicLong();
        long count = ChangesJson.changes(
                new SequenceInputStream(Collections.enumeration(parts)), (path, kind) -> seen.incrementAndGet());
        assertEquals(n, count);
        assertEquals(n, seen.get());
    }

    @Test
    void readsTheRuntimeFactsAPlanNeeds() throws IOException {
        RuntimeFacts f = ChangesJson.runtimeFacts(json("{\"Id\":\"abc\",\"Created\":\"2026-01-01T00:00:00Z\","
                + "\"State\":{\"Status\":\"exited\",\"Running\":false,\"ExitCode\":3,"
                + "\"StartedAt\":\"2026-01-01T00:00:01.5Z\"},\"Name\":\"/web\","
                + "\"HostConfig\":{\"ReadonlyRootfs\":false,\"Tmpfs\":{\"/run\":\"\",\"/tmp\":\"size=1m\"}},"
                + "\"Mounts\":[{\"Type\":\"volume\",\"Name\":\"v\",\"Destination\":\"/var/lib/db\"},"
                + "{\"Type\":\"bind\",\"Source\":\"/srv\",\"Destination\":\"/srv\"}],"
                + "\"Config\":{\"User\":\"1000:1000\",\"Env\":[\"PATH=/bin\",\"HOME=/home/app\"],"
                + "\"Image\":\"shop/web:1\",\"Volumes\":{\"/data\":{}}},\"NetworkSettings\":{}}"));
        assertEquals("abc", f.id());
        assertEquals("web", f.name());
        assertEquals("shop/web:1", f.image());
        assertEquals("1000:1000", f.user());
        assertEquals("/home/app", f.home());
        assertTrue(f.everStarted());
        assertFalse(f.running());
        assertEquals(3, f.exitCode());
        assertEquals(List.of("/run", "/tmp", "/var/lib/db", "/srv", "/data"), f.mountPoints());
    }

    @Test
    void aCreatedContainerNeverStarted() throws IOException {
        RuntimeFacts f = ChangesJson.runtimeFacts(
                Files.newInputStream(Path.of("src/test/resources/docker", "inspect-20.10.json")));
        assertFalse(f.everStarted());
        assertEquals("", f.user());
        assertEquals(List.of(), f.mountPoints());
    }
}
