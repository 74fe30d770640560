package org.readonlyrootfs.exporter.hints;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugin's side of the fix hints ({@code authz.hints-file}): the file the exporter writes, read again
 * by a background thread whenever it changed (modification time, size or inode, looked at every {@link
 * #CHECK_EVERY}), into an immutable map that {@link #forImage} only looks up: a refusal never waits for
 * the file, never reads it, never calls Docker. A missing, unreadable, oversized or malformed file means
 * no hints (refusals carry the generic fix), said once in one warning line, never a refusal of its own.
 */
public final class FixHintsReader implements AutoCloseable {
    static final Duration CHECK_EVERY = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(FixHintsReader.class);

    /** What a file's attributes say of its version: a rename gives a new inode, a rewrite a new time or size. */
    private record Stamp(long modifiedNanos, long size, Object fileKey) {}

    private final Path file;
    private final ScheduledExecutorService thread;
    private volatile Map<String, String> messages = Map.of(); // image key → message
    private Stamp loaded; // guarded by this
    private String lastProblem = ""; // guarded by this

    public FixHintsReader(Path file) {
        this.file = file;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fix-hints-reader");
            t.setDaemon(true);
            return t;
        });
    }

    /** Reads the file once now, then follows it in the background. */
    public void start() {
        check();
        try {
            thread.scheduleWithFixedDelay(
                    this::check, CHECK_EVERY.toMillis(), CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /**
     * The fix the exporter knows for {@code image} on this node, as one line for a refusal; empty if none.
     * Looks up the image as the request names it ({@code nginx}, {@code docker.io/library/nginx:latest}
     * and {@code nginx:latest} are one), then without a pinned digest. No I/O.
     */
    public Optional<String> forImage(String image) {
        Map<String, String> m = messages;
        if (m.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> key = ImageRef.key(image);
        if (key.isEmpty()) {
            return Optional.empty();
        }
        String hit = m.get(key.get());
        if (hit == null) {
            hit = ImageRef.withoutDigest(key.get()).map(m::get).orElse(null);
        }
        return Optional.ofNullable(hit);
    }

    /** How many images have a hint now. */
    public int size() {
        return messages.size();
    }

    /** Reads the file again if it changed since the last read; never throws. */
    synchronized void check() {
        Stamp stamp;
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            if (!a.isRegularFile()) {
                problem("is not a regular file");
                return;
            }
            stamp = new Stamp(a.lastModifiedTime().to(TimeUnit.NANOSECONDS), a.size(), a.fileKey());
        } catch (NoSuchFileException e) {
            loaded = null; // a file that comes back is read again, whatever its stamp
            problem("does not exist (yet)");
            return;
        } catch (IOException | RuntimeException e) {
            problem("cannot be read: " + e);
            return;
        }
        if (stamp.equals(loaded)) {
            return;
        }
        try (InputStream in = Files.newInputStream(file)) {
            HintsFile.Content c = HintsFile.read(in);
            Map<String, String> next = new HashMap<>();
            for (FixHint h : c.hints()) {
                ImageRef.key(h.image()).ifPresent(k -> next.putIfAbsent(k, h.message()));
            }
            messages = Map.copyOf(next);
            loaded = stamp;
            if (!lastProblem.isEmpty() || c.skipped() > 0) {
                LOG.info(
                        "authz.hints-file {}: fixes known for {} images{}",
                        file,
                        messages.size(),
                        c.skipped() > 0 ? " (" + c.skipped() + " entries left out: malformed or past the cap)" : "");
            }
            lastProblem = "";
        } catch (IOException | RuntimeException e) {
            loaded = stamp; // read again once it changes, not every second
            problem(e instanceof HintsFile.BadHints ? e.getMessage() : "cannot be read: " + e);
        }
    }

    /** No hints until the file is good again; each distinct problem said once. */
    private void problem(String what) {
        messages = Map.of();
        if (!what.equals(lastProblem)) {
            LOG.warn("authz.hints-file {} {}: refusals name the generic fix only", file, what);
            lastProblem = what;
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
