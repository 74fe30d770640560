package org.readonlyrootfs.exporter.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough of GitHub-flavoured Markdown for the documentation tests: ATX headings and their
 * anchors, sections, and the targets of inline and reference links; fenced code blocks and code
 * spans are skipped.
 */
public final class Markdown {
    private static final Pattern FENCE = Pattern.compile("^ {0,3}(`{3,}|~{3,})");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})(?:[ \\t]+(.*?))?(?:[ \\t]+#+)?[ \\t]*$");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(?s:.*?)(?<!`)\\1(?!`)");
    private static final Pattern INLINE_LINK =
            Pattern.compile("!?\\[([^\\]]*)\\]\\(\\s*<?([^)\\s>]*)>?(?:\\s+(?:\"[^\"]*\"|'[^']*'))?\\s*\\)");
    private static final Pattern REFERENCE_DEFINITION =
            Pattern.compile("(?m)^ {0,3}\\[[^\\]]+\\]:[ \\t]*<?([^\\s>]+)>?");

    private Markdown() {}

    /** An ATX heading: its level (1 to 6), text, and line number (1-based). */
    public record Heading(int level, String text, int line) {}

    /** A link target as written, with the line it is on (1-based). */
    public record Link(String target, int line) {}

    /**
     * GitHub's anchor of a heading: the rendered text (link and emphasis markup gone), lower case,
     * every character but letters, digits, spaces, {@code -} and {@code _} dropped, spaces turned
     * into {@code -}.
     */
    public static String anchor(String heading) {
        String text = heading.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1").replaceAll("<[^>]+>", "");
        return text.trim()
                .toLowerCase(Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{M}\\p{N} _-]", "")
                .replace(' ', '-');
    }

    /** The text with every line of a fenced code block (fences included) blanked, line count kept. */
    public static String withoutFences(String markdown) {
        StringBuilder out = new StringBuilder();
        String open = null;
        for (String line : markdown.split("\n", -1)) {
            Matcher f = FENCE.matcher(line);
            if (open == null && f.find()) {
                open = f.group(1);
                line = "";
            } else if (open != null) {
                if (f.find()
                        && f.group(1).charAt(0) == open.charAt(0)
                        && f.group(1).length() >= open.length()
                        && line.substring(f.end()).isBlank()) {
                    open = null;
                }
                line = "";
            }
            out.append(line).append('\n');
        }
        return out.substring(0, out.length() - 1);
    }

    /** Every ATX heading outside code blocks, in order. */
    public static List<Heading> headings(String markdown) {
        List<Heading> out = new ArrayList<>();
        String[] lines = withoutFences(markdown).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher h = HEADING.matcher(lines[i]);
            if (h.matches()) {
                out.add(new Heading(
                        h.group(1).length(),
                        h.group(2) == null ? "" : h.group(2).trim(),
                        i + 1));
            }
        }
        return out;
    }

    /** The anchors GitHub gives the headings, in order; a repeated one gets {@code -1}, {@code -2} … */
    public static Set<String> anchors(String markdown) {
        Set<String> out = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (Heading h : headings(markdown)) {
            String base = anchor(h.text());
            int n = seen.merge(base, 1, Integer::sum) - 1;
            out.add(n == 0 ? base : base + "-" + n);
        }
        return out;
    }

    /**
     * The sections of one heading level, by heading text, each with its text up to the next heading
     * of that level or above (deeper headings stay in the body).
     */
    public static Map<String, String> sections(String markdown, int level) {
        Map<String, String> out = new LinkedHashMap<>();
        String[] lines = markdown.split("\n", -1);
        List<Heading> headings = headings(markdown);
        for (int i = 0; i < headings.size(); i++) {
            Heading h = headings.get(i);
            if (h.level() != level) {
                continue;
            }
            int end = lines.length;
            for (int j = i + 1; j < headings.size(); j++) {
                if (headings.get(j).level() <= level) {
                    end = headings.get(j).line() - 1;
                    break;
                }
            }
            out.put(h.text(), String.join("\n", List.of(lines).subList(h.line(), end)) + "\n");
        }
        return out;
    }

    /** Every link target outside code blocks and code spans: inline links, images, reference definitions. */
    public static List<Link> links(String markdown) {
        String text = withoutFences(markdown);
        Matcher code = CODE_SPAN.matcher(text);
        StringBuilder blanked = new StringBuilder();
        while (code.find()) {
            // keep the line breaks, so that line numbers stay right
            code.appendReplacement(
                    blanked, Matcher.quoteReplacement(code.group().replaceAll("[^\n]", " ")));
        }
        code.appendTail(blanked);
        text = blanked.toString();
        List<Link> out = new ArrayList<>();
        for (Pattern p : List.of(INLINE_LINK, REFERENCE_DEFINITION)) {
            Matcher m = p.matcher(text);
            while (m.find()) {
                String target = m.group(m.groupCount());
                int line = 1
                        + (int) text.substring(0, m.start())
                                .chars()
                                .filter(c -> c == '\n')
                                .count();
                out.add(new Link(target, line));
            }
        }
        return out;
    }
}
