package org.readonlyrootfs.exporter.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandLineTest {
    @Test
    void parsesCommandFlagsAndSpecialFlags() {
        CommandLine c = CommandLine.parse("serve", "--a=1", "--b", "2", "--c", "--config.file=f.conf", "--version");
        assertEquals("serve", c.command());
        assertEquals(Map.of("a", "1", "b", "2", "c", "true"), c.settings());
        assertEquals("f.conf", c.configFile());
        assertTrue(c.version());
        assertTrue(c.problems().isEmpty());
        assertTrue(CommandLine.parse("-h").help());
    }

    @Test
    void valuesMayHoldEqualsSigns() {
        assertEquals(Map.of("a", "x=y"), CommandLine.parse("--a=x=y").settings());
    }

    @Test
    void aFlagGivenTwiceIsAProblem() {
        assertEquals(
                List.of("flag --a is given twice, got [1] and [2]"),
                CommandLine.parse("--a=1", "--a=2").problems());
    }
}
