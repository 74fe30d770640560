package org.readonlyrootfs.exporter.authz;

import java.util.ArrayList;
import java.util.List;

/**
 * A JSON reader that accepts what Go's {@code encoding/json} accepts and reads strings as it does, so
 * that the plugin sees the same document as the daemon: the grammar of RFC 8259 (no comments, no
 * trailing commas, no leading zeros, no control characters in strings), whitespace only {@code ' '},
 * {@code \t}, {@code \r}, {@code \n}; in strings, escapes decoded ({@code \u0052} is {@code R}; a lone
 * or reversed surrogate becomes U+FFFD) and every byte that is not valid UTF-8 becomes one U+FFFD, as
 * Go's {@code utf8.DecodeRune} does. Objects keep every member in order, duplicates included: which one
 * wins is the struct decoder's business ({@link GoDecode}).
 *
 * <p>Anything else, trailing content after the value included, is a {@link SyntaxError}. Go's daemon
 * 20.10 ignores what follows the first value and newer ones fail the request: refusing both is safe.
 * Nesting deeper than {@value #MAX_DEPTH} is refused too (Go allows 10,000; refusing is the safe side).
 */
public final class GoJson {
    static final int MAX_DEPTH = 1000;

    /** A JSON value. */
    public sealed interface Value permits Obj, Arr, Str, Num, Bool, Null {
        /** The JSON type's name, for error messages: object, array, string, number, bool, null. */
        String type();
    }

    /** An object: every member in document order, duplicates kept. */
    public record Obj(List<Member> members) implements Value {
        @Override
        public String type() {
            return "object";
        }
    }

    /** One member of an object; the key with its escapes decoded. */
    public record Member(String key, Value value) {}

    public record Arr(List<Value> items) implements Value {
        @Override
        public String type() {
            return "array";
        }
    }

    public record Str(String value) implements Value {
        @Override
        public String type() {
            return "string";
        }
    }

    /** A number, as written. */
    public record Num(String text) implements Value {
        @Override
        public String type() {
            return "number";
        }
    }

    public record Bool(boolean value) implements Value {
        @Override
        public String type() {
            return "bool";
        }
    }

    public enum Null implements Value {
        NULL;

        @Override
        public String type() {
            return "null";
        }
    }

    /** The document is not JSON as Go reads it; the message says where. */
    public static final class SyntaxError extends Exception {
        private static final long serialVersionUID = 1L;

        SyntaxError(String message) {
            super(message);
        }
    }

    private final byte[] in;
    private int pos;

    private GoJson(byte[] in) {
        this.in = in;
    }

    /** Reads exactly one JSON value, with optional whitespace around it and nothing else. */
    public static Value parse(byte[] document) throws SyntaxError {
        GoJson p = new GoJson(document);
        p.skipSpace();
        if (p.pos >= p.in.length) {
            throw new SyntaxError("no JSON value (empty body)");
        }
        Value v = p.value(0);
        p.skipSpace();
        if (p.pos < p.in.length) {
            throw new SyntaxError("unexpected content after the JSON value at byte " + p.pos);
        }
        return v;
    }

    /** As {@link #parse}, and the value must be an object. */
    public static Obj parseObject(byte[] document) throws SyntaxError {
        Value v = parse(document);
        if (v instanceof Obj o) {
            return o;
        }
        throw new SyntaxError("the body is a JSON " + v.type() + ", not an object");
    }

    private Value value(int depth) throws SyntaxError {
        if (depth >= MAX_DEPTH) {
            throw new SyntaxError("JSON nested deeper than " + MAX_DEPTH + " levels");
        }
        if (pos >= in.length) {
            throw new SyntaxError("unexpected end of JSON input");
        }
        byte b = in[pos];
        switch (b) {
            case '{':
                return object(depth);
            case '[':
                return array(depth);
            case '"':
                return new Str(string());
            case 't':
                literal("true");
                return new Bool(true);
            case 'f':
                literal("false");
                return new Bool(false);
            case 'n':
                literal("null");
                return Null.NULL;
            default:
                if (b == '-' || (b >= '0' && b <= '9')) {
                    return number();
                }
                throw unexpected("looking for the beginning of a value");
        }
    }

    private Obj object(int depth) throws SyntaxError {
        pos++; // {
        List<Member> members = new ArrayList<>();
        skipSpace();
        if (peek() == '}') {
            pos++;
            return new Obj(members);
        }
        while (true) {
            skipSpace();
            if (peek() != '"') {
                throw unexpected("looking for the beginning of an object key string");
            }
            String key = string();
            skipSpace();
            if (peek() != ':') {
                throw unexpected("after object key");
            }
            pos++;
            skipSpace();
            members.add(new Member(key, value(depth + 1)));
            skipSpace();
            int c = peek();
            pos++;
            if (c == '}') {
                return new Obj(members);
            }
            if (c != ',') {
                pos--;
                throw unexpected("after object key:value pair");
            }
        }
    }

