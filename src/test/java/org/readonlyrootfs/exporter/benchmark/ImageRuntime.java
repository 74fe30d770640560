package org.readonlyrootfs.exporter.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.readonlyrootfs.exporter.testing.Tools;

/**
 * The image's Java runtime, made here the way the Dockerfile makes it: its {@code JLINK_MODULES} and its
 * jlink options, read from the Dockerfile, from this machine's JDK; the class-data archive for heaps over
 * 32 GB removed as there. Kept under {@code target/} and made again when the Dockerfile's step changes.
 */
final class ImageRuntime {
    private ImageRuntime() {}

    /** Returns the runtime's {@code bin/java}. */
    static Path build(Path dockerfile, Path target) throws IOException {
        String text = Files.readString(dockerfile).replace("\\\n", " ");
        Matcher modules = Pattern.compile("(?m)^ARG JLINK_MODULES=(\\S+)").matcher(text);
        Matcher jlink = Pattern.compile("jlink (.*?) --output ").matcher(text);
        if (!modules.find() || !jlink.find()) {
            throw new IllegalStateException("no ARG JLINK_MODULES or jlink step in " + dockerfile);
        }
        List<String> options = new ArrayList<>(Arrays.asList(jlink.group(1)
                .replace("\"$JLINK_MODULES\"", modules.group(1))
                .trim()
                .split("\\s+")));
        Path dir = target.resolve("image-runtime-" + Integer.toHexString(options.hashCode()));
        Path java = dir.resolve("bin/java");
        if (Files.isExecutable(java)) {
            return java;
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "jlink").toString());
        cmd.addAll(options);
        cmd.addAll(List.of("--output", dir.toString()));
        System.err.println("making the image's Java runtime: " + String.join(" ", cmd));
        Tools.Run r = Tools.run(cmd, null, 300);
        if (r.exitCode() != 0) {
            throw new IllegalStateException("jlink failed: " + r.stderr() + r.stdout());
        }
        Files.deleteIfExists(dir.resolve("lib/server/classes_nocoops.jsa"));
        return java;
    }
}
