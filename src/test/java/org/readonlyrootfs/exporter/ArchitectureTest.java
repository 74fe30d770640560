package org.readonlyrootfs.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages' layers, read from the main sources' imports: a package imports only packages of a lower
 * layer (never one of its own layer or above), the pure ones import no I/O, and each library stays in the
 * packages that own it.
 */
class ArchitectureTest {
    private static final Path MAIN = Path.of("src/main/java/org/readonlyrootfs/exporter");
    private static final String ROOT = "org.readonlyrootfs.exporter";
    private static final Pattern IMPORT =
            Pattern.compile("^import (?:static )?([\\w.]+)(?:\\.\\*)?;", Pattern.MULTILINE);

    /** Layer of each package, lowest first; the root package (Main, the wiring) sits on top. */
    private static final Map<String, Integer> LAYER = Map.ofEntries(
            Map.entry("product", 0),
            Map.entry("compliance", 0),
            Map.entry("security", 0),
            Map.entry("remediation", 1),
            Map.entry("authz", 1),
            Map.entry("docker", 2),
            Map.entry("config", 3),
            Map.entry("scan", 4),
            Map.entry("metrics", 5),
            Map.entry("evidence", 5),
            Map.entry("http", 6),
            Map.entry("plugin", 6),
            Map.entry("", 7));

    /** Packages with no I/O: verdicts, rule texts and plans are pure functions of their input. */
    private static final List<String> PURE = List.of("compliance", "remediation", "authz");

    @Test
    void everyPackageHasALayer() throws IOException {
        for (String pkg : packages()) {
            assertTrue(LAYER.containsKey(pkg), "package " + ROOT + "." + pkg + " has no layer in ArchitectureTest");
        }
    }

    @Test
    void importsRunOnlyDownwards() throws IOException {
        List<String> upward = new ArrayList<>();
        for (Path file : sources()) {
            String from = packageOf(file);
            for (String imported : imports(file)) {
                if (!imported.startsWith(ROOT + ".")) {
                    continue;
                }
                String rest = imported.substring(ROOT.length() + 1);
                String to = Character.isUpperCase(rest.charAt(0)) ? "" : rest.substring(0, rest.indexOf('.'));
                if (!to.equals(from) && LAYER.getOrDefault(to, 99) >= LAYER.getOrDefault(from, -1)) {
                    upward.add(MAIN.relativize(file) + " imports " + imported);
                }
            }
        }
        assertEquals(List.of(), upward, "imports that run sideways or back up");
    }

    @Test
    void pureCoreDoesNoIo() throws IOException {
        List<String> impure = new ArrayList<>();
        for (Path file : sources()) {
            if (!PURE.contains(packageOf(file))) {
                continue;
            }
            for (String imported : imports(file)) {
                if (imported.startsWith("java.io")
                        || imported.startsWith("java.net")
                        || imported.startsWith("java.nio") && !imported.startsWith("java.nio.charset")
                        || imported.startsWith("io.prometheus")
                        || imported.startsWith("com.github.dockerjava")
                        || imported.startsWith("org.slf4j")
                        || imported.startsWith("java.lang.Thread")) {
                    impure.add(MAIN.relativize(file) + " imports " + imported);
                }
            }
        }
        assertEquals(List.of(), impure);
    }

    @Test
    void librariesStayInTheirPackages() throws IOException {
        Map<String, List<String>> owners = Map.of(
                "com.github.dockerjava", List.of("docker"),
                "io.prometheus", List.of("metrics", "http", ""),
                "com.typesafe.config", List.of("config"));
        List<String> strays = new ArrayList<>();
        for (Path file : sources()) {
            String pkg = packageOf(file);
            for (String imported : imports(file)) {
                owners.forEach((library, allowed) -> {
                    if (imported.startsWith(library) && !allowed.contains(pkg)) {
                        strays.add(MAIN.relativize(file) + " imports " + imported);
                    }
                });
            }
        }
        assertEquals(List.of(), strays);
    }

    private static List<Path> sources() throws IOException {
        try (Stream<Path> files = Files.walk(MAIN)) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        }
    }

    private static TreeSet<String> packages() throws IOException {
        TreeSet<String> all = new TreeSet<>();
        for (Path f : sources()) {
            all.add(packageOf(f));
        }
        return all;
    }

    private static String packageOf(Path file) {
        Path dir = MAIN.relativize(file).getParent();
        return dir == null ? "" : dir.toString().replace('/', '.');
    }

    private static List<String> imports(Path file) throws IOException {
        Matcher m = IMPORT.matcher(Files.readString(file));
        List<String> all = new ArrayList<>();
        while (m.find()) {
            all.add(m.group(1));
        }
        return all;
    }
}
