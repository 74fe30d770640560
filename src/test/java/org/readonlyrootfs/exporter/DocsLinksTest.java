package org.readonlyrootfs.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.readonlyrootfs.exporter.monitoring.MonitoringFiles;
import org.readonlyrootfs.exporter.testing.Markdown;

/**
 * Every relative link and {@code #anchor} of the README and of docs/ resolves, every alert's
 * {@code runbook_url} lands on a section of docs/alerts.md, and the README stays short.
 */
class DocsLinksTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path README = Path.of("README.md");
    private static final Path DOCS = Path.of("docs");
    private static final long README_MAX_BYTES = 15_000;
    private static final String BLOB_MAIN =
            "https://github.com/readonly-rootfs-exporter/readonly-rootfs-exporter/blob/main/";

    /** README.md and every Markdown file under docs/. */
    private static List<Path> markdownFiles(Path root) throws IOException {
        List<Path> out = new ArrayList<>();
        out.add(root.resolve(README));
        try (Stream<Path> files = Files.walk(root.resolve(DOCS))) {
            files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(out::add);
        }
        return out;
    }

    /**
     * What is wrong with the links of one Markdown file: a target that does not exist (or lies
     * outside the repository), an anchor that is no heading of its Markdown file. Links with a
     * scheme (https:, mailto: …) are not followed.
     */
    static List<String> brokenLinks(Path root, Path file, Map<Path, Set<String>> anchorCache) throws IOException {
        List<String> problems = new ArrayList<>();
        for (Markdown.Link link : Markdown.links(Files.readString(file))) {
            String where = root.relativize(file) + ":" + link.line() + ": (" + link.target() + ")";
            String target = link.target();
            if (target.matches("[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
                continue;
            }
            if (target.isEmpty()) {
                problems.add(where + " empty link");
                continue;
            }
            int hash = target.indexOf('#');
            String path = URLDecoder.decode(hash < 0 ? target : target.substring(0, hash), StandardCharsets.UTF_8);
            String anchor = hash < 0 ? null : URLDecoder.decode(target.substring(hash + 1), StandardCharsets.UTF_8);
            Path resolved = path.isEmpty()
                    ? file
                    : (path.startsWith("/")
                                    ? root.resolve(path.substring(1))
                                    : file.getParent().resolve(path))
                            .normalize();
            if (!resolved.startsWith(root)) {
                problems.add(where + " points outside the repository");
                continue;
            }
            if (!Files.exists(resolved)) {
                problems.add(where + " " + root.relativize(resolved) + " does not exist");
                continue;
            }
            if (anchor == null) {
                continue;
            }
            if (resolved.toString().endsWith(".md")) {
                Set<String> anchors = anchorCache.computeIfAbsent(resolved, DocsLinksTest::anchorsOf);
                if (!anchors.contains(anchor)) {
                    problems.add(
                            where + " no heading #" + anchor + " in " + root.relativize(resolved) + ": " + anchors);
                }
            } else if (Files.isDirectory(resolved) || !anchor.matches("L\\d+(-L\\d+)?")) {
                problems.add(where + " #" + anchor + " on a file that is not Markdown");
            }
        }
        return problems;
    }

    private static Set<String> anchorsOf(Path markdownFile) {
        try {
            return Markdown.anchors(Files.readString(markdownFile));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void everyRelativeLinkAndAnchorResolves() throws IOException {
        List<String> problems = new ArrayList<>();
        Map<Path, Set<String>> cache = new HashMap<>();
        int links = 0;
        for (Path f : markdownFiles(ROOT)) {
            links += Markdown.links(Files.readString(f)).size();
            problems.addAll(brokenLinks(ROOT, f, cache));
        }
        assertTrue(links > 50, "only " + links + " links found: is the link parser broken?");
        assertEquals(List.of(), problems);
    }

    @Test
    void theReadmeIsShort() throws IOException {
        long size = Files.size(README);
        assertTrue(
                size <= README_MAX_BYTES,
                README + " is " + size + " bytes, more than " + README_MAX_BYTES + ": move the detail into docs/");
    }

    /** The README's documentation list reaches every page of docs/. */
    @Test
    void theReadmeLinksEveryDocsPage() throws IOException {
        Path readme = ROOT.resolve(README);
        Set<Path> linked = new HashSet<>();
        for (Markdown.Link link : Markdown.links(Files.readString(readme))) {
            String path = link.target().replaceFirst("#.*", "");
            if (!path.isEmpty() && !path.matches("[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
                linked.add(readme.getParent().resolve(path).normalize());
            }
        }
        List<String> missing = new ArrayList<>();
        for (Path f : markdownFiles(ROOT)) {
            if (!f.equals(readme) && !linked.contains(f)) {
                missing.add(ROOT.relativize(f).toString());
            }
        }
        assertEquals(List.of(), missing, "docs pages the README does not link");
    }

    /** Every runbook_url of the rules and of their promtool tests is a section of docs/alerts.md. */
    @Test
    void everyRunbookUrlLandsOnASectionOfTheAlertsDoc() throws IOException {
        List<Path> yamlFiles = new ArrayList<>();
        for (Path dir : List.of(MonitoringFiles.RULES.getParent(), MonitoringFiles.RULE_TESTS)) {
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(f -> f.toString().endsWith(".yml") || f.toString().endsWith(".yaml"))
                        .sorted()
                        .forEach(yamlFiles::add);
            }
        }
        Set<String> anchors = anchorsOf(MonitoringFiles.ALERTS_DOC);
        List<String> problems = new ArrayList<>();
        int urls = 0;
        for (Path f : yamlFiles) {
            List<String> found = new ArrayList<>();
            runbookUrls(MonitoringFiles.readYaml(f), found);
            urls += found.size();
            for (String url : found) {
                if (!url.startsWith(BLOB_MAIN + "docs/alerts.md#")) {
                    problems.add(f + ": " + url + " is not " + BLOB_MAIN + "docs/alerts.md#<alert>");
                } else if (!anchors.contains(url.substring(url.indexOf('#') + 1))) {
                    problems.add(f + ": " + url + ": no such heading in " + MonitoringFiles.ALERTS_DOC);
                }
            }
        }
        assertTrue(urls >= MonitoringFiles.alerts().size() * 2, "only " + urls + " runbook_url found in " + yamlFiles);
        assertEquals(List.of(), problems);
    }

    private static void runbookUrls(JsonNode node, List<String> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (e.getKey().equals("runbook_url")) {
                    out.add(e.getValue().asText());
                } else {
                    runbookUrls(e.getValue(), out);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> runbookUrls(n, out));
        }
    }

    /** GitHub's anchors: punctuation dropped, repeated headings numbered, code blocks not headings. */
    @Test
    void anchorsFollowGitHubsRules() {
        String md = """
                # Read-only by construction
                ## `check`, for cron jobs and pipelines
                ## Faults
                ```sh
                # a comment, not a heading
                ```
                ## Faults
                ### TLS to the Docker daemon (v2.0) ##
                ## Faults
                """;
        assertEquals(
                List.of(
                        "read-only-by-construction",
                        "check-for-cron-jobs-and-pipelines",
                        "faults",
                        "faults-1",
                        "tls-to-the-docker-daemon-v20",
                        "faults-2"),
                List.copyOf(Markdown.anchors(md)));
        assertEquals("readonlyrootfswritablecontainer", Markdown.anchor("ReadonlyRootfsWritableContainer"));
        assertEquals("see-the-readme", Markdown.anchor("See [the README](../README.md)"));
    }

    /** The checker finds a missing file, a missing anchor, a broken link wrapped over two lines; not code. */
    @Test
    void brokenLinksAreFound(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(
                root.resolve("docs/alerts.md"), "# Alerts\n\n## ReadonlyRootfsDockerDown\n\n## Faults\n\n## Faults\n");
        Files.writeString(root.resolve("README.md"), """
                # Title

                [ok](docs/alerts.md#readonlyrootfsdockerdown), [ok too](docs/alerts.md#faults-1),
                [self](#title), [external](https://example.com/nowhere.md#x), [mail](mailto:a@b.c),
                [gone](docs/metrics.md), [no anchor](docs/alerts.md#readonlyrootfsdockerup),
                [wrapped
                text](#nowhere), [twice](docs/alerts.md#faults-2), [out](../../etc/passwd)
                `[in code](docs/missing.md)`

                ```
                [in a fence](docs/missing.md)
                ```
                """);
        List<String> problems = brokenLinks(root, root.resolve("README.md"), new HashMap<>());
        assertEquals(5, problems.size(), problems.toString());
        assertTrue(
                problems.get(0).startsWith("README.md:5: (docs/metrics.md) docs/metrics.md does not exist"),
                problems.get(0));
        assertTrue(
                problems.get(1).startsWith("README.md:5: (docs/alerts.md#readonlyrootfsdockerup) no heading"),
                problems.get(1));
        assertTrue(problems.get(2).startsWith("README.md:6: (#nowhere) no heading #nowhere"), problems.get(2));
        assertTrue(problems.get(3).startsWith("README.md:7: (docs/alerts.md#faults-2) no heading"), problems.get(3));
        assertTrue(problems.get(4).startsWith("README.md:7: (../../etc/passwd) points outside"), problems.get(4));
    }
}
