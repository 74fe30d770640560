package org.readonlyrootfs.exporter.http;

import java.time.Instant;
import java.util.regex.Pattern;
import org.readonlyrootfs.exporter.compliance.StigRule;
import org.readonlyrootfs.exporter.config.EvidenceAsset;
import org.readonlyrootfs.exporter.evidence.Ckl;
import org.readonlyrootfs.exporter.evidence.Cklb;
import org.readonlyrootfs.exporter.evidence.Evidence;
import org.readonlyrootfs.exporter.evidence.FindingsJson;
import org.readonlyrootfs.exporter.product.Endpoints;
import org.readonlyrootfs.exporter.scan.Snapshot;

/** {@code /findings}, {@code /checklist.cklb} and {@code /checklist.ckl}, rendered from the snapshot. */
final class EvidenceEndpoint {
    static final String FINDINGS = Endpoints.FINDINGS;
    static final String CKLB = Endpoints.CHECKLIST_CKLB;
    static final String CKL = Endpoints.CHECKLIST_CKL;

    /** One response: status, content type, body, and the file name to save it as (null for none). */
    record Response(int status, String contentType, String body, String fileName) {}

    private EvidenceEndpoint() {}

    private static final Pattern HOST =
            Pattern.compile("[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]{2,45}\\](:[0-9]{1,5})?");

    /**
     * The response for {@code path}, or null if it is not an evidence path.
     *
     * @param findingsUrl where the checklists say the complete list is when their details are cut
     */
    static Response of(String path, Snapshot s, Instant now, EvidenceAsset asset, String findingsUrl) {
        if (!path.equals(FINDINGS) && !path.equals(CKLB) && !path.equals(CKL)) {
            return null;
        }
        if (!s.everSucceeded()) {
            return new Response(
                    503,
                    "text/plain; charset=utf-8",
                    "No evidence yet: no scan has succeeded (" + s.lastError() + ")\n",
                    null);
        }
        if (path.equals(FINDINGS)) {
            return new Response(200, "application/json; charset=utf-8", FindingsJson.render(s, now), null);
        }
        Evidence e = Evidence.of(s, now, asset, Evidence.atEndpoint(findingsUrl));
        return path.equals(CKLB)
                ? new Response(200, "application/json; charset=utf-8", Cklb.render(e), fileName(e.host(), "cklb"))
                : new Response(200, "application/xml; charset=utf-8", Ckl.render(e), fileName(e.host(), "ckl"));
    }

    /**
     * The URL of {@code /findings} as the client reached this server ({@code Host} header), or the bare
     * path when the header is missing or is not a plain host[:port].
     */
    static String findingsUrl(boolean https, String hostHeader) {
        return hostHeader != null && HOST.matcher(hostHeader).matches()
                ? (https ? "https://" : "http://") + hostHeader + FINDINGS
                : FINDINGS;
    }

    /** {@code <host>_MKE_V-260936.<ext>}, the host reduced to characters safe in a file name. */
    static String fileName(String host, String extension) {
        String safe = host.replaceAll("[^A-Za-z0-9._-]", "_");
        return (safe.isEmpty() ? "host" : safe) + "_MKE_" + StigRule.FINDING_ID + "." + extension;
    }
}
