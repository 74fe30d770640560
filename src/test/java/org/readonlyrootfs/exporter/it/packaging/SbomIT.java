package org.readonlyrootfs.exporter.it.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.readonlyrootfs.exporter.testing.Sbom;
import org.readonlyrootfs.exporter.testing.Sbom.Component;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The jar's CycloneDX SBOM, as {@code mvn package} writes it next to the jar: it lists exactly the
 * libraries the jar ships (Maven's runtime resolution, {@code target/runtime-dependencies.txt}, and the
 * {@code pom.properties} of every library shaded into the jar), each with its version, package URL and
 * licence; the XML says the same as the JSON; nothing in it changes from one build to the next.
 */
class SbomIT {
    private static final Path JAR = Path.of(
            System.getProperty("exporter.jar", "target/readonly-rootfs-exporter-" + Sbom.pomVersion() + ".jar"));
    private static final Path RUNTIME_DEPENDENCIES = Path.of("target", "runtime-dependencies.txt");
    private static final Pattern DEPENDENCY =
            Pattern.compile("^\\s+([\\w.-]+):([\\w.-]+):jar:([\\w.+-]+):(compile|runtime)\\b.*$", Pattern.MULTILINE);

    @Test
    void listsEveryRuntimeDependencyWithItsVersionAndLicence() throws IOException {
        assertTrue(
                Files.exists(Sbom.JAR_SBOM),
                Sbom.JAR_SBOM + " missing: mvn package writes it, but not with -o (Maven skips the CycloneDX plugin"
                        + " offline)");
        Map<String, String> runtime = runtimeDependencies();
        assertTrue(runtime.size() > 10, runtime.toString());
        Sbom sbom = Sbom.read(Sbom.JAR_SBOM);
        Map<String, Component> listed = sbom.byKey();

        Map<String, String> shaded = shadedLibraries();
        // exactly what ships: the runtime dependencies, and the libraries a dependency carries inside it
        // (zerodep's relocated httpclient5), which the pom declares as provided for the SBOM's sake
        java.util.Set<String> ships = new java.util.TreeSet<>(runtime.keySet());
        ships.addAll(shaded.keySet());
        ships.remove("org.readonlyrootfs:readonly-rootfs-exporter");
        assertEquals(ships, listed.keySet(), "the SBOM lists exactly what the jar ships");
        List<String> problems = new ArrayList<>();
        runtime.forEach((key, version) -> {
            Component c = listed.get(key);
            if (!c.version().equals(version)) {
                problems.add(key + ": version " + c.version() + ", Maven resolves " + version);
            }
            if (c.licenses().isEmpty()) {
                problems.add(key + ": no licence");
            }
            String purl = "pkg:maven/" + key.replace(':', '/') + "@" + version;
            if (!c.purl().startsWith(purl)) {
                problems.add(key + ": purl " + c.purl() + ", expected " + purl);
            }
        });
        shaded.forEach((key, version) -> {
            Component c = listed.get(key);
            if (c == null || !c.version().equals(version)) {
                problems.add(key + " " + version + " is in the jar, the SBOM says " + c);
            }
        });
        assertEquals(List.of(), problems);
        assertEquals("readonly-rootfs-exporter", sbom.subject());

        // reproducible: no build time, no random serial number
        var root = new ObjectMapper().readTree(Sbom.JAR_SBOM.toFile());
        assertFalse(root.has("serialNumber"), "a serial number is a fresh UUID per build");
        assertFalse(
                root.path("metadata").has("timestamp"), root.path("metadata").toString());
        assertEquals(
                "Apache-2.0",
                root.path("metadata")
                        .path("component")
                        .path("licenses")
                        .path(0)
                        .path("license")
                        .path("id")
                        .asText(),
                "the exporter's own licence, from the pom");

        Map<String, Integer> licences = new TreeMap<>();
        sbom.components().forEach(c -> c.licenses().forEach(l -> licences.merge(l, 1, Integer::sum)));
        System.err.printf(
                "[SbomIT] %s: %d components (CycloneDX %s), licences %s%n",
                Sbom.JAR_SBOM, sbom.components().size(), sbom.specVersion(), licences);
    }

    @Test
    void xmlListsTheSameComponentsAsJson() throws Exception {
        Path xml = Path.of(Sbom.JAR_SBOM.toString().replace(".cdx.json", ".cdx.xml"));
        var factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        var doc = factory.newDocumentBuilder().parse(xml.toFile());
        Map<String, String> fromXml = new TreeMap<>();
        for (Element components : children(doc.getDocumentElement(), "components")) { // not metadata's tools
            for (Element c : children(components, "component")) {
                fromXml.put(child(c, "group") + ":" + child(c, "name"), child(c, "version"));
            }
        }
        Map<String, String> fromJson = new TreeMap<>();
        Sbom.read(Sbom.JAR_SBOM).components().forEach(c -> fromJson.put(c.key(), c.version()));
        assertEquals(fromJson, fromXml);
    }

    /** group:artifact to version, from {@code mvn dependency:list -DincludeScope=runtime} (bound to package). */
    private static Map<String, String> runtimeDependencies() throws IOException {
        Map<String, String> deps = new TreeMap<>();
        Matcher m = DEPENDENCY.matcher(Files.readString(RUNTIME_DEPENDENCIES));
        while (m.find()) {
            deps.put(m.group(1) + ":" + m.group(2), m.group(3));
        }
        return deps;
    }

    /** group:artifact to version of every library in the shaded jar that carries its pom.properties. */
    private static Map<String, String> shadedLibraries() throws IOException {
        Map<String, String> libs = new TreeMap<>();
        try (JarFile jar = new JarFile(JAR.toFile())) {
            for (var e : java.util.Collections.list(jar.entries())) {
                if (!e.getName().startsWith("META-INF/maven/") || !e.getName().endsWith("/pom.properties")) {
                    continue;
                }
                Properties p = new Properties();
                try (InputStream in = jar.getInputStream(e)) {
                    p.load(in);
                }
                String key = p.getProperty("groupId") + ":" + p.getProperty("artifactId");
                if (!key.equals("org.readonlyrootfs:readonly-rootfs-exporter")) {
                    libs.put(key, p.getProperty("version"));
                }
            }
        }
        assertFalse(libs.isEmpty(), "no pom.properties in " + JAR);
        return libs;
    }

    /** The direct children of {@code e} named {@code name}. */
    private static List<Element> children(Element e, String name) {
        List<Element> found = new ArrayList<>();
        NodeList l = e.getChildNodes();
        for (int i = 0; i < l.getLength(); i++) {
            if (l.item(i) instanceof Element c && name.equals(c.getLocalName())) {
                found.add(c);
            }
        }
        return found;
    }

    private static String child(Element e, String name) {
        List<Element> l = children(e, name);
        return l.isEmpty() ? "" : l.get(0).getTextContent();
    }
}
