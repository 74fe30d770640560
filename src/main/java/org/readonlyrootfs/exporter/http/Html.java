package org.readonlyrootfs.exporter.http;

/** HTML escaping for text that comes from Docker (names, images, labels: anything goes). */
final class Html {
    private Html() {}

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    if (ch < 0x20 && ch != '\t') {
                        b.append("&#").append((int) ch).append(';');
                    } else {
                        b.append(ch);
                    }
                }
            }
        }
        return b.toString();
    }
}
