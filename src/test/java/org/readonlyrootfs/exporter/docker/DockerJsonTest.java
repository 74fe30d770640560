package org.readonlyrootfs.exporter.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Responses recorded from Engine 20.10 (src/test/resources/docker) and hand-made edge cases. */
class DockerJsonTest {
    private static InputStream fixture(String name) throws IOException {
        return Files.newInputStream(Path.of("src/test/resources/docker", name));
    }

    private static InputStream json(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsTheListCall() throws IOException {
        List<ContainerSummary> list = DockerJson.containers(fixture("list-20.10.json"));
        assertEquals(1, list.size());
        ContainerSummary c = list.get(0);
        assertEquals(64, c.id().length());
        assertEquals("jsonsample", c.name());
        assertEquals("bb", c.image());
        assertEquals("created", c.state());
        assertEquals("a\"b\\c", c.labels().get("com.docker.compose.project"));
        assertEquals("", c.labels().get("empty"));
        assertTrue(c.createdEpochSeconds() > 1_700_000_000L);
    }

    @Test
    void readsTheInspectCall() throws IOException {
        ContainerDetails d = DockerJson.container(fixture("inspect-20.10.json"));
        assertEquals(64, d.id().length());
        assertEquals("jsonsample", d.name());
        assertEquals("bb", d.image());
        assertEquals("created", d.state());
        assertTrue(d.readonlyRootfs());
        assertEquals("a\"b\\c", d.labels().get("com.docker.compose.project"));
        assertTrue(d.createdEpochSeconds() > 1_700_000_000L);
    }

    @Test
    void readsTheInfoCall() throws IOException {
        DaemonInfo info = DockerJson.info(fixture("info-20.10.json"));
        assertFalse(info.name().isEmpty());
        assertTrue(info.serverVersion().startsWith("20.10"));
        assertFalse(info.swarmManager());
    }

    @Test
    void readsTheAuthorizationPluginChainOfTheInfoCall() throws IOException {
        assertEquals(List.of(), DockerJson.info(fixture("info-20.10.json")).authorizationPlugins());
        DaemonInfo info = DockerJson.info(json("""
                {"Name":"n","Plugins":{"Volume":["local"],"Network":["bridge"],"Authorization":["site-authz",
                 "readonly-rootfs:latest"],"Log":["json-file"]},"ServerVersion":"28.5.1"}"""));
        assertEquals(List.of("site-authz", "readonly-rootfs:latest"), info.authorizationPlugins());
        assertEquals("28.5.1", info.serverVersion(), "the members after Plugins are still read");
        assertEquals(
                List.of(),
                DockerJson.info(json("{\"Plugins\":{\"Authorization\":null}}")).authorizationPlugins());
        assertEquals(List.of(), DockerJson.info(json("{\"Plugins\":null}")).authorizationPlugins());
        assertEquals(
                List.of("b"),
                DockerJson.info(json("{\"Plugins\":{\"Authorization\":[\"a\"],\"Authorization\":[\"b\",\"\",null]}}"))
                        .authorizationPlugins(),
                "the last duplicate wins, empty names are left out");
        assertEquals(
                List.of(),
                DockerJson.info(json("{\"Plugins\":{\"Authorization\":{\"x\":[1]}}}"))
                        .authorizationPlugins());
    }

    @Test
    void toleratesNullsMissingFieldsAndUnknownNesting() throws IOException {
        List<ContainerSummary> list = DockerJson.containers(json("""
                [{"Id":"abc","Names":null,"Image":null,"Labels":null,"Future":{"x":[1,{"y":2}]},"Created":null},
                 {"Id":"def","Names":["/other/alias","/own"],"State":"running","Labels":{"k":"v"}}]"""));
        assertEquals(2, list.size());
        assertEquals(new ContainerSummary("abc", "", "", "", Map.of(), 0), list.get(0));
        assertEquals("own", list.get(1).name(), "a link alias is not the container's own name");
        ContainerDetails d = DockerJson.container(json("""
                {"Id":"abc","Name":"/x","State":{"Status":"paused","Health":{"Log":[]}},
                 "HostConfig":{"ReadonlyRootfs":false,"Binds":null},"Config":{"Labels":null}}"""));
        assertEquals("paused", d.state());
        assertFalse(d.readonlyRootfs());
        assertEquals(Map.of(), d.labels());
        assertTrue(DockerJson.info(json("{\"Name\":\"n\",\"Swarm\":{\"ControlAvailable\":true}}"))
                .swarmManager());
    }

    @Test
    void errorMessagesAreOneLine() {
        assertEquals(
                "No such container: x",
                DockerJson.errorMessage("{\"message\":\"No such container: x\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(
                "bad gateway upstream",
                DockerJson.errorMessage("bad gateway\nupstream".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void readsTheServicesCallOfASwarmManager() throws IOException {
        List<SwarmService> services = DockerJson.services(fixture("services-20.10.json"));
        assertEquals(3, services.size());
        SwarmService web = services.get(0);
        assertEquals(25, web.id().length());
        assertEquals("shop_web", web.name());
        assertEquals("rre-busybox:latest", web.image());
        assertEquals("replicated", web.mode());
        assertEquals(Map.of("com.docker.stack.namespace", "shop"), web.labels());
        assertFalse(web.readOnly(), "no ReadOnly in the spec: writable");
        SwarmService agent = services.get(1);
        assertEquals("node-agent", agent.name());
        assertEquals("global", agent.mode());
        assertEquals(Map.of(), agent.labels());
        SwarmService api = services.get(2);
        assertEquals("shop_api", api.name());
        assertTrue(api.readOnly());
    }

    @Test
    void readsTheInfoCallOfASwarmManager() throws IOException {
        DaemonInfo info = DockerJson.info(fixture("info-swarm-manager-20.10.json"));
        assertTrue(info.swarmManager());
        assertEquals("vm", info.name());
    }

    @Test
    void serviceModesJobsAndOddSpecsAreRead() throws IOException {
        List<SwarmService> list = DockerJson.services(json("""
                [{"ID":"a","Spec":{"Name":"once","Mode":{"ReplicatedJob":{"MaxConcurrent":1}},
                  "TaskTemplate":{"ContainerSpec":{"Image":"i","ReadOnly":false,"Mounts":[{"ReadOnly":true}]}}}},
                 {"ID":"b","Spec":{"Name":"each","Mode":{"GlobalJob":{}},"Labels":null,"TaskTemplate":{"PluginSpec":{}}}},
                 {"ID":"c","Spec":null,"Future":[1]},
                 {"ID":"d","Spec":{"Name":"x","TaskTemplate":{"ContainerSpec":{"ReadOnly":true,"Labels":{"a":"b"}}}}}]"""));
        assertEquals(
                new SwarmService("a", "once", "i", "replicated-job", Map.of(), false),
                list.get(0),
                "a read-only mount is not a read-only root filesystem");
        assertEquals(new SwarmService("b", "each", "", "global-job", Map.of(), false), list.get(1));
        assertEquals(new SwarmService("c", "", "", "", Map.of(), false), list.get(2));
        assertEquals(
                new SwarmService("d", "x", "", "", Map.of(), true),
                list.get(3),
                "the container labels are not the service's");
    }

    @Test
    void creationTimesAgreeWithInstantParse() {
        for (String t : List.of(
                "2026-11-28T14:25:49.389845109Z",
                "2024-02-29T23:59:59Z",
                "1970-01-01T00:00:00.5Z",
                "0001-01-01T00:00:00Z",
                "2038-01-19T03:14:08.000000001Z",
                "2000-12-31T12:00:00.123Z")) {
            assertEquals(java.time.Instant.parse(t).getEpochSecond(), DockerJson.epochSeconds(t), t);
        }
        // other forms go through the full parser
        assertEquals(
                java.time.OffsetDateTime.parse("2026-11-28T16:25:49.1+02:00").toEpochSecond(),
                DockerJson.epochSeconds("2026-11-28T16:25:49.1+02:00"));
        for (String bad : List.of(
                "",
                "yesterday",
                "2026-02-30T00:00:00Z",
                "2026-13-01T00:00:00Z",
                "2026-11-28T14:25:49.Z1",
                "2026-11-28T14:25:49.x9Z",
                "20261128T142549Z")) {
            assertEquals(0, DockerJson.epochSeconds(bad), bad);
        }
    }

    @Test
    void inspectReadsOnlyWhatItNeedsFromStateAndHostConfig() throws IOException {
        ContainerDetails d = DockerJson.container(json("""
                {"Id":"x","State":{"Pid":1,"Health":{"Status":"healthy"},"Status":"running","Dead":false},
                 "HostConfig":{"Binds":["/a:/b"],"LogConfig":{"Type":"json-file","Config":{"ReadonlyRootfs":"true"}},
                 "ReadonlyRootfs":false,"Tmpfs":{"/tmp":""}},"Name":"/n","Created":"2026-11-28T14:25:49Z"}"""));
        assertEquals("running", d.state(), "the nested Health.Status is not the container's");
        assertFalse(d.readonlyRootfs(), "only HostConfig's own ReadonlyRootfs counts");
        assertEquals(java.time.Instant.parse("2026-11-28T14:25:49Z").getEpochSecond(), d.createdEpochSeconds());
        assertTrue(DockerJson.container(json("{\"HostConfig\":{\"ReadonlyRootfs\":true}}"))
                .readonlyRootfs());
        assertEquals(
                "",
                DockerJson.container(json("{\"State\":\"odd\",\"HostConfig\":[1]}"))
                        .state());
    }

    @Test
    void inspectStopsReadingOnceItHasEverythingItNeeds() throws IOException {
        String doc = """
                {"Id":"x","Created":"2026-11-28T14:25:49Z","State":{"Status":"exited"},"Name":"/n",
                 "HostConfig":{"ReadonlyRootfs":true},"Config":{"Image":"i","Labels":{"a":"b"}},
                 "NetworkSettings":{"Networks":{"none":{}}}, this part is never tokenized""";
        ContainerDetails d = DockerJson.container(json(doc));
        assertEquals(
                new ContainerDetails(
                        "x",
                        "n",
                        "i",
                        "exited",
                        Map.of("a", "b"),
                        java.time.Instant.parse("2026-11-28T14:25:49Z").getEpochSecond(),
                        true),
                d);
        // without every member, it reads on (and so fails on the broken rest)
        org.junit.jupiter.api.Assertions.assertThrows(
                IOException.class, () -> DockerJson.container(json(doc.replace("\"Name\":\"/n\",", ""))));
    }

    @Test
    void theScansReadOfAnInspectIsHostConfigsOwnReadonlyRootfsAndStopsThere() throws IOException {
        assertEquals(
                DockerJson.container(fixture("inspect-20.10.json")).readonlyRootfs(),
                DockerJson.readonlyRootfs(fixture("inspect-20.10.json")));
        assertFalse(DockerJson.readonlyRootfs(json("""
                {"Id":"x","ReadonlyRootfs":true,"State":{"ReadonlyRootfs":true},
                 "HostConfig":{"LogConfig":{"Config":{"ReadonlyRootfs":"true"}},"Tmpfs":{"ReadonlyRootfs":""},
                 "ReadonlyRootfs":false},"Config":{"ReadonlyRootfs":true}}""")), "only HostConfig's own member counts");
        assertTrue(DockerJson.readonlyRootfs(json("""
                {"Id":"x","HostConfig":{"Binds":["/a:/b:ro"],"ReadonlyRootfs":true,"Tmpfs":{}},
                 "NetworkSettings": never read""")), "reading stops at the answer");
        assertFalse(DockerJson.readonlyRootfs(json("{\"HostConfig\":null,\"Id\":\"x\"}")));
        assertFalse(DockerJson.readonlyRootfs(json("{\"HostConfig\":{\"Privileged\":true}}")));
        assertFalse(DockerJson.readonlyRootfs(json("{}")));
    }
}
