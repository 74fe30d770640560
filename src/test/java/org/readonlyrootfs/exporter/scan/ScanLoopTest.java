package org.readonlyrootfs.exporter.scan;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.compliance.Classifier;

/** A reloaded {@code scan.interval} moves the next scan at once. */
class ScanLoopTest {
    private final DockerRequestCounts requests = new DockerRequestCounts();
    private final InMemoryDocker docker = new InMemoryDocker(requests);
    private final Scanner scanner = new Scanner(docker, new Classifier(true), requests, Clock.systemUTC(), "h");

    private long lists() {
        return requests.snapshot().getOrDefault("list", 0L);
    }

    @Test
    void aShorterIntervalMovesTheNextScanInsteadOfWaitingOutTheOldOne() {
        try (ScanLoop loop = new ScanLoop(scanner, Duration.ofHours(1))) {
            loop.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> lists() == 1);
            loop.interval(Duration.ofMillis(100));
            assertEquals(Duration.ofMillis(100), loop.interval());
            // the next scan was due in an hour: now every 100 ms
            await().atMost(Duration.ofSeconds(10)).until(() -> lists() >= 4);
        }
    }
}
