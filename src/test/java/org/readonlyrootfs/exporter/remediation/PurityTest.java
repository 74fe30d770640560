package org.readonlyrootfs.exporter.remediation;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The planner stays pure: only java.* imports, no I/O, no clock. */
class PurityTest {
    @Test
    void importsOnlyTheJdkAndDoesNoIoOrClockReads() throws IOException {
        Path dir = Path.of("src/main/java/org/readonlyrootfs/exporter/remediation");
        List<Path> sources;
        try (Stream<Path> s = Files.list(dir)) {
            sources = s.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertTrue(sources.size() > 5);
        for (Path source : sources) {
            for (String line : Files.readAllLines(source)) {
                String l = line.strip();
                if (l.startsWith("import ")) {
                    assertTrue(
                            l.startsWith("import java.util")
                                    || l.startsWith("import java.time.Instant;")
                                    || l.startsWith("import java.nio.charset."),
                            source + ": " + l);
                }
                for (String banned : List.of("System.", "Instant.now", "Clock", "java.io", "java.nio.file", "Thread")) {
                    assertTrue(!l.contains(banned) || l.startsWith("*") || l.startsWith("/"), source + ": " + l);
                }
            }
        }
    }
}
