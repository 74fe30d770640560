package org.readonlyrootfs.exporter.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineGatewayTest {
    @Test
    void onlyPlainIdsAndNamesGoIntoARequestPath() {
        for (String ok :
                List.of("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "web_1", "a.b-c", "Z")) {
            assertTrue(EngineGateway.isContainerId(ok), ok);
        }
        for (String bad : List.of("", "../info", "a/b", "a?all=1", "a b", "a%2F", "é", "a\r\nHost: x")) {
            assertFalse(EngineGateway.isContainerId(bad), bad);
        }
    }

    @Test
    void anIdThatCouldChangeThePathIsRefusedWithoutARequest() {
        List<String> sent = new ArrayList<>();
        try (EngineGateway g = new EngineGateway(
                new DockerEndpoint("unix:///nonexistent/docker.sock", false, "", Duration.ofSeconds(1)), sent::add)) {
            DockerApiError e = assertThrows(DockerApiError.class, () -> g.readonlyRootfs("../../info"));
            assertEquals("refusing to inspect a container id with unexpected characters", e.getMessage());
            assertThrows(DockerApiError.class, () -> g.inspect("x/../../info"));
            assertEquals(List.of(), sent);
        }
    }
}
