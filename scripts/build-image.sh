#!/usr/bin/env bash
# Builds the container image (the repository's Dockerfile) on a machine where Docker Hub is not
# reachable, with base images made locally from Debian packages:
#   build stage    BUILD_IMAGE = debootstrap --variant=minbase <suite>, docker import-ed, plus
#                  openjdk-17-jdk-headless and maven from apt (scripts/image/build-base.Dockerfile)
#   runtime stage  RUNTIME_IMAGE = scratch: the build stage assembles the jlink runtime and its libraries
# Needs only the Debian mirror and Maven Central (through `docker build --network host`).
#
# Usage: scripts/build-image.sh [--tag IMAGE] [--cache-dir DIR] [--suite bookworm] [--mirror URL]
#                               [--ca-certs DIR] [--socket-proxy]
#   --socket-proxy: builds the socket proxy's image instead (deploy/socket-proxy/Dockerfile: Debian's
#   haproxy on scratch, default tag readonly-rootfs-exporter-socket-proxy:<version>), from the same
#   build base.
#   The daemon is the docker CLI's: DOCKER_HOST, or its default socket.
#   --ca-certs: local CA certificates (*.crt) the build stage trusts for apt and Maven downloads, by
#   default this machine's /usr/local/share/ca-certificates (e.g. a TLS-inspecting proxy's CA). They
#   go into the build base only, never into the exporter image.
#
# Cached in --cache-dir (default $RRE_IMAGE_CACHE or /var/cache/rre-image), so that the next run on
# this machine, even against a brand-new daemon, takes about a minute:
#   debian-<suite>-minbase.tar   the debootstrap tree (only needed again if the build base changes)
#   images-<key>.tar             `docker save` of the build base and of the Dockerfile's build stage,
#                                whose dependency layer holds the Maven repository: loaded into a daemon
#                                that lacks them, and given to `docker build --cache-from`
# Root is needed only to debootstrap (cold cache). Prints one summary line at the end.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tag=""
cache="${RRE_IMAGE_CACHE:-/var/cache/rre-image}"
suite="bookworm"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
ca_certs="/usr/local/share/ca-certificates"
socket_proxy=0

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tag) tag="$2"; shift 2 ;;
    --tag=*) tag="${1#*=}"; shift ;;
    --cache-dir) cache="$2"; shift 2 ;;
    --cache-dir=*) cache="${1#*=}"; shift ;;
    --suite) suite="$2"; shift 2 ;;
    --suite=*) suite="${1#*=}"; shift ;;
    --mirror) mirror="$2"; shift 2 ;;
    --mirror=*) mirror="${1#*=}"; shift ;;
    --ca-certs) ca_certs="$2"; shift 2 ;;
    --ca-certs=*) ca_certs="${1#*=}"; shift ;;
    --socket-proxy) socket_proxy=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build-image: unknown argument [$1], see --help" >&2; exit 2 ;;
  esac
done

start=$SECONDS
log() { echo "build-image: [$((SECONDS - start))s] $*" >&2; }
die() { echo "build-image: error: $*" >&2; exit 1; }

command -v docker >/dev/null 2>&1 || die "the docker CLI is missing (package docker.io)"
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 \
  || die "no Docker daemon answers at ${DOCKER_HOST:-the default socket}"

version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$root/pom.xml" | head -n 1)"
[[ -n "$version" ]] || die "cannot read the project version from pom.xml"
if [[ "$socket_proxy" -eq 1 ]]; then
  tag="${tag:-readonly-rootfs-exporter-socket-proxy:$version}"
  sources=(deploy/socket-proxy)
else
  tag="${tag:-readonly-rootfs-exporter:$version}"
  sources=(pom.xml src/main Dockerfile)
fi
revision="unknown"
# created (label) and the jar's file times: the commit's time, so that the same commit builds the same jar
# (SOURCE_DATE_EPOCH wins; uncommitted changes or no git: now)
created="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
  revision="$(git -C "$root" rev-parse HEAD)"
  if [[ -n "$(git -C "$root" status --porcelain -- "${sources[@]}" 2>/dev/null)" ]]; then
    revision="$revision-dirty"
  else
    created="$(TZ=UTC git -C "$root" log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ)"
  fi
fi
if [[ -n "${SOURCE_DATE_EPOCH:-}" ]]; then
  created="$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
fi
# source and licenses labels: the pom's <url> and <licenses> (the socket proxy's Dockerfile names its own licences)
source_url="$(sed -n 's:^  <url>\(.*\)</url>:\1:p' "$root/pom.xml" | head -n 1)"
licenses="$(sed -n '/^  <licenses>/,/^  <\/licenses>/s:^ *<name>\(.*\)</name>:\1:p' "$root/pom.xml" | paste -sd ' ' | sed 's/ / AND /g')"
[[ -n "$source_url" && -n "$licenses" ]] || die "cannot read <url> and <licenses> from pom.xml"

sha() { sha256sum | cut -c1-12; }
local_cas=()
if [[ -d "$ca_certs" ]]; then
  mapfile -t local_cas < <(find "$ca_certs" -name '*.crt' -type f | sort)
