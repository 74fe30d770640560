package org.readonlyrootfs.exporter.authz;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads fields out of a {@link GoJson} object the way Go's {@code json.Unmarshal} fills a struct:
 *
 * <ul>
 *   <li>a key selects a field when it equals the field's name under Unicode simple case folding, as
 *       {@code bytes.EqualFold}: {@code readonlyrootfs}, {@code READONLYROOTFS}, {@code ReadonlyRootfſ}
 *       (U+017F, long s) and {@code Kelvin}-sign spellings of {@code k} (U+212A) all select {@code
 *       ReadonlyRootfs}; escapes are decoded before (the reader did that);
 *   <li>every member is decoded in order, so the last duplicate wins, and {@code null} is a no-op for a
 *       bool, a string or a struct, but sets a pointer, a map or a slice to nil;
 *   <li>a second object for the same pointer-to-struct or map field is decoded <em>into</em> the first
 *       (merged), unless a {@code null} came between;
 *   <li>a value of the wrong type ({@code "true"} for a bool) is an error: the daemon fails the request.
 * </ul>
 */
final class GoDecode {
    private GoDecode() {}

    /** A value of the wrong type for its field: {@code json.UnmarshalTypeError}, the daemon answers 400. */
    static final class TypeError extends Exception {
        private static final long serialVersionUID = 1L;

        TypeError(String field, GoJson.Value value, String goType) {
            super("cannot decode a JSON " + value.type() + " into " + field + " (" + goType + ")");
        }
    }

    /**
     * Whether a JSON key selects a Go struct field of the (ASCII) name {@code field}: rune by rune equal
     * under simple folding. Of all non-ASCII runes only U+017F (ſ, folds with s) and U+212A (Kelvin sign,
     * folds with k) fold together with an ASCII letter.
     */
    static boolean selects(String key, String field) {
        int i = 0;
        int j = 0;
        while (i < key.length() && j < field.length()) {
            int k = key.codePointAt(i);
            char f = field.charAt(j);
            if (fold(k) != fold(f)) {
                return false;
            }
            i += Character.charCount(k);
            j++;
        }
        return i == key.length() && j == field.length();
    }

    /** The smallest rune of a rune's simple-folding orbit, as Go's {@code foldRune}, for ASCII orbits. */
    private static int fold(int r) {
        if (r >= 'a' && r <= 'z') {
            return r - ('a' - 'A');
        }
        if (r == 0x017F) {
            return 'S';
        }
        if (r == 0x212A) {
            return 'K';
        }
        return r;
    }

    /** The values of the members that select {@code field}, in document order. */
    static List<GoJson.Value> occurrences(GoJson.Obj o, String field) {
        List<GoJson.Value> all = new ArrayList<>(1);
        for (GoJson.Member m : o.members()) {
            if (selects(m.key(), field)) {
                all.add(m.value());
            }
        }
        return all;
    }

    /** A {@code bool} field: its last non-null value; empty if never set. */
    static Optional<Boolean> bool(GoJson.Obj o, String field, String path) throws TypeError {
        Optional<Boolean> v = Optional.empty();
        for (GoJson.Value x : occurrences(o, field)) {
            if (x instanceof GoJson.Bool b) {
                v = Optional.of(b.value());
            } else if (x != GoJson.Null.NULL) {
                throw new TypeError(path, x, "bool");
            }
        }
        return v;
    }

    /** A {@code string} field: its last non-null value; empty if never set. */
    static Optional<String> string(GoJson.Obj o, String field, String path) throws TypeError {
        Optional<String> v = Optional.empty();
        for (GoJson.Value x : occurrences(o, field)) {
            if (x instanceof GoJson.Str s) {
                v = Optional.of(s.value());
            } else if (x != GoJson.Null.NULL) {
                throw new TypeError(path, x, "string");
            }
        }
        return v;
    }

    /**
     * A {@code map[string]string} field: null if nil. Objects merge into the map; keys are exact, the
     * last duplicate wins; a {@code null} value is the empty string (Go stores the zero value).
     */
    static Map<String, String> stringMap(GoJson.Obj o, String field, String path) throws TypeError {
        Map<String, String> map = null;
        for (GoJson.Value x : occurrences(o, field)) {
            if (x == GoJson.Null.NULL) {
                map = null;
            } else if (x instanceof GoJson.Obj labels) {
                if (map == null) {
                    map = new LinkedHashMap<>();
                }
                for (GoJson.Member m : labels.members()) {
                    if (m.value() instanceof GoJson.Str s) {
                        map.put(m.key(), s.value());
                    } else if (m.value() == GoJson.Null.NULL) {
                        map.put(m.key(), "");
                    } else {
                        throw new TypeError(path + "[\"" + m.key() + "\"]", m.value(), "string");
                    }
                }
            } else {
                throw new TypeError(path, x, "map[string]string");
            }
        }
        return map;
    }

    /**
     * A pointer-to-struct field: null if nil (never set, or {@code null} last); else one object holding
     * the members of every object since the last {@code null}, in order: decoding its fields then gives
     * what Go's decoding of each object into the same struct gives.
     */
    static GoJson.Obj pointer(GoJson.Obj o, String field, String path) throws TypeError {
        List<GoJson.Member> merged = null;
        for (GoJson.Value x : occurrences(o, field)) {
            if (x == GoJson.Null.NULL) {
                merged = null;
            } else if (x instanceof GoJson.Obj s) {
                if (merged == null) {
                    merged = new ArrayList<>();
                }
                merged.addAll(s.members());
            } else {
                throw new TypeError(path, x, "struct");
            }
        }
        return merged == null ? null : new GoJson.Obj(merged);
    }

    /** A struct field (not a pointer): {@code null} is a no-op, objects merge; an empty object if never set. */
    static GoJson.Obj struct(GoJson.Obj o, String field, String path) throws TypeError {
        List<GoJson.Member> merged = new ArrayList<>();
        for (GoJson.Value x : occurrences(o, field)) {
            if (x instanceof GoJson.Obj s) {
                merged.addAll(s.members());
            } else if (x != GoJson.Null.NULL) {
                throw new TypeError(path, x, "struct");
            }
        }
        return new GoJson.Obj(merged);
    }
}
