package org.readonlyrootfs.exporter.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RequestPathWarmupTest {
    @Test
    void everyRequestGoesThroughTheWholePathToItsStandInAndIsReadRight() {
        // one info, the inspects, and a list every 50 inspects: all answered and read as the samples say
        int lists = (RequestPathWarmup.REQUESTS + 49) / 50;
        assertEquals(1 + RequestPathWarmup.REQUESTS + lists, RequestPathWarmup.run(Duration.ofMinutes(1), () -> false));
    }

    @Test
    void itStopsSendingWhenItsTimeIsUp() {
        // a zero budget: the info call only (and nothing misread)
        assertEquals(1, RequestPathWarmup.run(Duration.ZERO, () -> false));
    }

    @Test
    void itStopsSendingWhenTheFirstRealCallStarts() {
        // stopped from the start: the info call only
        assertEquals(1, RequestPathWarmup.run(Duration.ofMinutes(1), () -> true));
    }
}