    private Arr array(int depth) throws SyntaxError {
        pos++; // [
        List<Value> items = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
            pos++;
            return new Arr(items);
        }
        while (true) {
            skipSpace();
            items.add(value(depth + 1));
            skipSpace();
            int c = peek();
            pos++;
            if (c == ']') {
                return new Arr(items);
            }
            if (c != ',') {
                pos--;
                throw unexpected("after array element");
            }
        }
    }

    private void literal(String word) throws SyntaxError {
        for (int i = 0; i < word.length(); i++) {
            if (pos >= in.length || in[pos] != word.charAt(i)) {
                throw unexpected("in literal " + word);
            }
            pos++;
        }
    }

    private Num number() throws SyntaxError {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (peek() >= '1' && peek() <= '9') {
            while (peek() >= '0' && peek() <= '9') {
                pos++;
            }
        } else {
            throw unexpected("in numeric literal");
        }
        if (peek() == '.') {
            pos++;
            if (!(peek() >= '0' && peek() <= '9')) {
                throw unexpected("after decimal point in numeric literal");
            }
            while (peek() >= '0' && peek() <= '9') {
                pos++;
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!(peek() >= '0' && peek() <= '9')) {
                throw unexpected("in exponent of numeric literal");
            }
            while (peek() >= '0' && peek() <= '9') {
                pos++;
            }
        }
        return new Num(new String(in, start, pos - start, java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** A string at {@code pos} (on its opening quote), decoded as Go's {@code unquote} does. */
    private String string() throws SyntaxError {
        pos++; // "
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= in.length) {
                throw new SyntaxError("unexpected end of JSON input in string literal");
            }
            int c = in[pos] & 0xff;
            if (c == '"') {
                pos++;
                return b.toString();
            }
            if (c < 0x20) {
                throw unexpected("in string literal");
            }
            if (c == '\\') {
                pos++;
                escape(b);
            } else if (c < 0x80) {
                b.append((char) c);
                pos++;
            } else {
                pos += utf8(b);
            }
        }
    }

    private void escape(StringBuilder b) throws SyntaxError {
        int c = peek();
        pos++;
        switch (c) {
            case '"' -> b.append('"');
            case '\\' -> b.append('\\');
            case '/' -> b.append('/');
            case 'b' -> b.append('\b');
            case 'f' -> b.append('\f');
            case 'n' -> b.append('\n');
            case 'r' -> b.append('\r');
            case 't' -> b.append('\t');
            case 'u' -> {
                int r = hex4();
                if (Character.isSurrogate((char) r)) {
                    // Go: a high surrogate followed by an escaped low one is one rune, anything else U+FFFD
                    if (Character.isHighSurrogate((char) r)
                            && pos + 1 < in.length
                            && in[pos] == '\\'
                            && in[pos + 1] == 'u') {
                        int save = pos;
                        pos += 2;
                        int r2 = hex4();
                        if (Character.isLowSurrogate((char) r2)) {
                            b.append((char) r).append((char) r2);
                            return;
                        }
                        pos = save; // not a pair: the second escape is read on its own
                    }
                    b.append('\uFFFD');
                } else {
                    b.append((char) r);
                }
            }
            default -> {
                pos--;
                throw unexpected("in string escape code");
            }
        }
    }

    private int hex4() throws SyntaxError {
        int r = 0;
        for (int i = 0; i < 4; i++) {
            int c = peek();
            int d = Character.digit(c < 0 ? 0 : c, 16);
            if (c < 0 || c > 'f' || d < 0) {
                throw unexpected("in \\u hexadecimal character escape");
            }
            r = r * 16 + d;
            pos++;
        }
        return r;
    }

    /**
     * Decodes one UTF-8 sequence at {@code pos} into {@code b} as Go's {@code utf8.DecodeRune}: an
     * invalid or overlong sequence, a surrogate or a value past U+10FFFF is one U+FFFD for its first byte.
     * Returns the bytes consumed.
     */
    private int utf8(StringBuilder b) {
        int c0 = in[pos] & 0xff;
        int need;
        int min;
        int cp;
        if (c0 >= 0xC2 && c0 <= 0xDF) {
            need = 1;
            min = 0x80;
            cp = c0 & 0x1F;
        } else if (c0 >= 0xE0 && c0 <= 0xEF) {
            need = 2;
            min = 0x800;
            cp = c0 & 0x0F;
        } else if (c0 >= 0xF0 && c0 <= 0xF4) {
            need = 3;
            min = 0x10000;
            cp = c0 & 0x07;
        } else {
            b.append('\uFFFD');
            return 1;
        }
        if (pos + need > in.length - 1) {
            b.append('\uFFFD'); // the input ends inside the sequence
            return 1;
        }
        for (int i = 1; i <= need; i++) {
            int ci = in[pos + i] & 0xff;
            if ((ci & 0xC0) != 0x80) {
                b.append('\uFFFD');
                return 1;
            }
            cp = (cp << 6) | (ci & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            b.append('\uFFFD');
            return 1;
        }
        b.appendCodePoint(cp);
        return need + 1;
    }

    private int peek() {
        return pos < in.length ? in[pos] & 0xff : -1;
    }

    private void skipSpace() {
        while (pos < in.length && (in[pos] == ' ' || in[pos] == '\t' || in[pos] == '\r' || in[pos] == '\n')) {
            pos++;
        }
    }

    private SyntaxError unexpected(String context) {
        if (pos >= in.length) {
            return new SyntaxError("unexpected end of JSON input");
        }
        int c = in[pos] & 0xff;
        String shown = c >= 0x20 && c < 0x7f ? "'" + (char) c + "'" : String.format("0x%02x", c);
        return new SyntaxError("invalid character " + shown + " " + context + " at byte " + pos);
    }
}
