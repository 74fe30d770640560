package org.readonlyrootfs.exporter.remediation;

import java.nio.charset.StandardCharsets;

/** Renders untrusted strings (paths, container names) into one-line warnings, shell words and YAML. */
final class Text {
    private static final int MAX_SHOWN = 200;

    private Text() {}

    /** {@code n} and the noun in the number's form: {@code 1 change}, {@code 2 changes} (this package imports only the JDK). */
    static String count(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }

    /** {@code s} in double quotes with Java-style escapes for anything but printable ASCII, cut at 200 chars. */
    static String quoted(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_SHOWN) + 8).append('"');
        int shown = 0;
        for (int i = 0; i < s.length(); i++) {
            if (shown++ == MAX_SHOWN) {
                b.append("...");
                break;
            }
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c >= 0x20 && c < 0x7f) {
                        b.append(c);
                    } else {
                        b.append(String.format("\\u%04x", (int) c));
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** One POSIX shell word: as is when harmless, else single-quoted, else (control or non-ASCII) bash {@code $'...'}. */
    static String shellWord(String s) {
        if (!s.isEmpty()
                && s.chars().allMatch(c -> Character.isLetterOrDigit(c) && c < 0x80 || "_./:@+=%,-".indexOf(c) >= 0)) {
            return s;
        }
        if (s.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            return "'" + s.replace("'", "'\\''") + "'";
        }
        StringBuilder b = new StringBuilder("$'");
        for (byte by : s.getBytes(StandardCharsets.UTF_8)) {
            int c = by & 0xff;
            if (c == '\'' || c == '\\') {
                b.append('\\').append((char) c);
            } else if (c >= 0x20 && c < 0x7f) {
                b.append((char) c);
            } else {
                b.append(String.format("\\x%02x", c));
            }
        }
        return b.append('\'').toString();
    }

    /** A YAML double-quoted scalar: valid YAML for any string. */
    static String yaml(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        s.codePoints().forEach(cp -> {
            if (cp == '"' || cp == '\\') {
                b.append('\\').appendCodePoint(cp);
            } else if (cp >= 0x20 && cp < 0x7f) {
                b.appendCodePoint(cp);
            } else if (cp >= 0xd800 && cp <= 0xdfff) {
                b.append("\\ufffd");
            } else if (cp <= 0xffff) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.append(String.format("\\U%08x", cp));
            }
        });
        return b.append('"').toString();
    }
}
