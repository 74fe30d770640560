package org.readonlyrootfs.exporter.docker;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RequestPathWarmupTest {
    @Test
    void itsSampleAnswersGoThroughTheWholeReadingPath() {
        assertTrue(RequestPathWarmup.run());
    }
}
