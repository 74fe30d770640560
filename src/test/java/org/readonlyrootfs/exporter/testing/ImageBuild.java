package org.readonlyrootfs.exporter.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the repository's scripts against a {@link PrivateDockerd}: {@code scripts/build-image.sh} (the
 * Dockerfile, with base images made from Debian packages and cached in {@code /var/cache/rre-image}),
 * and the docker CLI with extra environment (e.g. variables of a stack file). Output goes to log files
 * under {@code target/image-it/}, whose tail is in every failure message.
 */
public final class ImageBuild {
    /** A cold cache debootstraps Debian and installs a JDK: minutes. A warm one takes about a minute. */
    public static final long BUILD_TIMEOUT_SECONDS = 20 * 60;

    public static final Path LOGS = Path.of("target", "image-it");

    /** What a build took. */
    public record Built(String image, double seconds, boolean warmCache, Path log) {}

    private ImageBuild() {}

    /** {@code scripts/build-image.sh --tag TAG} against the daemon; fails with the log's tail. */
    public static Built build(PrivateDockerd dockerd, String tag) {
        Path log = LOGS.resolve("build-image.log");
        long t0 = System.nanoTime();
        int exit = run(
                List.of("bash", "scripts/build-image.sh", "--tag", tag), dockerd, Map.of(), log, BUILD_TIMEOUT_SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        String text = read(log);
        if (exit != 0) {
            throw new AssertionError(
                    "scripts/build-image.sh failed (exit " + exit + "), log " + log + ":\n" + tail(text, 40));
        }
        boolean warm = !text.contains("debootstrap --variant") && !text.contains("building rre-build-base");
        return new Built(tag, seconds, warm, log);
    }

    /** {@code scripts/build-image.sh --socket-proxy --tag TAG}: the socket proxy's image; fails with the log's tail. */
    public static Built buildSocketProxy(PrivateDockerd dockerd, String tag) {
        Path log = LOGS.resolve("build-socket-proxy-image.log");
        long t0 = System.nanoTime();
        int exit = run(
                List.of("bash", "scripts/build-image.sh", "--socket-proxy", "--tag", tag),
                dockerd,
                Map.of(),
                log,
                BUILD_TIMEOUT_SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        String text = read(log);
        if (exit != 0) {
            throw new AssertionError("scripts/build-image.sh --socket-proxy failed (exit " + exit + "), log " + log
                    + ":\n" + tail(text, 40));
        }
        return new Built(tag, seconds, !text.contains("debootstrap --variant"), log);
    }

    /** {@code docker -H <daemon> args...} with {@code extraEnv}; returns stdout, fails with the output. */
    public static String docker(PrivateDockerd dockerd, Map<String, String> extraEnv, String... args) {
        Path log = LOGS.resolve("docker-" + args[0] + ".log");
        List<String> cmd = new ArrayList<>(List.of(Tools.require("docker").toString(), "-H", dockerd.host()));
        cmd.addAll(List.of(args));
        int exit = run(cmd, dockerd, extraEnv, log, 300);
        String text = read(log);
        if (exit != 0) {
            throw new AssertionError("failed (exit " + exit + "): " + String.join(" ", cmd) + "\n" + tail(text, 30));
        }
        return text;
    }

    /** {@code docker-compose args...} (Debian's, 1.29) against the daemon with {@code extraEnv}; fails with the output. */
    public static String compose(PrivateDockerd dockerd, Map<String, String> extraEnv, String... args) {
        return compose(Tools.require("docker-compose"), dockerd, extraEnv, args);
    }

    /**
     * {@code COMPOSE args...} against the daemon with {@code extraEnv}, where {@code compose} is a
     * {@code docker-compose} binary: Debian 12's 1.29 or {@link Engine#composeV2()}; fails with the output.
     */
    public static String compose(Path compose, PrivateDockerd dockerd, Map<String, String> extraEnv, String... args) {
        // docker-compose-bin-up.log (1.29 from /usr/bin), docker-compose-cli-plugins-up.log (v2)
        Path log = LOGS.resolve(
                compose.getFileName() + "-" + compose.getParent().getFileName() + "-" + args[args.length - 1] + ".log");
        List<String> cmd = new ArrayList<>(List.of(compose.toString()));
        cmd.addAll(List.of(args));
        int exit = run(cmd, dockerd, extraEnv, log, 300);
        String text = read(log);
        if (exit != 0) {
            throw new AssertionError("failed (exit " + exit + "): " + String.join(" ", cmd) + "\n" + tail(text, 30));
        }
        return text;
    }

    /** Runs {@code cmd} in the project directory with the daemon's CLI environment; output to {@code log}. */
    static int run(
            List<String> cmd, PrivateDockerd dockerd, Map<String, String> extraEnv, Path log, long timeoutSeconds) {
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            Map<String, String> env = pb.environment();
            for (String k : List.of(
                    "DOCKER_CONTEXT", "DOCKER_TLS", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_API_VERSION")) {
                env.remove(k);
            }
            env.put("DOCKER_HOST", dockerd.host());
            env.put("DOCKER_CONFIG", dockerd.dir().resolve("cli-config").toString());
            env.put("DOCKER_CLI_HINTS", "false");
            env.put("PATH", env.getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/local/sbin:/usr/sbin:/sbin");
            env.putAll(extraEnv);
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError(
                        "timed out after " + timeoutSeconds + " s: " + cmd + "\n" + tail(read(log), 30));
            }
            return p.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted: " + cmd, e);
        }
    }

    /**
     * Exports a container of {@code image} to {@code LOGS/tarName} and returns the paths it holds, after
     * checking that none is setuid or setgid and that there is no shell, fetcher or package tool.
     */
    public static List<String> exportedFiles(PrivateDockerd dockerd, String image, String tarName) throws IOException {
        Files.createDirectories(LOGS);
        Path tar = LOGS.resolve(tarName);
        String container = dockerd.docker("create", "--network", "none", image);
        try {
            dockerd.docker("export", "--output", tar.toAbsolutePath().toString(), container);
        } finally {
            dockerd.docker("rm", container);
        }
        Tools.Run listing = Tools.run(List.of("tar", "-tvf", tar.toString()), null, 60);
        if (listing.exitCode() != 0) {
            throw new AssertionError("tar -tvf " + tar + ": " + listing.stderr());
        }
        List<String> files = new ArrayList<>();
        for (String line : listing.stdout().lines().toList()) {
            String mode = line.substring(0, 10);
            String path = line.substring(line.lastIndexOf(' ') + 1);
            files.add(path);
            if (mode.charAt(3) == 's' || mode.charAt(3) == 'S' || mode.charAt(6) == 's' || mode.charAt(6) == 'S') {
                throw new AssertionError("setuid/setgid in " + image + ": " + line);
            }
            if (path.matches("(.*/)?(sh|bash|dash|ash|busybox|curl|wget|apt|apt-get|dpkg)")) {
                throw new AssertionError("unwanted in " + image + ": " + line);
            }
        }
        return files;
    }

    /** One file's text out of an exported file system ({@link #exportedFiles}'s tar); fails if it is not there. */
    public static String fileInTar(Path tar, String path) {
        Tools.Run r = Tools.run(List.of("tar", "-xOf", tar.toString(), path), null, 60);
        if (r.exitCode() != 0) {
            throw new AssertionError("no " + path + " in " + tar + ": " + r.stderr());
        }
        return r.stdout();
    }

    /** The image's labels, from {@code docker image inspect}. */
    public static Map<String, String> labels(PrivateDockerd dockerd, String image) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper()
                    .readValue(
                            dockerd.docker("image", "inspect", "--format", "{{json .Config.Labels}}", image),
                            new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() {});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The OCI labels scripts/build-image.sh gives both images: version and source from pom.xml, revision
     * the commit (or {@code <commit>-dirty}), created the commit's time (a dirty tree: the build's time),
     * the licences given, a title and a description. Returns the labels.
     */
    public static Map<String, String> assertOciLabels(PrivateDockerd dockerd, String image, String licenses) {
        Map<String, String> labels = labels(dockerd, image);
        String prefix = "org.opencontainers.image.";
        java.util.function.Function<String, String> label = k -> {
            String v = labels.get(prefix + k);
            if (v == null || v.isBlank()) {
                throw new AssertionError("no label " + prefix + k + " on " + image + ": " + labels);
            }
            return v;
        };
        List<String> problems = new ArrayList<>();
        expect(problems, "version", Sbom.pomVersion(), label.apply("version"));
        expect(problems, "source", Sbom.pomElement("url"), label.apply("source"));
        expect(problems, "licenses", licenses, label.apply("licenses"));
        String revision = label.apply("revision");
        String created = label.apply("created");
        label.apply("title");
        label.apply("description");
        if (!revision.matches("[0-9a-f]{40}(-dirty)?")) {
            problems.add("revision [" + revision + "]");
        }
        java.time.Instant when = java.time.Instant.parse(created);
        if (revision.endsWith("-dirty")) {
            if (when.isBefore(java.time.Instant.now().minus(java.time.Duration.ofDays(1)))) {
                problems.add("created [" + created + "] of a dirty tree is not the build's time");
            }
        } else {
            Tools.Run commitTime = Tools.run(List.of("git", "show", "--no-patch", "--format=%ct", revision), null, 30);
            expect(
                    problems,
                    "created (the commit's time)",
                    java.time.Instant.ofEpochSecond(
                                    Long.parseLong(commitTime.stdout().trim()))
                            .toString(),
                    created);
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("labels of " + image + ": " + problems + "\n" + labels);
        }
        return labels;
    }

    private static void expect(List<String> problems, String what, String expected, String actual) {
        if (!expected.equals(actual)) {
            problems.add(what + " [" + actual + "], expected [" + expected + "]");
        }
    }

    /**
     * The Debian packages SBOM of an image ({@link Sbom#DEBIAN_PACKAGES}): CycloneDX, every package with a
     * version, a purl and a licence (or a pointer to its copyright file, which the image then holds), and
     * {@code expected} among them.
     */
    public static Sbom assertDebianPackagesSbom(Path tar, List<String> files, String... expected) {
        Sbom sbom = Sbom.parse(fileInTar(tar, Sbom.DEBIAN_PACKAGES));
        List<String> problems = new ArrayList<>();
        for (Sbom.Component c : sbom.components()) {
            if (c.version().isEmpty()
                    || !c.purl().startsWith("pkg:deb/debian/")
                    || c.licenses().isEmpty()) {
                problems.add(c.toString());
            }
            if (!files.contains("usr/share/doc/" + c.name() + "/copyright")) {
                problems.add(c.name() + ": no usr/share/doc/" + c.name() + "/copyright in the image");
            }
        }
        for (String name : expected) {
            if (sbom.components().stream().noneMatch(c -> c.name().equals(name))) {
                problems.add("no " + name + " in " + sbom.components());
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(Sbom.DEBIAN_PACKAGES + ": " + problems);
        }
        return sbom;
    }

    public static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    public static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
}
