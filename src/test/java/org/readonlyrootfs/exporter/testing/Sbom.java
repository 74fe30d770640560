package org.readonlyrootfs.exporter.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A CycloneDX JSON SBOM, read for tests: its components with their versions and licences. The jar's
 * comes from the CycloneDX Maven plugin ({@code target/<finalName>.cdx.json}, {@code /app} in the image);
 * the images' Debian packages from their Dockerfiles ({@code /usr/share/sbom/debian-packages.cdx.json}).
 */
public record Sbom(String specVersion, String subject, List<Component> components) {
    /** The jar's SBOM next to it, as the build writes it. */
    public static final Path JAR_SBOM = Path.of("target", "readonly-rootfs-exporter-" + pomVersion() + ".cdx.json");
    /** In both images: the Debian packages their files come from. */
    public static final String DEBIAN_PACKAGES = "usr/share/sbom/debian-packages.cdx.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One component: Maven {@code group}, or empty for a Debian package; licences by SPDX id, name or expression. */
    public record Component(String group, String name, String version, String purl, List<String> licenses) {
        /** {@code group:name}, or the name alone. */
        public String key() {
            return group.isEmpty() ? name : group + ":" + name;
        }
    }

    public static Sbom read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    public static Sbom parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + e.getMessage());
        }
        if (!"CycloneDX".equals(root.path("bomFormat").asText())) {
            throw new AssertionError("not a CycloneDX document: bomFormat " + root.path("bomFormat"));
        }
        List<Component> components = new ArrayList<>();
        for (JsonNode c : root.path("components")) {
            List<String> licenses = new ArrayList<>();
            for (JsonNode l : c.path("licenses")) {
                String id = l.path("license").path("id").asText("");
                String name = l.path("license").path("name").asText("");
                String expression = l.path("expression").asText("");
                String value = !id.isEmpty() ? id : !name.isEmpty() ? name : expression;
                if (!value.isBlank()) {
                    licenses.add(value);
                }
            }
            components.add(new Component(
                    c.path("group").asText(""),
                    c.path("name").asText(),
                    c.path("version").asText(""),
                    c.path("purl").asText(""),
                    List.copyOf(licenses)));
        }
        return new Sbom(
                root.path("specVersion").asText(),
                root.path("metadata").path("component").path("name").asText(),
                List.copyOf(components));
    }

    /** Components by {@link Component#key()}. */
    public Map<String, Component> byKey() {
        Map<String, Component> m = new TreeMap<>();
        components.forEach(c -> m.put(c.key(), c));
        return m;
    }

    /** Every licence named, once each, sorted. */
    public List<String> licenses() {
        TreeSet<String> all = new TreeSet<>();
        components.forEach(c -> all.addAll(c.licenses()));
        return List.copyOf(all);
    }

    /** The project's version, from pom.xml's first top-level {@code <version>}. */
    public static String pomVersion() {
        return pomElement("version");
    }

    /** The text of a top-level element of pom.xml ({@code <url>}, {@code <version>}). */
    public static String pomElement(String element) {
        try {
            Matcher m = Pattern.compile("(?m)^  <" + element + ">([^<]+)</" + element + ">")
                    .matcher(Files.readString(Path.of("pom.xml")));
            if (!m.find()) {
                throw new AssertionError("no top-level <" + element + "> in pom.xml");
            }
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
