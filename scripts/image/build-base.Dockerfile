# The build stage's base, made locally from Debian packages (scripts/build-image.sh): a debootstrap
# minbase imported as BASE, plus a JDK 17 (java, jlink, jar) and Maven. Needs `docker build
# --network host` where the daemon has no bridge network. The context's ca-certificates/ holds the
# local CAs the build machine trusts (its /usr/local/share/ca-certificates, e.g. a TLS-inspecting
# proxy's CA), so that apt and Maven reach their repositories as the machine itself does.
ARG BASE=rre-debian:bookworm-minbase
FROM ${BASE}
ARG SUITE=bookworm
ARG DEBIAN_MIRROR=http://deb.debian.org/debian
ARG SECURITY_MIRROR=http://deb.debian.org/debian-security
COPY ca-certificates/ /usr/local/share/ca-certificates/
RUN set -eu; \
    printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
      "$DEBIAN_MIRROR" "$SUITE" "$DEBIAN_MIRROR" "$SUITE" "$SECURITY_MIRROR" "$SUITE" > /etc/apt/sources.list; \
    apt-get update -qq; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      openjdk-17-jdk-headless maven ca-certificates-java > /dev/null; \
    update-ca-certificates > /dev/null; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/*; \
    java -version; mvn -v
