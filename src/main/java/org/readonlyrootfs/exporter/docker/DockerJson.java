package org.readonlyrootfs.exporter.docker;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads just the fields the exporter needs from the Engine API's JSON, streaming: no object mapping
 * of the whole (large, version-dependent) documents, unknown fields skipped, so a cold scan stays cheap
 * and newer daemons' additions do no harm.
 */
final class DockerJson {
    private static final JsonFactory JSON = new JsonFactory();
    private static final Map<String, Integer> INSPECT_MEMBERS =
            Map.of("Id", 1, "Name", 2, "Created", 4, "State", 8, "Config", 16, "HostConfig", 32);
    private static final int ALL_INSPECT_MEMBERS = 63;

    private DockerJson() {}

    /** {@code GET /containers/json?all=1}. */
    static List<ContainerSummary> containers(InputStream body) throws IOException {
        return containers(body, c -> {});
    }

    /** As {@link #containers(InputStream)}, handing each container to {@code each} as soon as it is read. */
    static List<ContainerSummary> containers(InputStream body, Consumer<ContainerSummary> each) throws IOException {
        List<ContainerSummary> out = new ArrayList<>();
        try (JsonParser p = JSON.createParser(body)) {
            expect(p.nextToken(), JsonToken.START_ARRAY, p);
            while (p.nextToken() == JsonToken.START_OBJECT) {
                String id = "";
                String name = "";
                String image = "";
                String state = "";
                long created = 0;
                Map<String, String> labels = Map.of();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    switch (field) {
                        case "Id" -> id = text(p);
                        case "Names" -> name = ownName(strings(p, value));
                        case "Image" -> image = text(p);
                        case "State" -> state = text(p);
                        case "Created" -> created = value == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : 0;
                        case "Labels" -> labels = stringMap(p, value);
                        default -> p.skipChildren();
                    }
                }
                ContainerSummary summary = new ContainerSummary(id, name, image, state, labels, created);
                out.add(summary);
                each.accept(summary);
            }
        }
        return out;
    }

    /**
     * {@code GET /containers/{id}/json}. Reading stops once every wanted member was read (Go writes
     * each member once): the rest, mostly {@code NetworkSettings}, is left untokenized.
     */
    static ContainerDetails container(InputStream body) throws IOException {
        String id = "";
        String name = "";
        String image = "";
        String state = "";
        long created = 0;
        Map<String, String> labels = Map.of();
        boolean readonly = false;
        int seen = 0;
        try (JsonParser p = JSON.createParser(body)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, p);
            while (seen != ALL_INSPECT_MEMBERS && p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                seen |= INSPECT_MEMBERS.getOrDefault(field, 0);
                switch (field) {
                    case "Id" -> id = text(p);
                    case "Name" -> name = stripSlash(text(p));
                    case "Created" -> created = epochSeconds(text(p));
                    case "State" -> state = member(p, value, "Status");
                    case "Config" -> {
                        if (value == JsonToken.START_OBJECT) {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String f = p.currentName();
                                JsonToken v = p.nextToken();
                                if (f.equals("Image")) {
                                    image = text(p);
                                } else if (f.equals("Labels")) {
                                    labels = stringMap(p, v);
                                } else {
                                    p.skipChildren();
                                }
                            }
                        }
                    }
                    case "HostConfig" -> readonly = "true".equals(member(p, value, "ReadonlyRootfs"));
                    default -> p.skipChildren();
                }
            }
        }
        return new ContainerDetails(id, name, image, state, labels, created, readonly);
    }

    /**
     * {@code HostConfig.ReadonlyRootfs} of {@code GET /containers/{id}/json}, exactly what the STIG
     * command prints ({@code {{ .HostConfig.ReadonlyRootfs }}}): reading stops there, about a third
     * into the document. Absent (an odd daemon) reads as false: writable, a finding.
     */
    static boolean readonlyRootfs(InputStream body) throws IOException {
        try (JsonParser p = JSON.createParser(body)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, p);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                boolean hostConfig = p.currentName().equals("HostConfig");
                JsonToken value = p.nextToken();
                if (!hostConfig || value != JsonToken.START_OBJECT) {
                    p.skipChildren();
                    continue;
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    boolean wanted = p.currentName().equals("ReadonlyRootfs");
                    p.nextToken();
                    if (wanted) {
                        return "true".equals(text(p));
                    }
                    p.skipChildren();
                }
                return false;
            }
        }
        return false;
    }

    /** {@code GET /services} (swarm managers only). */
    static List<SwarmService> services(InputStream body) throws IOException {
        List<SwarmService> out = new ArrayList<>();
        try (JsonParser p = JSON.createParser(body)) {
            expect(p.nextToken(), JsonToken.START_ARRAY, p);
            while (p.nextToken() == JsonToken.START_OBJECT) {
                String id = "";
                ServiceSpec spec = new ServiceSpec();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    switch (field) {
                        case "ID" -> id = text(p);
                        case "Spec" -> spec.read(p, value);
                        default -> p.skipChildren();
                    }
                }
                out.add(new SwarmService(id, spec.name, spec.image, spec.mode, spec.labels, spec.readOnly));
            }
        }
        return out;
    }

    /** The fields of a service's {@code Spec} the exporter uses. */
    private static final class ServiceSpec {
        String name = "";
        String image = "";
        String mode = "";
        Map<String, String> labels = Map.of();
        boolean readOnly;

        void read(JsonParser p, JsonToken start) throws IOException {
            if (start != JsonToken.START_OBJECT) {
                p.skipChildren();
                return;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "Name" -> name = text(p);
                    case "Labels" -> labels = stringMap(p, value);
                    case "Mode" -> mode = modeOf(p, value);
                    case "TaskTemplate" -> taskTemplate(p, value);
                    default -> p.skipChildren();
                }
            }
        }

        private void taskTemplate(JsonParser p, JsonToken start) throws IOException {
            if (start != JsonToken.START_OBJECT) {
                p.skipChildren();
                return;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("ContainerSpec")) {
                    Map<String, String> c = scalars(p, value);
                    image = c.getOrDefault("Image", "");
                    readOnly = "true".equals(c.get("ReadOnly"));
                } else {
                    p.skipChildren();
                }
            }
        }

        /** {@code {"Replicated":{"Replicas":2}}} is {@code replicated}, {@code {"GlobalJob":{}}} is {@code global-job}. */
        private static String modeOf(JsonParser p, JsonToken start) throws IOException {
            if (start != JsonToken.START_OBJECT) {
                p.skipChildren();
                return "";
            }
            String mode = "";
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                p.nextToken();
                p.skipChildren();
                if (mode.isEmpty()) {
                    mode = key.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
                }
            }
            return mode;
        }
    }

    /** {@code GET /info}. */
    static DaemonInfo info(InputStream body) throws IOException {
        String name = "";
        String version = "";
        String os = "";
        boolean manager = false;
        List<String> authz = List.of();
        try (JsonParser p = JSON.createParser(body)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, p);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "Name" -> name = text(p);
                    case "ServerVersion" -> version = text(p);
                    case "OperatingSystem" -> os = text(p);
                    case "Swarm" -> manager = "true".equals(member(p, value, "ControlAvailable"));
                    case "Plugins" -> authz = authorizationPlugins(p, value);
                    default -> p.skipChildren();
                }
            }
        }
        return new DaemonInfo(name, version, os, manager, authz);
    }

    /** {@code Plugins.Authorization} of {@code GET /info}: names, empty and null entries left out. */
    private static List<String> authorizationPlugins(JsonParser p, JsonToken start) throws IOException {
        List<String> out = new ArrayList<>();
        if (start != JsonToken.START_OBJECT) {
            p.skipChildren();
            return out;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            boolean wanted = "Authorization".equals(p.currentName());
            JsonToken value = p.nextToken();
            if (wanted) {
                out.clear(); // as the daemon's own decoder: the last duplicate wins
                strings(p, value).stream().filter(n -> !n.isEmpty()).forEach(out::add);
            } else {
                p.skipChildren();
            }
        }
        return out;
    }

    /** The objects of {@code GET /events}, one after another as the daemon sends them. */
    static EventReader events(InputStream body) {
        return new EventReader(body);
    }

    /**
     * Reads the events stream incrementally: concatenated JSON objects (no array, whitespace between),
     * each returned as soon as its closing brace arrived, read field by field like the other answers.
     * Reads {@code Type}, {@code Action}, {@code Actor.ID}, {@code time} and {@code timeNano}: Docker
     * 29 no longer sends {@code status}, {@code id} and {@code from}.
     */
    static final class EventReader implements java.io.Closeable {
        /** An event object larger than this ends the stream (a label-heavy container's event is a few KiB). */
        static final int MAX_EVENT_BYTES = 1024 * 1024;

        private final Limited in;
        private JsonParser p; // created at the first read: creating one reads the first bytes

        private EventReader(InputStream body) {
            this.in = new Limited(body);
        }

        /**
         * The next container event; null once the stream has ended. Events of other types, and those
         * without an action or a container id, are skipped.
         *
         * @throws MalformedEvents the stream holds something other than event objects, or one too large
         * @throws IOException     the stream broke
         */
        ContainerEvent next() throws IOException {
            try {
                if (p == null) {
                    p = JSON.createParser(in);
                }
                while (true) {
                    in.restart();
                    JsonToken start = p.nextToken();
                    if (start == null) {
                        return null;
                    }
                    if (start != JsonToken.START_OBJECT) {
                        throw new MalformedEvents("the Docker daemon's events stream holds " + start
                                + " where an event object should start");
                    }
                    ContainerEvent e = event(p);
                    if (e != null) {
                        return e;
                    }
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                String m = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
                throw new MalformedEvents("malformed JSON in the Docker daemon's events stream: "
                        + oneLine(m.length() > 200 ? m.substring(0, 200) + "…" : m));
            }
        }

        private static ContainerEvent event(JsonParser p) throws IOException {
            String type = "";
            String action = "";
            String id = "";
            long time = 0;
            long timeNano = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "Type" -> type = text(p);
                    case "Action" -> action = text(p);
                    case "Actor" -> id = member(p, value, "ID");
                    case "time" -> time = value == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : 0;
                    case "timeNano" -> timeNano = value == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : 0;
                    default -> p.skipChildren();
                }
            }
            if (!type.isEmpty() && !type.equals("container") || action.isEmpty() || id.isEmpty()) {
                return null;
            }
            return new ContainerEvent(action, id, timeNano > 0 ? timeNano : time * 1_000_000_000L);
        }

        @Override
        public void close() throws IOException {
            if (p != null) {
                p.close();
            }
        }
    }

    /** The events stream is not a sequence of event objects of a sane size; the message is one line. */
    static final class MalformedEvents extends IOException {
        MalformedEvents(String message) {
            super(message);
        }
    }

    /**
     * Counts the bytes read since the current event began. The parser reads ahead by at most its buffer
     * (8000 bytes), so an event ends the stream somewhere between the limit and the limit plus that.
     */
    private static final class Limited extends InputStream {
        private final InputStream in;
        private long count;

        Limited(InputStream in) {
            this.in = in;
        }

        void restart() {
            count = 0;
        }

        private void check() throws MalformedEvents {
            if (count > EventReader.MAX_EVENT_BYTES) {
                throw new MalformedEvents("an event object in the Docker daemon's events stream exceeds "
                        + EventReader.MAX_EVENT_BYTES / 1024 + " KiB");
            }
        }

        @Override
        public int read() throws IOException {
            check();
            int b = in.read();
            if (b != -1) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            check();
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }

    /** The {@code message} of an error response, or the body itself cut to one line. */
    static String errorMessage(byte[] body) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    p.nextToken();
                    if (field.equals("message")) {
                        return oneLine(text(p));
                    }
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            // not JSON: fall through
        }
        String s = new String(body, 0, Math.min(body.length, 300), java.nio.charset.StandardCharsets.UTF_8);
        return oneLine(s);
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s+", " ").trim();
    }

    private static void expect(JsonToken actual, JsonToken expected, JsonParser p) throws IOException {
        if (actual != expected) {
            throw new IOException("unexpected JSON from the Docker daemon: " + actual + " at " + p.currentLocation());
        }
    }

    /** The current scalar as text; an object or array is skipped and reads as empty, null as empty. */
    static String text(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            p.skipChildren();
            return "";
        }
        return t == JsonToken.VALUE_NULL ? "" : p.getText();
    }

    /** One scalar member of an object as text ("" if absent); the rest skipped, nothing else kept. */
    private static String member(JsonParser p, JsonToken start, String name) throws IOException {
        if (start != JsonToken.START_OBJECT) {
            p.skipChildren();
            return "";
        }
        String found = "";
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            boolean wanted = name.equals(p.currentName());
            p.nextToken();
            if (wanted) {
                found = text(p);
            } else {
                p.skipChildren();
            }
        }
        return found;
    }

    /** The scalar fields of an object as text; nested values skipped. */
    private static Map<String, String> scalars(JsonParser p, JsonToken start) throws IOException {
        Map<String, String> m = new HashMap<>();
        if (start != JsonToken.START_OBJECT) {
            p.skipChildren();
            return m;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            p.nextToken();
            m.put(f, text(p));
        }
        return m;
    }

    private static Map<String, String> stringMap(JsonParser p, JsonToken start) throws IOException {
        return start == JsonToken.START_OBJECT ? Map.copyOf(scalars(p, start)) : Map.of();
    }

    private static List<String> strings(JsonParser p, JsonToken start) throws IOException {
        List<String> out = new ArrayList<>();
        if (start != JsonToken.START_ARRAY) {
            p.skipChildren();
            return out;
        }
        while (p.nextToken() != JsonToken.END_ARRAY) {
            out.add(text(p));
        }
        return out;
    }

    /** The list gives every name a container is reachable by (links add /other/alias): take its own. */
    static String ownName(List<String> names) {
        for (String n : names) {
            if (n != null && n.lastIndexOf('/') == 0) {
                return n.substring(1);
            }
        }
        return names.isEmpty() || names.get(0) == null ? "" : stripSlash(names.get(0));
    }

    static String stripSlash(String name) {
        return name.startsWith("/") ? name.substring(1) : name;
    }

    /** RFC 3339 as the daemon writes it ({@code 2026-11-28T14:25:49.389845109Z}); 0 if unreadable. */
    static long epochSeconds(String created) {
        if (created.isEmpty()) {
            return 0;
        }
        long fast = utcSeconds(created);
        if (fast != Long.MIN_VALUE) {
            return fast;
        }
        try {
            return Instant.parse(created).getEpochSecond();
        } catch (DateTimeParseException e) {
            return 0;
        }
    }

    /** The common form, UTC with an optional fraction, without a date-time parser; MIN_VALUE if another form. */
    private static long utcSeconds(String t) {
        int n = t.length();
        if (n < 20
                || t.charAt(4) != '-'
                || t.charAt(7) != '-'
                || t.charAt(10) != 'T'
                || t.charAt(13) != ':'
                || t.charAt(16) != ':'
                || t.charAt(n - 1) != 'Z'
                || (n > 20 && t.charAt(19) != '.')) {
            return Long.MIN_VALUE;
        }
        for (int i = 20; i < n - 1; i++) {
            if (!isDigit(t.charAt(i))) {
                return Long.MIN_VALUE;
            }
        }
        int year = digits(t, 0, 4);
        int month = digits(t, 5, 7);
        int day = digits(t, 8, 10);
        int hour = digits(t, 11, 13);
        int minute = digits(t, 14, 16);
        int second = digits(t, 17, 19);
        if (year < 0
                || month < 1
                || month > 12
                || day < 1
                || day > 31
                || hour < 0
                || hour > 23
                || minute < 0
                || minute > 59
                || second < 0
                || second > 59) {
            return Long.MIN_VALUE;
        }
        try {
            return java.time.LocalDate.of(year, month, day).toEpochDay() * 86_400L
                    + hour * 3600L
                    + minute * 60L
                    + second;
        } catch (java.time.DateTimeException e) {
            return Long.MIN_VALUE;
        }
    }

    private static int digits(String t, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = t.charAt(i);
            if (!isDigit(c)) {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
