package org.readonlyrootfs.exporter.http;

import java.time.Instant;
import org.readonlyrootfs.exporter.compliance.StigRule;
import org.readonlyrootfs.exporter.evidence.Ckl;
import org.readonlyrootfs.exporter.evidence.Cklb;
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

    /** The response for {@code path}, or null if it is not an evidence path. */
    static Response of(String path, Snapshot s, Instant now) {
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
        return switch (path) {
            case FINDINGS -> new Response(200, "application/json; charset=utf-8", FindingsJson.render(s, now), null);
            case CKLB ->
                new Response(200, "application/json; charset=utf-8", Cklb.render(s, now), fileName(s.host(), "cklb"));
            default ->
                new Response(200, "application/xml; charset=utf-8", Ckl.render(s, now), fileName(s.host(), "ckl"));
        };
    }

    /** {@code <host>_MKE_V-260936.<ext>}, the host reduced to characters safe in a file name. */
    static String fileName(String host, String extension) {
        String safe = host.replaceAll("[^A-Za-z0-9._-]", "_");
        return (safe.isEmpty() ? "host" : safe) + "_MKE_" + StigRule.FINDING_ID + "." + extension;
    }
}
