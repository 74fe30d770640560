# readonly-rootfs-exporter: a container image that passes its own check (DISA STIG V-260936).
#
# Run it with a read-only root filesystem and nothing writable at all:
#   docker run -d --name readonly-rootfs-exporter --read-only --cap-drop ALL \
#     --security-opt no-new-privileges --group-add "$(stat -c %g /var/run/docker.sock)" \
#     -v /var/run/docker.sock:/var/run/docker.sock:ro -p 9966:9966 readonly-rootfs-exporter:0.1.0
#
# Both base images are build arguments, so the image builds where Docker Hub is not reachable
# (scripts/build-image.sh makes them from Debian packages):
#   BUILD_IMAGE    any image with a JDK 17 or later (java, jlink, jar), Maven 3.8+ and ldd
#   RUNTIME_IMAGE  scratch (the default) or an image without its own libc, such as
#                  gcr.io/distroless/static-debian12: the build stage assembles the whole runtime
#                  file system (a jlink-made Java runtime, the shared libraries it links against, the
#                  jar, /etc/passwd), so the result has no shell, no package manager, no setuid file.
# Works with the classic builder and with BuildKit (no RUN --mount).
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=scratch

FROM ${BUILD_IMAGE} AS build
WORKDIR /src

# Dependencies and plugins first: this layer is rebuilt only when pom.xml changes. Packaging the bare
# pom runs every plugin of the real build, so the next step downloads nothing (it is not -o: Maven skips
# the CycloneDX plugin offline).
COPY pom.xml ./
RUN mvn -B -ntp -q -Dmaven.test.skip=true package && rm -rf target

COPY src/main ./src/main
# The commit's time (scripts/build-image.sh): the jar's file times, so the same commit gives the same jar.
ARG CREATED=
RUN mvn -B -ntp -q -Dmaven.test.skip=true ${CREATED:+-Dproject.build.outputTimestamp=$CREATED} package

# Only the modules the exporter uses (jdk.crypto.ec: TLS to the daemon with EC keys and ECDHE; java.management and
# jdk.management: the process_* and jvm_* metrics, CPU time and open files included).
ARG JLINK_MODULES=java.base,java.management,java.naming,java.sql,jdk.crypto.ec,jdk.httpserver,jdk.management,jdk.unsupported
RUN set -eu; \
    mkdir -p /rootfs/app /rootfs/etc /rootfs/tmp; \
    jlink --add-modules "$JLINK_MODULES" --strip-java-debug-attributes --no-man-pages --no-header-files --compress=2 \
      --generate-cds-archive --output /rootfs/opt/java; \
    # the class-data archive for heaps over 32 GB is 10 MB the exporter never uses
    rm -f /rootfs/opt/java/lib/server/classes_nocoops.jsa; \
    # the jar has no native library: the unix socket is the JDK's own (UnixDomainSocketAddress)
    cp target/readonly-rootfs-exporter-*.jar /rootfs/app/readonly-rootfs-exporter.jar; \
    # the jar's SBOM (CycloneDX, from the Maven build) next to it
    cp target/readonly-rootfs-exporter-*.cdx.json /rootfs/app/readonly-rootfs-exporter.cdx.json; \
    cp target/readonly-rootfs-exporter-*.cdx.xml /rootfs/app/readonly-rootfs-exporter.cdx.xml; \
    # The shared libraries the runtime links against (glibc, zlib, ...), from this build image.
    find /rootfs -type f \( -name '*.so' -o -perm -u+x \) -exec ldd {} + 2>/dev/null \
      | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $2 ~ /^\(0x/ { print $1 }' \
      | grep -v '^/rootfs/' | sort -u > /tmp/libs; \
    test -s /tmp/libs; \
    # glibc loads libgcc_s at run time (thread cancellation, backtraces) without a DT_NEEDED entry
    gcc_s="$(ldconfig -p | awk '$1 == "libgcc_s.so.1" { print $NF; exit }')"; \
    if [ -n "$gcc_s" ]; then echo "$gcc_s" >> /tmp/libs; fi; \
    while read -r lib; do cp --parents -L "$lib" /rootfs/; done < /tmp/libs; \
    # The Debian packages the runtime's files come from (the jlink runtime: the JDK's jmods), as a CycloneDX
    # SBOM, with their copyright files; the same step is in deploy/socket-proxy/Dockerfile.
    echo "$(dirname "$(dirname "$(readlink -f "$(command -v jlink)")")")/jmods/java.base.jmod" >> /tmp/libs; \
    mkdir -p /rootfs/usr/share/sbom; \
    while read -r f; do \
      dpkg-query -S "$f" 2>/dev/null || dpkg-query -S "$(readlink -f "$f")" 2>/dev/null || echo "no Debian package owns $f" >&2; \
    done < /tmp/libs | sed -n 's/^\([^:, ]*\).*/\1/p' | sort -u > /tmp/packages; \
    { printf '{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"metadata":{"component":{"type":"container","name":"readonly-rootfs-exporter"}},"components":['; \
      sep=''; while read -r p; do \
        v="$(dpkg-query -W -f '${Version}' "$p")"; copyright="/usr/share/doc/$p/copyright"; \
        lic="$(sed -n 's/^License: *\([^ ]\{1,\}\).*/\1/p' "$copyright" 2>/dev/null | tr -d '"\\' | sort -u \
          | awk '{ printf "%s{\"license\":{\"name\":\"%s\"}}", (NR > 1 ? "," : ""), $0 }')"; \
        if [ -z "$lic" ]; then lic="{\"license\":{\"name\":\"see $copyright\"}}"; fi; \
        if [ -f "$copyright" ]; then cp --parents -L "$copyright" /rootfs/; fi; \
        printf '%s{"type":"library","name":"%s","version":"%s","purl":"pkg:deb/debian/%s@%s?arch=%s","licenses":[%s]}' \
          "$sep" "$p" "$v" "$(printf %s "$p" | sed 's/+/%2B/g')" "$(printf %s "$v" | sed 's/:/%3A/g; s/+/%2B/g')" \
          "$(dpkg-query -W -f '${Architecture}' "$p")" "$lic"; \
        sep=','; \
      done < /tmp/packages; printf ']}\n'; } > /rootfs/usr/share/sbom/debian-packages.cdx.json; \
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' \
      > /rootfs/etc/passwd; \
    printf 'root:x:0:\nnonroot:x:65532:\n' > /rootfs/etc/group; \
    printf 'hosts: files dns\n' > /rootfs/etc/nsswitch.conf; \
    chmod 1777 /rootfs/tmp; \
    /rootfs/opt/java/bin/java -XX:-UsePerfData -jar /rootfs/app/readonly-rootfs-exporter.jar --version; \
    # Class-data sharing (docs/performance.md#start-up): a training run archives the classes a start loads, already
    # parsed and verified, and the ENTRYPOINT maps the archive. ClassDataTraining starts the exporter against a
    # stand-in daemon on a loopback port (no Docker here), scans once and reads every endpoint. The JVM maps an
    # archive only for the same jar (path, size, time) and runtime: /app is the jar's path at run time. The flags
    # are the ENTRYPOINT's (ImageFilesTest compares them), so that the training loads what a start loads.
    test ! -e /app; ln -s /rootfs/app /app; \
    /rootfs/opt/java/bin/java -XX:MaxRAMPercentage=40 -XX:MinRAMPercentage=40 -Xms16m -XX:+UseSerialGC \
      -XX:TieredStopAtLevel=1 -XX:-UsePerfData -XX:+ExitOnOutOfMemoryError -Djdk.nio.maxCachedBufferSize=262144 \
      -XX:ArchiveClassesAtExit=/app/readonly-rootfs-exporter.jsa -Xlog:cds=off -Xlog:cds+dynamic=off \
      -cp /app/readonly-rootfs-exporter.jar org.readonlyrootfs.exporter.ClassDataTraining; \
    # -Xshare:on: the build fails here unless a start maps the archive
    /rootfs/opt/java/bin/java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData \
      -XX:SharedArchiveFile=/app/readonly-rootfs-exporter.jsa -Xshare:on -jar /app/readonly-rootfs-exporter.jar --version; \
    rm /app

