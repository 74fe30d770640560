package org.readonlyrootfs.exporter.hints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin's side: lookups as a create request names the image, hostile and oversized files, a file
 * that comes, goes and is rewritten while it is read.
 */
class FixHintsReaderTest {
    private static final Instant AT = Instant.parse("2026-12-03T20:00:00Z");

    private static FixHint hint(String image, String... flags) {
        return new FixHint(image, "tmpfs_only", "web-1", List.of(flags), "", List.of());
    }

    private static void write(Path file, FixHint... hints) throws IOException {
        HintsFile.write(file, HintsFile.render("node-1", AT, List.of(hints)));
    }

    private static FixHintsReader reader(Path file) {
        FixHintsReader r = new FixHintsReader(file);
        r.check();
        return r;
    }

    @Test
    void anImageIsFoundAsARequestNamesIt(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("hints.json");
        write(
                file,
                hint("nginx", "--read-only", "--tmpfs", "/run"),
                hint("registry.local:5000/team/api:2", "--read-only", "--tmpfs", "/tmp"));
        FixHintsReader r = reader(file);
        String expected = "tmpfs_only (from container web-1): docker run --read-only --tmpfs /run … nginx";
        for (String asked : List.of(
                "nginx",
                "nginx:latest",
                "docker.io/library/nginx",
                "docker.io/library/nginx:latest",
                "index.docker.io/library/nginx",
                "nginx:latest@sha256:abc")) {
            assertEquals(Optional.of(expected), r.forImage(asked), asked);
        }
        assertTrue(r.forImage("registry.local:5000/team/api:2").isPresent());
        assertTrue(r.forImage("registry.local:5000/team/api:2@sha256:0f").isPresent(), "swarm pins a digest");
        for (String other :
                List.of("nginx:1.25", "other/nginx", "registry.local:5000/team/api", "", "nginx\n", "x".repeat(600))) {
            assertEquals(Optional.empty(), r.forImage(other), other);
        }
        assertEquals(Optional.empty(), r.forImage(null));
    }

    @Test
    void hostileNamesAndFlagsAreQuotedAndControlsLeftOut(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("hints.json");
        write(
                file,
                new FixHint(
                        "evil:1",
                        "tmpfs_only",
                        "web\n1\u001b[31m",
                        List.of("--read-only", "--tmpfs", "/run/$(reboot)", "--tmpfs", "/it's"),
                        "shop_web",
                        List.of("--read-only", "--mount-add", "type=tmpfs,destination=/run")),
                hint("bad image with spaces", "--read-only"),
                hint("ctl\u0000image:1", "--read-only"));
        FixHintsReader r = reader(file);
        assertEquals(1, r.size(), "references Docker would refuse are not keys");
        String m = r.forImage("evil:1").orElseThrow();
        assertEquals(
                "tmpfs_only (from container web1[31m): docker run --read-only --tmpfs '/run/$(reboot)' --tmpfs"
                        + " '/it'\\''s' … evil:1; as swarm service shop_web: docker service update --read-only --mount-add"
                        + " type=tmpfs,destination=/run shop_web",
                m);
        assertFalse(m.chars().anyMatch(Character::isISOControl), m);
        FixHint huge = hint(
                "big:1",
                java.util.Collections.nCopies(200, "--tmpfs=/" + "d".repeat(100))
                        .toArray(String[]::new));
        assertEquals(FixHint.MAX_MESSAGE, huge.message().length(), "a refusal stays bounded");
    }

