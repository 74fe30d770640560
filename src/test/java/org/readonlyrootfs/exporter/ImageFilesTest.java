package org.readonlyrootfs.exporter;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.benchmark.ScanBenchmark;
import org.readonlyrootfs.exporter.config.CommandLine;
import org.readonlyrootfs.exporter.config.ConfigLoader;

/** The Dockerfile, .dockerignore and deploy/stack.yml agree with the code and the pom (ImageIT runs them). */
class ImageFilesTest {
    private static String read(String file) throws IOException {
        return Files.readString(Path.of(file));
    }

    private static String group(String regex, String text) {
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
        assertTrue(m.find(), regex);
        return m.group(1);
    }

    @Test
    void versionLabelDefaultIsThePomVersion() throws IOException {
        assertEquals(
                group("^  <version>([^<]+)</version>", read("pom.xml")),
                group("^ARG VERSION=(\\S+)$", read("Dockerfile")));
    }

    @Test
    void healthcheckRunsAMainClassOfTheJar() throws IOException {
        String healthcheck =
                group("^HEALTHCHECK (?:.*\\\\\\n)*.*\"(org\\.readonlyrootfs\\.[A-Za-z.]+)\"\\]$", read("Dockerfile"));
        assertEquals(HealthCheck.class.getName(), healthcheck);
        assertDoesNotThrow(() -> HealthCheck.class.getMethod("main", String[].class));
    }

    @Test
    void theClassDataTrainingRunsAsTheEntrypointDoes() throws IOException {
        // the JVM maps the archive only for the same jar path and the same flags: the training must use both
        String dockerfile = read("Dockerfile").replace("\\\n", " ");
        String entrypoint = group("(?m)^ENTRYPOINT\\s*\\[(.*)\\]\\s*$", dockerfile);
        List<String> runFlags = ScanBenchmark.imageJvmFlags(Path.of("Dockerfile"));
        String jar = group("\"-jar\",\\s*\"([^\"]+)\"", entrypoint);
        String archive = runFlags.stream()
                .filter(f -> f.startsWith("-XX:SharedArchiveFile="))
                .findFirst()
                .orElseThrow()
                .substring("-XX:SharedArchiveFile=".length());
        String training = group("(/rootfs/opt/java/bin/java [^;]*-XX:ArchiveClassesAtExit=[^;]*);", dockerfile);
        List<String> trainingFlags = List.of(
                        training.substring(0, training.indexOf(" -cp ")).split("\\s+"))
                .stream()
                .filter(f -> f.startsWith("-") && !f.startsWith("-Xlog:"))
                .toList();
        assertEquals(
                runFlags.stream()
                        .filter(f -> !f.startsWith("-XX:SharedArchiveFile="))
                        .toList(),
                trainingFlags.stream()
                        .filter(f -> !f.startsWith("-XX:ArchiveClassesAtExit="))
                        .toList(),
                "the training's JVM flags are the ENTRYPOINT's");
        assertTrue(trainingFlags.contains("-XX:ArchiveClassesAtExit=" + archive), training);
        assertTrue(training.contains(" -cp " + jar + " " + ClassDataTraining.class.getName()), training);
    }

    @Test
    void exposedAndPublishedPortsAreTheDefaultListenPort() throws IOException {
        int port = new ConfigLoader(Map.of()).load(CommandLine.parse()).web().port();
        assertEquals(Integer.toString(port), group("^EXPOSE (\\d+)$", read("Dockerfile")));
        String stack = read("deploy/stack.yml");
        assertEquals(Integer.toString(port), group("^      - target: (\\d+)$", stack));
        assertEquals(":" + port, group("^      READONLY_ROOTFS_WEB_LISTEN_ADDRESS: \"([^\"]+)\"$", stack));
    }

    @Test
    void theBuildContextHoldsWhatTheDockerfileCopies() throws IOException {
        List<String> ignore = read(".dockerignore")
                .lines()
                .filter(l -> !l.isBlank() && !l.startsWith("#"))
                .toList();
        assertEquals(List.of("*", "!pom.xml", "!src/main"), ignore);
        Matcher copies =
                Pattern.compile("^COPY (?!--from)(\\S+) ", Pattern.MULTILINE).matcher(read("Dockerfile"));
        while (copies.find()) {
            assertTrue(List.of("pom.xml", "src/main").contains(copies.group(1)), copies.group(1));
        }
    }
}
