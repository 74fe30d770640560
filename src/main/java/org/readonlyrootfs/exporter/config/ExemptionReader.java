package org.readonlyrootfs.exporter.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.readonlyrootfs.exporter.compliance.Exemption;

/**
 * Reads and validates {@code compliance.exemptions}, a HOCON list of objects; every problem is one
 * line naming the element ({@code compliance.exemptions[2].expires}), the rule, the value and where
 * it was written.
 */
final class ExemptionReader {
    static final String ID = "id";
    static final String REASON = "reason";
    static final String TICKET = "ticket";
    static final String OWNER = "owner";
    static final String EXPIRES = "expires";
    static final List<String> MATCHERS = List.of("name", "image", "label", "stack", "service");
    static final Set<String> KEYS =
            Set.of(ID, REASON, TICKET, OWNER, EXPIRES, "name", "image", "label", "stack", "service");
    private static final Pattern ID_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    private final Config config;
    private final List<String> problems;

    ExemptionReader(Config config, List<String> problems) {
        this.config = config;
        this.problems = problems;
    }

    List<Exemption> read(String key) {
        ConfigValue v = config.getValue(key);
        String path = ConfigLoader.NAMESPACE + "." + key;
        if (v.valueType() != ConfigValueType.LIST) {
            problems.add(path + " must be a list of exemptions [ { id = …, reason = …, name = … }, … ], got ["
                    + ConfigLoader.oneLine(v.render()) + "]" + origin(v));
            return List.of();
        }
        List<Exemption> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        ConfigList list = (ConfigList) v;
        for (int i = 0; i < list.size(); i++) {
            Exemption e = one(path + "[" + i + "]", list.get(i), ids);
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    private Exemption one(String at, ConfigValue item, Set<String> ids) {
        if (item.valueType() != ConfigValueType.OBJECT) {
            problems.add(at + " must be an object { id = …, reason = …, name = … }, got ["
                    + ConfigLoader.oneLine(item.render()) + "]" + origin(item));
            return null;
        }
        ConfigObject object = (ConfigObject) item;
        int before = problems.size();
        for (Map.Entry<String, ConfigValue> e : object.toConfig().entrySet()) {
            if (!KEYS.contains(e.getKey())) {
                problems.add("unknown key [" + at + "." + e.getKey() + "]: an exemption has "
                        + String.join(
                                ", ",
                                List.of(
                                        ID, REASON, "name", "image", "label", "stack", "service", TICKET, OWNER,
                                        EXPIRES))
                        + origin(e.getValue()));
            }
        }
        Fields f = new Fields(at, object);
        String id = f.text(ID);
        if (id == null || !ID_PATTERN.matcher(id).matches()) {
            f.problem(ID, "a name of letters, digits, '.', '_' and '-' (the exemption label of its metrics)");
        } else if (id.equals(Exemption.SYSTEM_CONTAINERS)) {
            f.problem(
                    ID,
                    "other than " + Exemption.SYSTEM_CONTAINERS + " (the built-in exemption, see"
                            + " compliance.exempt-system-containers)");
        } else if (!ids.add(id)) {
            f.problem(ID, "unique among the exemptions");
        }
        String reason = f.text(REASON);
        if (reason == null || reason.isBlank()) {
            f.problem(REASON, "a text saying why these containers may keep a writable root filesystem");
        }
        String ticket = f.optionalText(TICKET);
        String owner = f.optionalText(OWNER);
        Instant expires = f.expires();
        Pattern name = f.regex("name");
        Pattern image = f.regex("image");
        Pattern stack = f.regex("stack");
        Pattern service = f.regex("service");
        List<Exemption.LabelMatch> labels = f.labels();
        if (MATCHERS.stream().noneMatch(object::containsKey)) {
            problems.add(at + " must select containers by at least one of " + String.join(", ", MATCHERS) + ", got ["
                    + String.join(", ", object.keySet().stream().sorted().toList()) + "]" + origin(object));
        }
        if (problems.size() > before) {
            return null;
        }
        return Exemption.of(
                id, new Exemption.Match(name, image, labels, stack, service), reason.strip(), ticket, owner, expires);
    }

    private static String origin(ConfigValue v) {
        String d = v.origin().description();
        return d.startsWith("reference.conf") ? "" : " (" + d + ")";
    }

    /** Typed reads of one exemption's fields that record a problem instead of throwing. */
    private final class Fields {
        private final String at;
        private final ConfigObject object;

        Fields(String at, ConfigObject object) {
            this.at = at;
            this.object = object;
        }

        void problem(String field, String constraint) {
            ConfigValue v = object.get(field);
            String value = v == null
                    ? ""
                    : v.valueType() == ConfigValueType.STRING
                            ? String.valueOf(v.unwrapped())
                            : ConfigLoader.oneLine(v.render());
            problems.add(at + "." + field + " must be " + constraint + ", got [" + value + "]"
                    + origin(v == null ? object : v));
        }

        /** A scalar as text; null if absent; a list or object is a problem. */
        String text(String field) {
            ConfigValue v = object.get(field);
            if (v == null || v.valueType() == ConfigValueType.NULL) {
                return null;
            }
            if (v.valueType() == ConfigValueType.LIST || v.valueType() == ConfigValueType.OBJECT) {
                problem(field, "a string");
                return "";
            }
            return String.valueOf(v.unwrapped());
        }

        String optionalText(String field) {
            String t = text(field);
            return t == null ? "" : t.strip();
        }

        Pattern regex(String field) {
            String t = text(field);
            if (t == null) {
                return null;
            }
            try {
                return Pattern.compile(t);
            } catch (PatternSyntaxException e) {
                problem(field, "a regular expression (" + e.getDescription() + " at index " + e.getIndex() + ")");
                return null;
            }
        }

        Instant expires() {
            String t = text(EXPIRES);
            if (t == null) {
                return null;
            }
            try {
                return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException notADate) {
                try {
                    return OffsetDateTime.parse(t).toInstant();
                } catch (DateTimeParseException notATime) {
                    problem(
                            EXPIRES,
                            "a date such as 2026-03-31 (its start, UTC) or a time such as" + " 2026-03-31T12:00:00Z");
                    return null;
                }
            }
        }

        List<Exemption.LabelMatch> labels() {
            ConfigValue v = object.get("label");
            if (v == null) {
                return List.of();
            }
            List<ConfigValue> items = new ArrayList<>();
            if (v.valueType() == ConfigValueType.LIST) {
                items.addAll((ConfigList) v);
            } else {
                items.add(v);
            }
            String constraint = "key=value or key=~regex (or a list of them)";
            List<Exemption.LabelMatch> out = new ArrayList<>();
            if (items.isEmpty()) {
                problem("label", constraint);
            }
            for (ConfigValue item : items) {
                if (item.valueType() != ConfigValueType.STRING) {
                    problem("label", constraint);
                    continue;
                }
                String s = (String) item.unwrapped();
                int eq = s.indexOf('=');
                if (eq <= 0) {
                    problem("label", constraint);
                    continue;
                }
                String key = s.substring(0, eq).strip();
                if (eq + 1 < s.length() && s.charAt(eq + 1) == '~') {
                    try {
                        out.add(new Exemption.LabelMatch(key, null, Pattern.compile(s.substring(eq + 2))));
                    } catch (PatternSyntaxException e) {
                        problem("label", constraint + " with a valid regular expression (" + e.getDescription() + ")");
                    }
                } else {
                    out.add(new Exemption.LabelMatch(key, s.substring(eq + 1), null));
                }
            }
            return out;
        }
    }
}