    @Test
    void badFilesMeanNoHintsNeverAnException(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("hints.json");
        FixHintsReader r = new FixHintsReader(file);
        r.check(); // missing
        assertEquals(Optional.empty(), r.forImage("nginx"));
        write(file, hint("nginx", "--read-only"));
        r.check();
        assertTrue(r.forImage("nginx").isPresent(), "a file that appears is read");
        for (String bad : List.of(
                "",
                "not json",
                "[]",
                "{\"version\":2,\"images\":[]}",
                "{\"version\":1}",
                "{\"version\":1,\"images\":{}}",
                "{\"version\":1,\"images\":[" + "[".repeat(100) + "]}",
                "{\"version\":1,\"images\":[{\"image\":\"nginx\",\"plan\":\"x\",\"docker_run\":[\"--read-only\"]}")) {
            Files.writeString(file, bad);
            Files.setLastModifiedTime(
                    file, java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(bad.length())));
            r.check();
            assertEquals(Optional.empty(), r.forImage("nginx"), "no hints from: " + bad);
            write(file, hint("nginx", "--read-only"));
            r.check();
            assertTrue(r.forImage("nginx").isPresent(), "a good file again after: " + bad);
        }
        Files.delete(file);
        r.check();
        assertEquals(Optional.empty(), r.forImage("nginx"), "a removed file: no hints");
        Files.createDirectory(file);
        r.check();
        assertEquals(Optional.empty(), r.forImage("nginx"), "a directory: no hints");
    }

    @Test
    void malformedEntriesAreSkippedTheRestKept() throws IOException {
        String text = """
                {"version":1,"host":"n","future":{"x":[1,2]},"images":[
                 {"image":"a:1","plan":"tmpfs_only","container":"c","docker_run":["--read-only"],"service":"","service_update":[]},
                 {"image":"b:1","plan":"tmpfs_only","docker_run":"--read-only"},
                 {"image":7,"plan":"tmpfs_only","docker_run":["--read-only"]},
                 {"image":"c:1","plan":"tmpfs_only","docker_run":["--read-only",{"x":1}]},
                 {"image":"d:1","plan":"tmpfs_only","docker_run":[]},
                 "e:1",
                 {"image":"f:1","plan":"tmpfs_only","container":null,"docker_run":["--read-only"]},
                 {"image":"g:1","plan":"tmpfs_only","docker_run":["--read-only"],"extra":[[]]}]}""";
        HintsFile.Content c = HintsFile.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        assertEquals(
                List.of("a:1", "g:1"), c.hints().stream().map(FixHint::image).toList());
        assertEquals(6, c.skipped());
    }

    @Test
    void hugeFilesAreNotReadAndTheImagesCapped(@TempDir Path dir) throws IOException {
        byte[] big = new byte[HintsFile.MAX_BYTES + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        big[0] = '{';
        assertThrows(HintsFile.BadHints.class, () -> HintsFile.read(new ByteArrayInputStream(big)));
        Path file = dir.resolve("hints.json");
        Files.write(file, big);
        FixHintsReader r = reader(file);
        assertEquals(0, r.size());
        List<FixHint> many = new ArrayList<>();
        for (int i = 0; i < HintsFile.MAX_IMAGES + 5; i++) {
            many.add(hint("img" + i + ":1", "--read-only"));
        }
        HintsFile.Content c = HintsFile.read(new ByteArrayInputStream(HintsFile.render("n", AT, many)));
        assertEquals(HintsFile.MAX_IMAGES, c.hints().size());
        assertEquals(5, c.skipped());
        FixHint longString = hint("x:1", "--tmpfs=/" + "a".repeat(HintsFile.MAX_STRING));
        assertEquals(
                List.of(),
                HintsFile.read(new ByteArrayInputStream(HintsFile.render("n", AT, List.of(longString))))
                        .hints());
    }

    /** A writer renaming new versions over the file while the reader reads: every read sees a whole file. */
    @Test
    void aConcurrentRewriteIsNeverSeenHalfWritten(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("hints.json");
        write(file, hint("v0:1", "--read-only"));
        FixHintsReader r = reader(file);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger versions = new AtomicInteger();
        Thread writer = new Thread(() -> {
            List<FixHint> padding = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                padding.add(hint("pad" + i + ":1", "--read-only", "--tmpfs", "/run"));
            }
            while (!stop.get()) {
                int v = versions.incrementAndGet();
                List<FixHint> hints = new ArrayList<>(padding);
                hints.add(hint("v" + v + ":1", "--read-only"));
                try {
                    HintsFile.write(file, HintsFile.render("node-1", AT, hints));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        writer.start();
        try {
            int reads = 0;
            long until = System.nanoTime() + java.time.Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < until || reads < 50) {
                r.check();
                assertTrue(r.size() == 1 || r.size() == 2001, "a whole file every time, got " + r.size());
                reads++;
            }
        } finally {
            stop.set(true);
            writer.join();
        }
        assertTrue(versions.get() > 5, "the writer rewrote the file " + versions.get() + " times");
        r.check();
        assertTrue(r.forImage("v" + versions.get() + ":1").isPresent(), "the last version is read");
    }

    @Test
    void theBackgroundThreadFollowsTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("hints.json");
        try (FixHintsReader r = new FixHintsReader(file)) {
            r.start();
            assertEquals(0, r.size());
            write(file, hint("nginx:1.25", "--read-only"));
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> r.forImage("nginx:1.25").isPresent());
        }
    }
}
