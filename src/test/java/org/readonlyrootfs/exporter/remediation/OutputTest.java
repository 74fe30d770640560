package org.readonlyrootfs.exporter.remediation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** Volume names, compose YAML and shell words stay valid whatever the names. */
class OutputTest {
    static final List<String> HOSTILE_NAMES = List.of(
            "app",
            "",
            "-x",
            "a b",
            "a_b",
            "../../etc",
            "ünïcødé",
            "a\nb",
            "quote\"s'",
            "x".repeat(300),
            "\uFFFD",
            "a:b",
            "$(reboot)",
            "--volume");

    @Test
    void volumeNamesAreValidAndDistinctForAnyContainerName() {
        Set<String> all = new HashSet<>();
        for (String name : HOSTILE_NAMES) {
            List<String> names = VolumeNames.names(
                    name,
                    List.of(
                            "/var/lib/app",
                            "/var/lib/a-pp",
                            "/var/lib/a/pp",
                            "/var/lib/a+pp",
                            "/var/lib/a_pp",
                            "/" + "d".repeat(200)));
            for (String n : names) {
                assertTrue(n.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]+") && n.length() <= VolumeNames.MAX_LENGTH, n);
                assertTrue(all.add(n), "duplicate " + n + " for container " + Text.quoted(name));
            }
        }
        assertEquals(List.of("web-var-lib-app"), VolumeNames.names("web", List.of("/var/lib/app")));
        assertEquals(List.of("web-root-.config"), VolumeNames.names("/web", List.of("/root/.config")));
        assertNotEquals(VolumeNames.containerPart("a b"), VolumeNames.containerPart("a_b"));
        assertEquals("app", VolumeNames.containerPart("/app"), "inspect's leading slash is not part of the name");
    }

    @Test
    void composeIsValidYamlForHostileNames() {
        Planner planner = new Planner();
        for (String name : HOSTILE_NAMES) {
            ContainerContext c = new ContainerContext(name, name, "1000", "", List.of(), true, true, Instant.EPOCH, "");
            Plan p = planner.plan(
                    c, Changes.of("C /run", "A /run/x", "C /var", "C /var/lib", "C /var/lib/d", "A /var/lib/d/x"));
            Map<String, Object> yaml = new Yaml().load(p.compose());
            Map<?, ?> services = (Map<?, ?>) yaml.get("services");
            assertEquals(1, services.size());
            Map<?, ?> service = (Map<?, ?>) services.values().iterator().next();
            assertEquals(true, service.get("read_only"));
            assertEquals(List.of("/run:uid=1000"), service.get("tmpfs"));
            assertEquals(List.of(p.volumes().get(0).spec()), service.get("volumes"));
            assertEquals(Set.of(p.volumes().get(0).name()), ((Map<?, ?>) yaml.get("volumes")).keySet());
            if (!name.isEmpty()) {
                assertEquals(name, services.keySet().iterator().next());
            }
            p.warnings().forEach(w -> assertTrue(w.indexOf('\n') < 0, w));
        }
    }

    @Test
    void yamlScalarsRoundTrip() {
        for (String s : List.of(
                "plain",
                "a\"b\\c",
                "line\nbreak",
                "tab\t",
                "\uD83D\uDE00 emoji",
                "lone \uD800",
                "\u0085\u2028",
                "# not a comment",
                "- item",
                "key: value",
                "")) {
            Object back = new Yaml().load(Text.yaml(s));
            assertEquals(s.replace('\uD800', '\uFFFD'), back);
        }
    }

    @Test
    void shellWordsQuoteWhatNeedsIt() {
        assertEquals("app:/var/lib/db", Text.shellWord("app:/var/lib/db"));
        assertEquals("'a b:/x'", Text.shellWord("a b:/x"));
        assertEquals("'it'\\''s'", Text.shellWord("it's"));
        assertEquals("$'a\\x0ab'", Text.shellWord("a\nb"));
        assertEquals("$'\\xc3\\xbc'", Text.shellWord("ü"));
        assertEquals("''", Text.shellWord(""));
    }
}
