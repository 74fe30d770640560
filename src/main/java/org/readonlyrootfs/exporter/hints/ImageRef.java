package org.readonlyrootfs.exporter.hints;

import java.util.Locale;
import java.util.Optional;

/**
 * The one spelling under which an image reference is looked up, so that the exporter (which sees the
 * image as a container was created with it) and the plugin (which sees it as a create request names it)
 * agree: {@code nginx}, {@code nginx:latest}, {@code docker.io/library/nginx:latest} and {@code
 * index.docker.io/library/nginx} are all {@code nginx:latest}. A digest is kept; {@link #withoutDigest}
 * gives the tag alone, as swarm pins {@code nginx:1.25@sha256:…} on a service's image.
 */
final class ImageRef {
    /** Longer references are not looked up (Docker caps a reference at 255 characters per component). */
    static final int MAX_LENGTH = 512;

    private ImageRef() {}

    /** The lookup key of {@code image}; empty for a reference that is empty, too long or holds controls. */
    static Optional<String> key(String image) {
        if (image == null || image.isEmpty() || image.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        for (int i = 0; i < image.length(); i++) {
            char ch = image.charAt(i);
            if (ch <= ' ' || ch == 0x7f) {
                return Optional.empty();
            }
        }
        String ref = image;
        int at = ref.indexOf('@');
        String digest = at < 0 ? "" : ref.substring(at);
        String name = at < 0 ? ref : ref.substring(0, at);
        int slash = name.lastIndexOf('/');
        boolean tagged = name.lastIndexOf(':') > slash;
        String repo = tagged ? name.substring(0, name.lastIndexOf(':')) : name;
        String tag = tagged ? name.substring(name.lastIndexOf(':')) : (digest.isEmpty() ? ":latest" : "");
        for (String hub : new String[] {"docker.io/", "index.docker.io/", "registry-1.docker.io/"}) {
            if (repo.startsWith(hub)) {
                repo = repo.substring(hub.length());
                break;
            }
        }
        if (repo.startsWith("library/") && repo.indexOf('/', "library/".length()) < 0) {
            repo = repo.substring("library/".length());
        }
        if (repo.isEmpty()) {
            return Optional.empty();
        }
        // repositories are lower case; a registry host may not be, but Docker resolves it case-insensitively
        return Optional.of(repo.toLowerCase(Locale.ROOT) + tag + digest.toLowerCase(Locale.ROOT));
    }

    /** The key without its {@code @digest}, if it has a tag besides: {@code nginx:1.25@sha256:…} → {@code nginx:1.25}. */
    static Optional<String> withoutDigest(String key) {
        int at = key.indexOf('@');
        if (at < 0) {
            return Optional.empty();
        }
        String name = key.substring(0, at);
        return name.lastIndexOf(':') > name.lastIndexOf('/') ? Optional.of(name) : Optional.empty();
    }
}
