package org.readonlyrootfs.exporter;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.testing.PrivateDockerd;
import org.readonlyrootfs.exporter.testing.Scrape;
import org.readonlyrootfs.exporter.testing.Scrape.Sample;

/** Swarm service tasks on a real single-node swarm get orchestrator, stack and service. */
class SwarmIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static Sample awaitTaskOf(int port, String service) {
        return await().atMost(WAIT).until(() -> Scrape.metrics(port)
                        .samples("readonly_rootfs_container", s -> s.label("service").equals(service)).stream()
                        .filter(s -> s.label("state").equals("running")).findFirst(),
                Optional::isPresent).orElseThrow();
    }

    @Test
    void serviceTasksAreClassifiedWithTheirStackAndService() throws Exception {
        try (PrivateDockerd dockerd = PrivateDockerd.start()) {
            dockerd.swarmInit();
            String image = dockerd.image();
            dockerd.docker("service", "create", "--detach", "--name", "shop_web", "--network", "host",
                    "--label", "com.docker.stack.namespace=shop",
                    "--container-label", "com.docker.stack.namespace=shop", image, "/bin/sleep", "100000");
            dockerd.docker("service", "create", "--detach", "--name", "shop_api", "--network", "host", "--read-only",
                    "--container-label", "com.docker.stack.namespace=shop", image, "/bin/sleep", "100000");
            try (Exporter exporter = Exporter.start(ExporterIT.config(dockerd.host()))) {
                Sample web = awaitTaskOf(exporter.port(), "shop_web");
                assertEquals("swarm", web.label("orchestrator"));
                assertEquals("shop", web.label("stack"));
                assertEquals("finding", web.label("status"));
                assertEquals(0, web.value());
                Sample api = awaitTaskOf(exporter.port(), "shop_api");
                assertEquals("compliant", api.label("status"));
                assertEquals(1, api.value());
                assertEquals(dockerd.stigCheckByName().get(web.label("container_name")), false);
                assertEquals(dockerd.stigCheckByName().get(api.label("container_name")), true);
            }
        }
    }
}
