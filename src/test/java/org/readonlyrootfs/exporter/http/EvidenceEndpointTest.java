package org.readonlyrootfs.exporter.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Where a served checklist says the complete list of findings is. */
class EvidenceEndpointTest {
    @Test
    void theFindingsUrlIsAsTheClientReachedTheServerOrTheBarePath() {
        assertEquals("http://node-1:9966/findings", EvidenceEndpoint.findingsUrl(false, "node-1:9966"));
        assertEquals("https://rre.example.com/findings", EvidenceEndpoint.findingsUrl(true, "rre.example.com"));
        assertEquals("http://[::1]:9966/findings", EvidenceEndpoint.findingsUrl(false, "[::1]:9966"));
        assertEquals("/findings", EvidenceEndpoint.findingsUrl(false, null), "no Host header");
        assertEquals("/findings", EvidenceEndpoint.findingsUrl(false, "evil\"/><x>"), "not a host: not echoed");
        assertEquals("/findings", EvidenceEndpoint.findingsUrl(false, "a b"));
    }

    @Test
    void theSuggestedFileNameIsTheChecklistsHostMadeSafe() {
        assertEquals("node-1.example.com_MKE_V-260936.ckl", EvidenceEndpoint.fileName("node-1.example.com", "ckl"));
        assertEquals("a_b_MKE_V-260936.cklb", EvidenceEndpoint.fileName("a\"b", "cklb"));
    }
}
