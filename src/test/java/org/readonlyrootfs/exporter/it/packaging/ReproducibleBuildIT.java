package org.readonlyrootfs.exporter.it.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.testing.ImageBuild;
import org.readonlyrootfs.exporter.testing.Sbom;
import org.readonlyrootfs.exporter.testing.Tools;

/**
 * Two clean builds of the same commit give byte-identical jars and SBOMs: {@code git archive HEAD} into
 * two fresh directories, {@code mvn package} in each at the same time, with the commit's time as
 * {@code project.build.outputTimestamp} (what scripts/build-image.sh passes) and a different time zone,
 * locale, umask and directory, then SHA-256 of the shaded jar, the plain jar and both SBOMs. On a difference
 * the message lists the jar entries that differ (name, time, size or content).
 */
class ReproducibleBuildIT {
    private static final String JAR = "readonly-rootfs-exporter-" + Sbom.pomVersion() + ".jar";
    private static final List<String> ARTIFACTS = List.of(
            JAR,
            "original-" + JAR,
            JAR.replace(".jar", ".cdx.json"),
            JAR.replace(".jar", ".cdx.xml"),
            "classes/build.properties");

    private static Path dir;
    private static Path first;
    private static Path second;
    private static double seconds;

    @BeforeAll
    static void buildTwice() throws Exception {
        dir = Files.createTempDirectory("rre-reproducible-");
        first = dir.resolve("first");
        second = dir.resolve("second-build-in-a-longer-path");
        Tools.Run log = Tools.run(List.of("git", "log", "-1", "--format=%ct"), null, 30);
        assertEquals(0, log.exitCode(), "git is needed: " + log.stderr());
        String commitTime = java.time.Instant.ofEpochSecond(
                        Long.parseLong(log.stdout().trim()))
                .toString();
        long t0 = System.nanoTime();
        for (Path d : List.of(first, second)) {
            Files.createDirectories(d);
            Tools.Run archive =
                    Tools.run(List.of("sh", "-c", "git archive --format=tar HEAD | tar -x -C '" + d + "'"), null, 120);
            assertEquals(0, archive.exitCode(), archive.stderr());
        }
        // both at once: this is a CI-sized cost (two builds, no tests), so the wall time counts
        Process a = mvn(first, commitTime, "UTC", "C.UTF-8", "0022");
        Process b = mvn(second, commitTime, "Pacific/Chatham", "de_DE.UTF-8", "0002");
        await(a, first);
        await(b, second);
        seconds = (System.nanoTime() - t0) / 1e9;
    }

    @AfterAll
    static void removeTheTrees() throws IOException {
        if (dir != null) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Test
    void twoCleanBuildsOfTheSameCommitAreByteIdentical() throws IOException {
        Map<String, String> hashes = new LinkedHashMap<>();
        List<String> different = new ArrayList<>();
        for (String artifact : ARTIFACTS) {
            String x = sha256(first.resolve("target").resolve(artifact));
            String y = sha256(second.resolve("target").resolve(artifact));
            hashes.put(artifact, x);
            if (!x.equals(y)) {
                different.add(artifact + ": " + x + " vs " + y);
            }
        }
        String entries = different.isEmpty() ? "" : jarDifferences();
        assertEquals(List.of(), different, entries);
        try (ZipFile jar = new ZipFile(first.resolve("target").resolve(JAR).toFile())) {
            assertTrue(jar.size() > 1000, "the shaded jar holds the libraries");
        }
        System.err.printf(
                Locale.ROOT,
                "[ReproducibleBuildIT] two clean builds of HEAD (mvn package, no tests, side by side) in %.0f s: "
                        + "identical, %s sha256 %s%n",
                seconds,
                JAR,
                hashes.get(JAR));
    }

    /** {@code mvn package} without tests in {@code tree}, in the given time zone, locale and umask. */
    private static Process mvn(Path tree, String outputTimestamp, String tz, String locale, String umask)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(
                        "sh",
                        "-c",
                        "umask " + umask + " && exec mvn -B -ntp -q -Dmaven.test.skip=true"
                                + " -Dproject.build.outputTimestamp=" + outputTimestamp + " package")
                .directory(tree.toFile())
                .redirectErrorStream(true)
                .redirectOutput(tree.resolve("build.log").toFile());
        pb.environment().put("TZ", tz);
        pb.environment().put("LC_ALL", locale);
        pb.environment().put("LANG", locale);
        return pb.start();
    }

    private static void await(Process p, Path tree) throws InterruptedException {
        if (!p.waitFor(ImageBuild.BUILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String log = ImageBuild.read(tree.resolve("build.log"));
        assertEquals(0, p.exitValue(), "mvn package in " + tree + ":\n" + ImageBuild.tail(log, 40));
    }

    /** The shaded jar's entries that differ between the builds: name, time, size or CRC. */
    private static String jarDifferences() throws IOException {
        try (ZipFile x = new ZipFile(first.resolve("target").resolve(JAR).toFile());
                ZipFile y = new ZipFile(second.resolve("target").resolve(JAR).toFile())) {
            List<String> ex = x.stream().map(ZipEntry::getName).toList();
            List<String> ey = y.stream().map(ZipEntry::getName).toList();
            StringBuilder out = new StringBuilder();
            if (!ex.equals(ey)) {
                out.append("entry order or names differ\n");
            }
            for (String name : new TreeSet<>(ex)) {
                ZipEntry a = x.getEntry(name);
                ZipEntry b = y.getEntry(name);
                if (b == null || a.getTime() != b.getTime() || a.getSize() != b.getSize() || a.getCrc() != b.getCrc()) {
                    out.append(name)
                            .append(": ")
                            .append(describe(a))
                            .append(" vs ")
                            .append(describe(b))
                            .append('\n');
                }
            }
            return out.toString();
        }
    }

    private static String describe(ZipEntry e) {
        return e == null ? "absent" : e.getTime() + "/" + e.getSize() + "/" + Long.toHexString(e.getCrc());
    }

    private static String sha256(Path file) throws IOException {
        assertTrue(Files.exists(file), file + " not built");
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