FROM ${RUNTIME_IMAGE}
ARG RUNTIME_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=https://github.com/readonly-rootfs-exporter/readonly-rootfs-exporter
ARG LICENSES=Apache-2.0
# licenses: the exporter's own; every component's (the jar's libraries, the Debian packages of the runtime)
# is in the SBOMs /app/readonly-rootfs-exporter.cdx.json and /usr/share/sbom/debian-packages.cdx.json
LABEL org.opencontainers.image.title="readonly-rootfs-exporter" \
      org.opencontainers.image.description="Prometheus exporter auditing every Docker container for DISA STIG V-260936: a container's root filesystem must be read-only" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.url="${SOURCE}" \
      org.opencontainers.image.licenses="${LICENSES}" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}" \
      org.opencontainers.image.documentation="docs/deployment.md, section Container image"

COPY --from=build /rootfs/ /

# Numeric, so that Kubernetes' runAsNonRoot can verify it. Reaching the Docker socket needs its group:
# docker run --group-add "$(stat -c %g /var/run/docker.sock)".
USER 65532:65532
EXPOSE 9966

# Nothing is written at run time: no hsperfdata (-XX:-UsePerfData), and no native library to unpack.
# Memory, measured at 10,000 containers in a 128 MiB cgroup (scripts/benchmark.sh --memory-limit=128m, docs/performance.md):
# the heap is 40 % of the memory limit (Min and MaxRAMPercentage: below 256 MiB the JVM would take 50 %), it starts
# at 16 MiB (without a limit the JVM would start at 1/64 of the host's memory, and touch it), and a thread keeps at
# most 256 KiB of direct buffer for socket writes (by default, a copy of the largest write it ever made).
# C1 only (TieredStopAtLevel=1): a faster cold scan and less memory; the steady work gains nothing from C2.
# SharedArchiveFile: the class-data archive the build stage made for this jar, these flags and this runtime (a
# start loads its classes from it: docs/performance.md#start-up); with another jar the JVM says so in one line and
# starts without it. Every JVM flag lives here; the benchmarks run the jar with these. Add JVM flags with
# JAVA_TOOL_OPTIONS; configure the exporter with READONLY_ROOTFS_* variables (the HEALTHCHECK reads them too) or flags.
ENTRYPOINT ["/opt/java/bin/java", "-XX:MaxRAMPercentage=40", "-XX:MinRAMPercentage=40", "-Xms16m", \
            "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-XX:+ExitOnOutOfMemoryError", \
            "-Djdk.nio.maxCachedBufferSize=262144", "-XX:SharedArchiveFile=/app/readonly-rootfs-exporter.jsa", \
            "-jar", "/app/readonly-rootfs-exporter.jar"]

# GETs /-/healthy with a small class of the jar: no curl, wget or shell in the image.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
  CMD ["/opt/java/bin/java", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1", "-Xmx16m", \
       "-cp", "/app/readonly-rootfs-exporter.jar", "org.readonlyrootfs.exporter.HealthCheck"]
