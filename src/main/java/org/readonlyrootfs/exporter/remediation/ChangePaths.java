package org.readonlyrootfs.exporter.remediation;

/** Path arithmetic on the absolute, {@code /}-separated paths of the changes API. */
final class ChangePaths {
    /** Linux {@code PATH_MAX}: longer paths are not something Docker could have reported for a real file. */
    static final int MAX_LENGTH = 4096;

    private ChangePaths() {}

    /** Why {@code path} cannot be used, or {@code null} if it is a clean absolute path other than {@code /}. */
    static String invalidReason(String path) {
        if (path == null || path.isEmpty()) {
            return "empty";
        }
        if (path.charAt(0) != '/') {
            return "relative";
        }
        if (path.length() == 1) {
            return "the root itself";
        }
        if (path.length() > MAX_LENGTH) {
            return "longer than " + MAX_LENGTH + " characters";
        }
        if (path.indexOf('\0') >= 0) {
            return "NUL byte";
        }
        int start = 1;
        while (start <= path.length()) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            int len = end - start;
            if (len == 0) {
                return "empty segment";
            }
            if ((len == 1 && path.charAt(start) == '.')
                    || (len == 2 && path.charAt(start) == '.' && path.charAt(start + 1) == '.')) {
                return "dot segment";
            }
            start = end + 1;
        }
        return null;
    }

    /** The parent of a valid path; {@code /} for a top-level path. */
    static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    /** The last segment of a valid path. */
    static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** Number of segments: 0 for {@code /}. */
    static int depth(String path) {
        if (path.equals("/")) {
            return 0;
        }
        int n = 0;
        for (int i = 0; i < path.length(); i++) {
            if (path.charAt(i) == '/') {
                n++;
            }
        }
        return n;
    }

    /** Whether {@code path} lies strictly below {@code ancestor}. */
    static boolean isBelow(String path, String ancestor) {
        if (ancestor.equals("/")) {
            return !path.equals("/");
        }
        return path.length() > ancestor.length() && path.startsWith(ancestor) && path.charAt(ancestor.length()) == '/';
    }

    /** Whether {@code path} is {@code ancestor} or lies below it. */
    static boolean isAtOrBelow(String path, String ancestor) {
        return path.equals(ancestor) || isBelow(path, ancestor);
    }

    /**
     * Whether a mount can name this path in {@code --tmpfs path[:opts]}, {@code --volume name:path}
     * and compose's short syntax: only {@code [A-Za-z0-9._@+~-]} in segments. A colon or comma
     * would be read as a separator; quotes, spaces, control characters and U+FFFD (a name that was
     * not UTF-8) make a flag no one can paste, or one that names a different path.
     */
    static boolean nameable(String path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '/'
                    || c == '.'
                    || c == '_'
                    || c == '-'
                    || c == '@'
                    || c == '+'
                    || c == '~';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The nearest nameable ancestor-or-self of a valid path ({@code /} at worst). */
    static String nearestNameable(String path) {
        String p = path;
        while (!p.equals("/") && !nameable(p)) {
            p = parent(p);
        }
        return p;
    }

    /** A mount destination as Docker reports it, normalised (no trailing slash); {@code null} if unusable. */
    static String normaliseMount(String destination) {
        if (destination == null) {
            return null;
        }
        String d = destination;
        while (d.length() > 1 && d.endsWith("/")) {
            d = d.substring(0, d.length() - 1);
        }
        return invalidReason(d) == null ? d : null;
    }
}
