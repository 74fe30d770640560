package org.readonlyrootfs.exporter.docker;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads {@code GET /containers/{id}/changes} ({@code [{"Path":"/tmp/x","Kind":1}, …]} or {@code null})
 * one entry at a time, handing each to a {@link ChangeSink}: a writable layer of any size is never held
 * in memory. Also reads the full inspect a plan needs ({@link RuntimeFacts}).
 */
final class ChangesJson {
    /** Longer than any path Linux accepts (PATH_MAX 4096), so a real path is never cut. */
    static final int MAX_PATH = 8192;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(MAX_PATH)
                    .maxNestingDepth(16)
                    .build())
            .build();
    private static final JsonFactory INSPECT_JSON = new JsonFactory();

    private ChangesJson() {}

    /** An answer that is not the changes array: malformed, truncated or too large in one of its parts. */
    static final class Malformed extends IOException {
        Malformed(String message) {
            super(message);
        }
    }

    /**
     * Hands every entry to {@code sink}; returns how many there were. An answer that is not a changes array
     * is {@link Malformed}; other IOExceptions are the connection's.
     */
    static long changes(InputStream body, ChangeSink sink) throws IOException {
        try {
            return read(body, sink);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Malformed(e.getOriginalMessage().replaceAll("\\s+", " "));
        }
    }

    private static long read(InputStream body, ChangeSink sink) throws IOException {
        long n = 0;
        try (JsonParser p = JSON.createParser(body)) {
            JsonToken first = p.nextToken();
            if (first == JsonToken.VALUE_NULL) {
                return 0; // nothing changed
            }
            if (first != JsonToken.START_ARRAY) {
                throw new Malformed("not a changes array: " + first);
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
                String path = null;
                int kind = -1;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    if (field.equals("Path") && value == JsonToken.VALUE_STRING) {
                        path = p.getText();
                    } else if (field.equals("Kind") && value == JsonToken.VALUE_NUMBER_INT) {
                        kind = p.getIntValue();
                    } else {
                        p.skipChildren();
                    }
                }
                n++;
                sink.change(path == null ? "" : path, kind);
            }
            if (t != JsonToken.END_ARRAY) {
                throw new Malformed("unexpected " + t + " in the changes array");
            }
        }
        return n;
    }

    /** The full inspect, for a plan. */
    static RuntimeFacts runtimeFacts(InputStream body) throws IOException {
        String id = "";
        String name = "";
        String image = "";
        String user = "";
        String home = "";
        boolean started = false;
        boolean running = false;
        int exitCode = 0;
        Set<String> mounts = new LinkedHashSet<>();
        try (JsonParser p = INSPECT_JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("unexpected JSON from the Docker daemon: not an object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "Id" -> id = DockerJson.text(p);
                    case "Name" -> name = DockerJson.stripSlash(DockerJson.text(p));
                    case "State" -> {
                        if (value != JsonToken.START_OBJECT) {
                            p.skipChildren();
                            break;
                        }
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String f = p.currentName();
                            p.nextToken();
                            switch (f) {
                                case "Running" -> running = p.currentToken() == JsonToken.VALUE_TRUE;
                                case "ExitCode" ->
                                    exitCode = p.currentToken() == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : 0;
                                case "StartedAt" -> started |= everSet(DockerJson.text(p));
                                default -> p.skipChildren();
                            }
                        }
                    }
                    case "HostConfig" -> {
                        if (value != JsonToken.START_OBJECT) {
                            p.skipChildren();
                            break;
                        }
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String f = p.currentName();
                            JsonToken v = p.nextToken();
                            if (f.equals("Tmpfs")) {
                                mounts.addAll(keys(p, v));
                            } else {
                                p.skipChildren();
                            }
                        }
                    }
                    case "Mounts" -> {
                        if (value != JsonToken.START_ARRAY) {
                            p.skipChildren();
                            break;
                        }
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String f = p.currentName();
                                p.nextToken();
                                if (f.equals("Destination")) {
                                    mounts.add(DockerJson.text(p));
                                } else {
                                    p.skipChildren();
                                }
                            }
                        }
                    }
                    case "Config" -> {
                        if (value != JsonToken.START_OBJECT) {
                            p.skipChildren();
                            break;
                        }
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String f = p.currentName();
                            JsonToken v = p.nextToken();
                            switch (f) {
                                case "Image" -> image = DockerJson.text(p);
                                case "User" -> user = DockerJson.text(p);
                                case "Volumes" -> mounts.addAll(keys(p, v));
                                case "Env" -> home = home(p, v);
                                default -> p.skipChildren();
                            }
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        }
        mounts.remove("");
        return new RuntimeFacts(
                id, name, image, user, home, started || running, running, exitCode, new ArrayList<>(mounts));
    }

    /** Go's zero time ({@code 0001-01-01T00:00:00Z}) means never. */
    private static boolean everSet(String time) {
        return !time.isEmpty() && !time.startsWith("0001-");
    }

    private static String home(JsonParser p, JsonToken start) throws IOException {
        String home = "";
        if (start != JsonToken.START_ARRAY) {
            p.skipChildren();
            return home;
        }
        while (p.nextToken() != JsonToken.END_ARRAY) {
            String entry = DockerJson.text(p);
            if (entry.startsWith("HOME=")) {
                home = entry.substring(5);
            }
        }
        return home;
    }

    private static List<String> keys(JsonParser p, JsonToken start) throws IOException {
        List<String> out = new ArrayList<>();
        if (start != JsonToken.START_OBJECT) {
            p.skipChildren();
            return out;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            out.add(p.currentName());
            p.nextToken();
            p.skipChildren();
        }
        return out;
    }
}