fi
base_key="$( { cat "$root/scripts/image/build-base.Dockerfile" ${local_cas[@]+"${local_cas[@]}"}
  echo "$suite $mirror $security_mirror"; } | sha)"
deps_key="$(cat "$root/pom.xml" "$root/Dockerfile" | sha)"
minbase_tar="$cache/debian-$suite-minbase.tar"
images_tar="$cache/images-$base_key.tar"
build_base="rre-build-base:$base_key"
build_cache="rre-exporter-build:cache-$base_key"

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # one builder of the cache at a time; what it writes appears atomically (mv)

if ! have_image "$build_base" && [[ -s "$images_tar" ]]; then
  log "loading cached images from $images_tar"
  docker load -q -i "$images_tar" >/dev/null
fi

if ! have_image "$build_base"; then
  if ! have_image "rre-debian:$suite-minbase"; then
    if [[ ! -s "$minbase_tar" ]]; then
      [[ "$(id -u)" -eq 0 ]] || die "debootstrap needs root (or a cache with $minbase_tar)"
      if ! command -v debootstrap >/dev/null 2>&1; then
        log "installing debootstrap"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null \
          || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
      fi
      tree="$(mktemp -d "$cache/minbase.XXXXXX")"
      log "debootstrap --variant=minbase $suite from $mirror (a few minutes, once)"
      debootstrap --variant=minbase "$suite" "$tree" "$mirror" >"$cache/debootstrap.log" 2>&1 \
        || { tail -n 20 "$cache/debootstrap.log" >&2; rm -rf "$tree"; die "debootstrap failed"; }
      rm -rf "$tree"/var/cache/apt/archives/*.deb "$tree"/var/lib/apt/lists/* "$tree"/var/log/*.log
      tar --numeric-owner -C "$tree" -cf "$minbase_tar.part" .
      rm -rf "$tree"
      mv "$minbase_tar.part" "$minbase_tar"
    fi
    log "importing $minbase_tar as rre-debian:$suite-minbase"
    docker import "$minbase_tar" "rre-debian:$suite-minbase" >/dev/null
  fi
  log "building $build_base (apt-get install openjdk-17-jdk-headless maven; ${#local_cas[@]} local CAs)"
  context="$(mktemp -d "$cache/base-context.XXXXXX")"
  mkdir "$context/ca-certificates"
  cp "$root/scripts/image/build-base.Dockerfile" "$context/Dockerfile"
  for crt in ${local_cas[@]+"${local_cas[@]}"}; do
    cp "$crt" "$context/ca-certificates/$(basename "$crt")"
  done
  docker build --network host --pull=false -q -t "$build_base" \
    --build-arg "BASE=rre-debian:$suite-minbase" --build-arg "SUITE=$suite" \
    --build-arg "DEBIAN_MIRROR=$mirror" --build-arg "SECURITY_MIRROR=$security_mirror" \
    "$context" >/dev/null || { rm -rf "$context"; die "building $build_base failed"; }
  rm -rf "$context"
fi
flock -u 9

if [[ "$socket_proxy" -eq 1 ]]; then
  log "docker build -t $tag -f deploy/socket-proxy/Dockerfile (BUILD_IMAGE=$build_base, RUNTIME_IMAGE=scratch)"
  docker build --network host --pull=false -t "$tag" \
    --build-arg "BUILD_IMAGE=$build_base" --build-arg "RUNTIME_IMAGE=scratch" \
    --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
    --build-arg "CREATED=$created" --build-arg "SOURCE=$source_url" \
    "$root/deploy/socket-proxy"
  size="$(docker image inspect --format '{{.Size}}' "$tag")"
  log "built $tag, $((size / 1000000)) MB, in $((SECONDS - start)) s"
  exit 0
fi

build_args=(--network host
  --build-arg "BUILD_IMAGE=$build_base" --build-arg "RUNTIME_IMAGE=scratch"
  --build-arg "VERSION=$version" --build-arg "REVISION=$revision"
  --build-arg "CREATED=$created" --build-arg "SOURCE=$source_url" --build-arg "LICENSES=$licenses")
cache_from=()
if have_image "$build_cache"; then
  cache_from=(--cache-from "$build_cache")
fi
log "docker build -t $tag (BUILD_IMAGE=$build_base, RUNTIME_IMAGE=scratch)"
docker build "${build_args[@]}" "${cache_from[@]}" -t "$tag" "$root"

# Keep the build stage (its dependency layer holds the Maven repository) for the next daemon.
if [[ "$(cat "$images_tar.deps" 2>/dev/null)" != "$deps_key" ]] || [[ ! -s "$images_tar" ]]; then
  flock 9
  log "saving the build base and build stage to $images_tar"
  docker build "${build_args[@]}" "${cache_from[@]}" -q --target build -t "$build_cache" "$root" >/dev/null
  docker save -o "$images_tar.part" "$build_base" "$build_cache"
  mv "$images_tar.part" "$images_tar"
  echo "$deps_key" >"$images_tar.deps"
  flock -u 9
fi

size="$(docker image inspect --format '{{.Size}}' "$tag")"
log "built $tag, $((size / 1000000)) MB, in $((SECONDS - start)) s"
