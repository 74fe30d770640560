package org.readonlyrootfs.exporter.config;

import java.util.regex.Pattern;

/** The syntax of a checklist asset's FQDN, IP and MAC address, checked without any name lookup. */
final class AssetSyntax {
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern HEX16 = Pattern.compile("[0-9A-Fa-f]{1,4}");
    private static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\\1[0-9A-Fa-f]{2}){4}");

    private AssetSyntax() {}

    /** Dot-separated labels of letters, digits and inner hyphens, 253 characters at most; a final dot allowed. */
    static boolean isFqdn(String s) {
        String name = s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
        if (name.isEmpty() || name.length() > 253) {
            return false;
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    /** A dotted-quad IPv4 address, or an IPv6 address in RFC 4291 text form (with :: and an IPv4 tail). */
    static boolean isIpAddress(String s) {
        return IPV4.matcher(s).matches() || isIpv6(s);
    }

    private static boolean isIpv6(String s) {
        if (!s.contains(":")) {
            return false;
        }
        int doubleColon = s.indexOf("::");
        if (doubleColon >= 0 && s.indexOf("::", doubleColon + 1) >= 0) {
            return false;
        }
        String head = doubleColon >= 0 ? s.substring(0, doubleColon) : s;
        String tail = doubleColon >= 0 ? s.substring(doubleColon + 2) : "";
        int groups = 0;
        String[] parts = doubleColon >= 0 ? new String[] {head, tail} : new String[] {head};
        for (int p = 0; p < parts.length; p++) {
            if (parts[p].isEmpty()) {
                continue;
            }
            String[] fields = parts[p].split(":", -1);
            for (int i = 0; i < fields.length; i++) {
                boolean last = p == parts.length - 1 && i == fields.length - 1;
                if (last && fields[i].contains(".")) {
                    if (!IPV4.matcher(fields[i]).matches()) {
                        return false;
                    }
                    groups += 2;
                } else if (HEX16.matcher(fields[i]).matches()) {
                    groups++;
                } else {
                    return false;
                }
            }
        }
        return doubleColon >= 0 ? groups <= 7 : groups == 8;
    }

    /** Six hex pairs, all separated by {@code :} or all by {@code -}. */
    static boolean isMac(String s) {
        return MAC.matcher(s).matches();
    }
}
