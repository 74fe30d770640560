package org.readonlyrootfs.exporter.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import org.readonlyrootfs.exporter.testing.Tools;

/**
 * The image's class-data archive, made here as the {@code Dockerfile} makes it: the ENTRYPOINT names
 * {@code -XX:SharedArchiveFile=/app/readonly-rootfs-exporter.jsa}, which exists only in the image; for a
 * run of a local jar with a local Java runtime the same training ({@code ClassDataTraining}, with the
 * ENTRYPOINT's other flags) makes an archive for that jar and runtime, kept under {@code target/class-data/}
 * and made again when the jar changes, and the flag names it instead. A jar without the training class
 * (an older build) runs without an archive, as it shipped.
 */
final class ClassDataArchive {
    private static final String FLAG = "-XX:SharedArchiveFile=";
    private static final String TRAINING = "org.readonlyrootfs.exporter.ClassDataTraining";

    private ClassDataArchive() {}

    /** The image's JVM flags for {@code jar} run by {@code java}, the archive flag naming a local archive. */
    static List<String> flags(List<String> imageFlags, Path java, Path jar) {
        List<String> others =
                imageFlags.stream().filter(f -> !f.startsWith(FLAG)).toList();
        if (others.size() == imageFlags.size()) {
            return imageFlags;
        }
        try {
            Path absoluteJar = jar.toAbsolutePath().normalize();
            if (!hasTraining(absoluteJar)) {
                return others;
            }
            Path dir = Path.of("target", "class-data").toAbsolutePath();
            Files.createDirectories(dir);
            Path archive = dir.resolve(absoluteJar.getFileName() + "-"
                    + Integer.toHexString(List.of(
                                    absoluteJar.toString(),
                                    Files.size(absoluteJar),
                                    Files.getLastModifiedTime(absoluteJar).toMillis(),
                                    java.toAbsolutePath().toString(),
                                    others)
                            .hashCode())
                    + ".jsa");
            if (!Files.isRegularFile(archive)) {
                List<String> cmd = new ArrayList<>(List.of(java.toString()));
                cmd.addAll(others);
                cmd.addAll(List.of(
                        "-XX:ArchiveClassesAtExit=" + archive,
                        "-Xlog:cds=off",
                        "-Xlog:cds+dynamic=off",
                        "-cp",
                        absoluteJar.toString(),
                        TRAINING));
                System.err.println("making the image's class-data archive for " + absoluteJar + ": " + archive);
                Tools.Run r = Tools.run(cmd, null, 300);
                if (r.exitCode() != 0 || !Files.isRegularFile(archive)) {
                    throw new IllegalStateException("class-data training failed: " + r.stderr() + r.stdout());
                }
            }
            List<String> flags = new ArrayList<>(others);
            flags.add(FLAG + archive);
            return flags;
        } catch (IOException e) {
            throw new IllegalStateException("cannot make the class-data archive: " + e.getMessage(), e);
        }
    }

    private static boolean hasTraining(Path jar) throws IOException {
        try (JarFile j = new JarFile(jar.toFile())) {
            return j.getEntry(TRAINING.replace('.', '/') + ".class") != null;
        }
    }
}
