package org.readonlyrootfs.exporter.remediation;

/**
 * The user a container runs as, from {@code Config.User} ({@code user[:group]}, names or numbers).
 *
 * @param raw  the value as configured
 * @param root whether it is root (empty, {@code root} or uid 0)
 * @param uid  the numeric uid, or {@code ""} if given by name
 * @param gid  the numeric gid, or {@code ""} if not given or given by name
 */
public record ContainerUser(String raw, boolean root, String uid, String gid) {

    public static ContainerUser parse(String configUser) {
        String raw = configUser == null ? "" : configUser.strip();
        int colon = raw.indexOf(':');
        String user = colon < 0 ? raw : raw.substring(0, colon);
        String group = colon < 0 ? "" : raw.substring(colon + 1);
        boolean root = user.isEmpty() || user.equals("root") || (numeric(user) && Long.parseLong(user) == 0);
        return new ContainerUser(raw, root, numeric(user) ? user : "", numeric(group) ? group : "");
    }

    /**
     * Options that make a tmpfs on a directory the image ships writable for this user (Docker
     * copies the directory's mode onto the tmpfs but leaves it owned by root): empty for root,
     * {@code uid=..[,gid=..]} for a numeric user, {@code null} when the uid is unknown (a name).
     */
    public String tmpfsOwnerOptions() {
        if (root) {
            return "";
        }
        if (uid.isEmpty()) {
            return null;
        }
        return gid.isEmpty() ? "uid=" + uid : "uid=" + uid + ",gid=" + gid;
    }

    private static boolean numeric(String s) {
        if (s.isEmpty() || s.length() > 10) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
