package org.readonlyrootfs.exporter.config;

import java.util.List;

/**
 * The asset a checklist names, as STIG Viewer's target data and STIG Manager's asset: STIG Manager
 * creates or updates the asset of that name on import.
 *
 * @param name    the host name; empty means the Docker daemon's {@code Name}
 * @param fqdn    the fully qualified domain name; empty for none
 * @param ip      an IPv4 or IPv6 address; empty for none
 * @param mac     a MAC address ({@code 00:1a:2b:3c:4d:5e}); empty for none
 * @param role    one of {@link #ROLES}, as STIG Viewer spells it
 * @param marking the checklist's marking ({@code .ckl} {@code MARKING}), e.g. {@code CUI}
 */
public record EvidenceAsset(String name, String fqdn, String ip, String mac, String role, String marking) {
    /** The roles STIG Viewer offers for a computing asset. */
    public static final List<String> ROLES = List.of("None", "Workstation", "Member Server", "Domain Controller");

    /** As the checklists were before these settings: the daemon's name and nothing else. */
    public static final EvidenceAsset DEFAULT = new EvidenceAsset("", "", "", "", "None", "CUI");

    /** The host name to write: the configured one, else the daemon's. */
    public String hostName(String daemonName) {
        return name.isEmpty() ? daemonName : name;
    }
}
