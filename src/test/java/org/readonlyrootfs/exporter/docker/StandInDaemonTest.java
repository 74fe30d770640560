package org.readonlyrootfs.exporter.docker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class StandInDaemonTest {
    @Test
    void theGatewayReadsItsSamplesOverKeepAliveAndItsEventsStreamStaysOpen() throws Exception {
        List<String> ended = new CopyOnWriteArrayList<>();
        AtomicBoolean connected = new AtomicBoolean();
        try (StandInDaemon daemon = StandInDaemon.start();
                EngineGateway g = new EngineGateway(
                        new DockerEndpoint(daemon.host(), false, "", Duration.ofSeconds(5)), RequestListener.NONE)) {
            assertEquals("node", g.info().name());
            assertFalse(g.info().swarmManager());
            List<ContainerSummary> list = g.listContainers();
            assertEquals(
                    List.of(StandInDaemon.CONTAINER_ID),
                    list.stream().map(ContainerSummary::id).toList());
            for (int i = 0; i < 50; i++) {
                assertEquals(Optional.of(true), g.readonlyRootfs(StandInDaemon.CONTAINER_ID));
            }
            AutoCloseable events = g.followEvents(0, new EventListener() {
                @Override
                public void connected() {
                    connected.set(true);
                }

                @Override
                public void event(ContainerEvent e) {}

                @Override
                public void ended(String why) {
                    ended.add(why);
                }
            });
            // the stream's head came and nothing else: it stays open until closed
            await().atMost(Duration.ofSeconds(10)).untilTrue(connected);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(ended::isEmpty);
            events.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> ended.size() == 1);
        }
    }

    @Test
    void afterCloseNothingAnswers() throws IOException {
        StandInDaemon daemon = StandInDaemon.start();
        String host = daemon.host();
        daemon.close();
        try (EngineGateway g =
                new EngineGateway(new DockerEndpoint(host, false, "", Duration.ofSeconds(2)), RequestListener.NONE)) {
            DockerException e = org.junit.jupiter.api.Assertions.assertThrows(DockerException.class, g::info);
            assertTrue(e.getMessage().contains("cannot reach"), e.getMessage());
        }
    }
}
