package org.readonlyrootfs.exporter.compliance;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A documented decision that some containers (and swarm services) may keep a writable root
 * filesystem: which ones ({@link Match}), why, who asked, under which ticket, and until when. An
 * exemption whose {@code expires} has passed no longer applies.
 *
 * @param id      the exemption's own name, the {@code exemption} label of its metrics
 * @param match   which containers and services it selects
 * @param reason  why, in words an auditor can read (required)
 * @param ticket  change or risk-acceptance ticket; empty if none
 * @param owner   who is responsible; empty if none
 * @param expires when it stops applying; null if never
 * @param builtIn whether it is the built-in MKE/MSR system-container exemption
 */
public record Exemption(
        String id, Match match, String reason, String ticket, String owner, Instant expires, boolean builtIn) {
    /** The id of the built-in exemption of MKE ({@code ucp-*}) and MSR ({@code dtr-*}) system containers. */
    public static final String SYSTEM_CONTAINERS = "system-containers";
    /** The built-in exemption ({@code compliance.exempt-system-containers}). */
    public static final Exemption SYSTEM = new Exemption(
            SYSTEM_CONTAINERS,
            null,
            "MKE (ucp-*) and MSR (dtr-*) system containers: the STIG fix targets nonsystem containers",
            "",
            "",
            null,
            true);

    public Exemption {
        Objects.requireNonNull(id, "id");
        reason = reason == null ? "" : reason;
        ticket = ticket == null ? "" : ticket;
        owner = owner == null ? "" : owner;
        if (!builtIn) {
            Objects.requireNonNull(match, "match");
        }
    }

    /** A configured exemption. */
    public static Exemption of(String id, Match match, String reason, String ticket, String owner, Instant expires) {
        return new Exemption(id, match, reason, ticket, owner, expires, false);
    }

    public Optional<Instant> expiry() {
        return Optional.ofNullable(expires);
    }

    /** Whether it applies at {@code now}: it has no expiry, or the expiry is still ahead. */
    public boolean activeAt(Instant now) {
        return expires == null || now.isBefore(expires);
    }

    /**
     * What selected the target, in a few words, or null if this exemption does not select it
     * (whether or not it has expired).
     */
    public String selects(Target t) {
        return builtIn ? systemContainer(t) : match.matches(t) ? match.toString() : null;
    }

    /** Which containers it selects, in words. */
    public String describeMatch() {
        return builtIn
                ? "name ucp-* or dtr-*, or label " + Classifier.UCP_VERSION + " or " + Classifier.DTR_VERSION
                : match.toString();
    }

    /** The expiry as written for people: a date if it is at midnight UTC, else the instant; empty if none. */
    public String expiresText() {
        if (expires == null) {
            return "";
        }
        return expires.atOffset(ZoneOffset.UTC).toLocalTime().equals(LocalTime.MIDNIGHT)
                ? expires.atOffset(ZoneOffset.UTC).toLocalDate().toString()
                : expires.toString();
    }

    /** Reason plus ticket, owner and expiry, on one line. */
    public String explanation() {
        List<String> extra = new ArrayList<>();
        if (builtIn) {
            extra.add("built-in");
        }
        if (!ticket.isEmpty()) {
            extra.add("ticket " + ticket);
        }
        if (!owner.isEmpty()) {
            extra.add("owner " + owner);
        }
        if (expires != null) {
            extra.add("expires " + expiresText());
        }
        return reason + (extra.isEmpty() ? "" : " (" + String.join(", ", extra) + ")");
    }

    /** Why a target is an MKE/MSR system container, or null if it is not one. */
    static String systemContainer(Target t) {
        if (t.labels().containsKey(Classifier.UCP_VERSION)) {
            return "MKE system container (label " + Classifier.UCP_VERSION + ")";
        }
        if (t.labels().containsKey(Classifier.DTR_VERSION)) {
            return "MSR system container (label " + Classifier.DTR_VERSION + ")";
        }
        if (t.name().startsWith("ucp-")) {
            return "MKE system container (name ucp-*)";
        }
        if (t.name().startsWith("dtr-")) {
            return "MSR system container (name dtr-*)";
        }
        return null;
    }

    /**
     * Which targets a configured exemption selects: every given criterion must hold. Regular
     * expressions match the whole value (as in Prometheus).
     *
     * @param name    container or service name; null for any
     * @param image   image; null for any
     * @param labels  label conditions; empty for any
     * @param stack   stack (swarm stack, compose project); null for any
     * @param service service (swarm or compose service); null for any
     */
    public record Match(Pattern name, Pattern image, List<LabelMatch> labels, Pattern stack, Pattern service) {
        public Match {
            labels = labels == null ? List.of() : List.copyOf(labels);
            if (name == null && image == null && labels.isEmpty() && stack == null && service == null) {
                throw new IllegalArgumentException("an exemption needs at least one criterion");
            }
        }

        public boolean matches(Target t) {
            return full(name, t.name())
                    && full(image, t.image())
                    && full(stack, t.stack())
                    && full(service, t.service())
                    && labels.stream().allMatch(l -> l.matches(t));
        }

        /** The label keys it looks at. */
        public List<String> labelKeys() {
            return labels.stream().map(LabelMatch::key).toList();
        }

        private static boolean full(Pattern p, String value) {
            return p == null || p.matcher(value).matches();
        }

        @Override
        public String toString() {
            List<String> parts = new ArrayList<>();
            if (name != null) {
                parts.add("name=~\"" + name.pattern() + "\"");
            }
            if (image != null) {
                parts.add("image=~\"" + image.pattern() + "\"");
            }
            labels.forEach(l -> parts.add("label " + l));
            if (stack != null) {
                parts.add("stack=~\"" + stack.pattern() + "\"");
            }
            if (service != null) {
                parts.add("service=~\"" + service.pattern() + "\"");
            }
            return String.join(", ", parts);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Match m && toString().equals(m.toString());
        }

        @Override
        public int hashCode() {
            return toString().hashCode();
        }
    }

    /**
     * A label condition: the label is present with exactly {@code value}, or with a value matching
     * {@code regex} (whole value).
     */
    public record LabelMatch(String key, String value, Pattern regex) {
        public LabelMatch {
            Objects.requireNonNull(key, "key");
            if ((value == null) == (regex == null)) {
                throw new IllegalArgumentException("a label condition needs a value or a regex");
            }
        }

        public boolean matches(Target t) {
            String actual = t.labels().get(key);
            return actual != null
                    && (value != null
                            ? value.equals(actual)
                            : regex.matcher(actual).matches());
        }

        @Override
        public String toString() {
            return value != null ? key + "=\"" + value + "\"" : key + "=~\"" + regex.pattern() + "\"";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LabelMatch l && toString().equals(l.toString());
        }

        @Override
        public int hashCode() {
            return toString().hashCode();
        }
    }
}
