package org.readonlyrootfs.exporter.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.metrics.Fixtures;

class LandingPageTest {
    @Test
    void eachFindingRowShowsItsOwnFix() {
        String html = LandingPage.render(Fixtures.inventory(), "/metrics");
        assertTrue(html.contains("<th>Fix</th>"), html);
        assertTrue(
                html.contains("<code>needs_volume: docker run --read-only --tmpfs /tmp --volume"
                        + " worker-var-lib-worker:/var/lib/worker …</code>"),
                html);
        assertTrue(html.contains("<code>tmpfs_only: docker run --read-only --tmpfs /run …</code>"), html);
        // batch-7 has no plan yet: the STIG's generic fix
        assertTrue(html.contains("<code>recreate with docker run --read-only --tmpfs /run --tmpfs /tmp"), html);
        assertTrue(html.contains("<a href=\"findings\">/findings</a>"), html);
        assertFalse(html.contains("<code>needs_volume: docker run --read-only …</code>"), html);
    }
}
