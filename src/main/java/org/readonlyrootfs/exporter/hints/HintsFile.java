package org.readonlyrootfs.exporter.hints;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The fix hints file, version 1: what the exporter ({@code serve}) knows and the plugin ({@code authz})
 * reads. One JSON object:
 *
 * <pre>{@code
 * {"version": 1, "host": "node-1", "written": "2026-12-03T20:00:00Z",
 *  "images": [{"image": "nginx:1.25", "plan": "tmpfs_only", "container": "web",
 *              "docker_run": ["--read-only", "--tmpfs", "/run"], "service": "", "service_update": []}]}
 * }</pre>
 *
 * Written to a temporary file beside it and renamed over it, so a reader sees the old file or the new
 * one, never a mix. Read with bounds: the whole file, each string, each list and the number of images.
 */
final class HintsFile {
    static final int VERSION = 1;
    /** A larger file is not read at all (a thousand images take about 300 KiB). */
    static final int MAX_BYTES = 4 * 1024 * 1024;
    /** Images past this many are left out. */
    static final int MAX_IMAGES = 10_000;
    /** An entry with a longer string, or with more arguments, is left out. */
    static final int MAX_STRING = 4096;

    static final int MAX_ARGS = 256;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(8)
                    .maxStringLength(MAX_STRING * 4)
                    .build())
            .build();

    /** A file that is not a hints file: the reader then has no hints. */
    static final class BadHints extends IOException {
        BadHints(String message) {
            super(message);
        }
    }

    /**
     * What a read found.
     *
     * @param hints   the valid entries, in file order, at most {@link #MAX_IMAGES}
     * @param skipped entries left out: malformed, too large, or past the cap
     */
    record Content(String host, List<FixHint> hints, int skipped) {}

    private HintsFile() {}

    static byte[] render(String host, Instant written, List<FixHint> hints) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeNumberField("version", VERSION);
            g.writeStringField("host", host);
            g.writeStringField("written", written.toString());
            g.writeArrayFieldStart("images");
            for (FixHint h : hints) {
                g.writeRaw('\n');
                g.writeStartObject();
                g.writeStringField("image", h.image());
                g.writeStringField("plan", h.plan());
                g.writeStringField("container", h.container());
                strings(g, "docker_run", h.dockerRun());
                g.writeStringField("service", h.service());
                strings(g, "service_update", h.serviceUpdate());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e); // into memory: cannot happen
        }
        return out.toByteArray();
    }

    private static void strings(JsonGenerator g, String field, List<String> values) throws IOException {
        g.writeArrayFieldStart(field);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    /**
     * Replaces {@code target} with {@code content} atomically: a temporary file in the same directory
     * (created if missing), world-readable (the plugin may run as another user), renamed over it.
     */
    static void write(Path target, byte[] content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            Files.write(tmp, content);
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: its default permissions stay
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + target + " atomically: " + e.getMessage(), e);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads a hints file from {@code in}, at most {@link #MAX_BYTES}. */
    static Content read(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_BYTES + 1);
        if (bytes.length > MAX_BYTES) {
            throw new BadHints("larger than " + MAX_BYTES / (1024 * 1024) + " MiB");
        }
        try (JsonParser p = JSON.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadHints("not a JSON object");
            }
            int version = 0;
            String host = "";
            List<FixHint> hints = null;
            int skipped = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "version" -> version = value == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
                    case "host" -> host = value == JsonToken.VALUE_STRING ? bounded(p.getText()) : "";
                    case "images" -> {
                        if (value != JsonToken.START_ARRAY) {
                            throw new BadHints("images is not a list");
                        }
                        hints = new ArrayList<>();
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            FixHint h = entry(p);
                            if (h != null && hints.size() < MAX_IMAGES) {
                                hints.add(h);
                            } else {
                                skipped++;
                            }
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (version != VERSION) {
                throw new BadHints("version is not " + VERSION);
            }
            if (hints == null) {
                throw new BadHints("no images list");
            }
            return new Content(host == null ? "" : host, hints, skipped);
        } catch (JsonProcessingException e) {
            String m = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
            m = m.replaceAll("\\s*\\(start marker at .*$", ""); // Jackson's location note: no use in a log line
            throw new BadHints("malformed JSON: " + m.replaceAll("\\s+", " ").substring(0, Math.min(m.length(), 200)));
        }
    }

    /** One entry of {@code images}, or null (skipped whole) if it is not an object of the expected fields. */
    private static FixHint entry(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        String image = null;
        String plan = null;
        String container = "";
        String service = "";
        List<String> dockerRun = null;
        List<String> serviceUpdate = List.of();
        boolean bad = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "image" -> image = value == JsonToken.VALUE_STRING ? bounded(p.getText()) : null;
                case "plan" -> plan = value == JsonToken.VALUE_STRING ? bounded(p.getText()) : null;
                case "container" -> container = value == JsonToken.VALUE_STRING ? bounded(p.getText()) : null;
                case "service" -> service = value == JsonToken.VALUE_STRING ? bounded(p.getText()) : null;
                case "docker_run" -> dockerRun = args(p, value);
                case "service_update" -> serviceUpdate = args(p, value);
                default -> p.skipChildren();
            }
            bad |= container == null || service == null || serviceUpdate == null;
        }
        if (bad || image == null || plan == null || dockerRun == null || dockerRun.isEmpty()) {
            return null;
        }
        return new FixHint(image, plan, container, dockerRun, service, serviceUpdate);
    }

    private static List<String> args(JsonParser p, JsonToken start) throws IOException {
        if (start != JsonToken.START_ARRAY) {
            p.skipChildren();
            return null;
        }
        List<String> out = new ArrayList<>();
        boolean bad = false;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            String s = p.currentToken() == JsonToken.VALUE_STRING ? bounded(p.getText()) : null;
            if (s == null || out.size() >= MAX_ARGS) {
                bad = true;
                p.skipChildren();
            } else {
                out.add(s);
            }
        }
        return bad ? null : out;
    }

    /** The string, or null if longer than {@link #MAX_STRING}. */
    private static String bounded(String s) {
        return s.length() > MAX_STRING ? null : s;
    }
}
