#!/usr/bin/env bash
# Builds the authorization plugin as a Docker *managed* plugin, offline (no registry): a directory with rootfs/ and
# config.json for `docker plugin create NAME DIR` (docs/prevention.md, section Install: managed plugin).
#
# Usage: scripts/build-authz-plugin.sh [--image IMAGE] [--jar JAR] [--name NAME] [--create] DIR
#   rootfs, one of:
#     --image IMAGE  the exporter image's own file system (`docker create` + `docker export` of IMAGE, e.g.
#                    readonly-rootfs-exporter:0.1.0 built by scripts/build-image.sh): its Java runtime and jar.
#     (default)      the same runtime made on this machine the way the Dockerfile makes it: jlink with the
#                    Dockerfile's JLINK_MODULES and options from this machine's JDK 17 (cached in $RRE_IMAGE_CACHE,
#                    default /var/cache/rre-image), the shared libraries it links against (ldd), /etc/passwd and
#                    /etc/group, and the jar (--jar, default target/'s packaged jar).
#   config.json: interface docker.authz/1.0 on socket readonly-rootfs.sock, the entrypoint of the Dockerfile (its JVM
#   flags) running the jar's `authz` command, network host (the plugin's /metrics on port 9967 of the host), no
#   capabilities, settable environment (READONLY_ROOTFS_AUTHZ_MODE=audit by default, READONLY_ROOTFS_AUTHZ_PLUGIN_NAME=NAME,
#   READONLY_ROOTFS_CONFIG_FILE,
#   READONLY_ROOTFS_WEB_LISTEN_ADDRESS) and a read-only bind mount of the host's /etc/readonly-rootfs-exporter (it
#   must exist; `docker plugin set NAME config.source=/other/dir` changes it) for the config and exemption files.
#   --create: also runs `docker plugin create NAME DIR` (NAME defaults to readonly-rootfs, the plugin's default authz.plugin-name) on the docker CLI's
#   daemon (DOCKER_HOST, or its default socket). Enable it with `docker plugin enable NAME` before naming it in
#   --authorization-plugin / "authorization-plugins".
# Prints one summary line at the end.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
image=""
jar=""
name="readonly-rootfs"
create=0
out=""

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "build-authz-plugin: error: $*" >&2; exit 1; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --image) image="$2"; shift 2 ;;
    --image=*) image="${1#*=}"; shift ;;
    --jar) jar="$2"; shift 2 ;;
    --jar=*) jar="${1#*=}"; shift ;;
    --name) name="$2"; shift 2 ;;
    --name=*) name="${1#*=}"; shift ;;
    --create) create=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown argument [$1], see --help" ;;
    *) [[ -z "$out" ]] || die "one directory only, got [$out] and [$1]"; out="$1"; shift ;;
  esac
done
[[ -n "$out" ]] || die "the output directory is missing, see --help"
start=$SECONDS

rm -rf "$out"
mkdir -p "$out/rootfs"
rootfs="$(cd "$out/rootfs" && pwd)"

if [[ -n "$image" ]]; then
  command -v docker >/dev/null 2>&1 || die "the docker CLI is missing (package docker.io)"
  cid="$(docker create "$image")" || die "cannot create a container of [$image]"
  trap 'docker rm "$cid" >/dev/null 2>&1 || true' EXIT
  docker export "$cid" | tar -C "$rootfs" -xf - || die "cannot export [$image]"
  source="image $image"
else
  # sed quits at the first match itself (a `| head` could SIGPIPE sed under pipefail)
  version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p; T; q' "$root/pom.xml")"
  [[ -n "$jar" ]] || jar="$root/target/readonly-rootfs-exporter-$version.jar"
  [[ -n "$jar" && -f "$jar" ]] || die "no jar: run mvn package first, or give --jar"
  java_bin="$(readlink -f "$(command -v java)")" || die "no java on PATH (package openjdk-17-jdk-headless)"
  jlink="$(dirname "$java_bin")/jlink"
  [[ -x "$jlink" ]] || die "no jlink next to $java_bin (package openjdk-17-jdk-headless)"
  # the Dockerfile's modules and jlink options, so that the runtime is the image's
  flat="$(sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' "$root/Dockerfile")"
  modules="$(sed -n 's/^ARG JLINK_MODULES=\([^ ]*\).*/\1/p' <<<"$flat")"
  options="$(sed -n 's/.*jlink \(.*\) --output .*/\1/p; T; q' <<<"$flat")"
  [[ -n "$modules" && -n "$options" ]] || die "no ARG JLINK_MODULES or jlink step in the Dockerfile"
  options="${options//\"\$JLINK_MODULES\"/$modules}"
  mkdir -p "$rootfs/app" "$rootfs/etc" "$rootfs/opt"
  # jlink is slow (a minute on a busy machine): its output is cached, keyed by the options and the JDK
  cache="${RRE_IMAGE_CACHE:-/var/cache/rre-image}"
  key="$( { echo "$options"; "$java_bin" -version 2>&1; } | sha256sum | cut -c1-12)"
  runtime="$cache/authz-runtime-$key"
  if [[ ! -x "$runtime/bin/java" ]]; then
    mkdir -p "$cache"
    tmp="$(mktemp -d "$cache/authz-runtime.XXXXXX")"
    # shellcheck disable=SC2086 # the options are words
    "$jlink" $options --output "$tmp/java" >/dev/null || { rm -rf "$tmp"; die "jlink failed"; }
    rm -f "$tmp/java/lib/server/classes_nocoops.jsa"
    mv -T "$tmp/java" "$runtime" 2>/dev/null || true # a concurrent build may have won: same content
    rm -rf "$tmp"
  fi
  cp -a "$runtime" "$rootfs/opt/java"
  cp "$jar" "$rootfs/app/readonly-rootfs-exporter.jar"
  find "$rootfs" -type f \( -name '*.so' -o -perm -u+x \) -exec ldd {} + 2>/dev/null \
    | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $2 ~ /^\(0x/ { print $1 }' \
    | grep -v "^$rootfs/" | sort -u >"$out/libs"
  [[ -s "$out/libs" ]] || die "ldd found no shared library for the runtime"
  gcc_s="$(ldconfig -p | awk '$1 == "libgcc_s.so.1" { print $NF; exit }')"
  [[ -z "$gcc_s" ]] || echo "$gcc_s" >>"$out/libs"
  while read -r lib; do cp --parents -L "$lib" "$rootfs/"; done <"$out/libs"
  rm -f "$out/libs"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' \
    >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$rootfs/etc/group"
  printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
  source="$(basename "$jar") with the Dockerfile's runtime made by $jlink"
fi
mkdir -p "$rootfs/tmp" "$rootfs/run/docker/plugins" "$rootfs/etc/readonly-rootfs-exporter" "$rootfs/proc" \
  "$rootfs/sys" "$rootfs/dev"
chmod 1777 "$rootfs/tmp"
[[ -x "$rootfs/opt/java/bin/java" && -f "$rootfs/app/readonly-rootfs-exporter.jar" ]] \
  || die "the rootfs has no /opt/java/bin/java or /app/readonly-rootfs-exporter.jar"

# The Dockerfile's ENTRYPOINT (every JVM flag lives there), then the authz command.
entrypoint="$(sed -n '/^ENTRYPOINT \[/,/\]$/p' "$root/Dockerfile" | tr -d '\\\n' | sed 's/^ENTRYPOINT *//; s/ *\] *$//')"
[[ "$entrypoint" == \[* ]] || die "no ENTRYPOINT [...] in the Dockerfile"
entrypoint="$entrypoint, \"authz\", \"--authz.socket=/run/docker/plugins/readonly-rootfs.sock\"]"

cat >"$out/config.json" <<EOF
{
  "description": "readonly-rootfs-exporter authz: refuses containers and services with a writable root filesystem (DISA STIG V-260936)",
  "documentation": "docs/prevention.md",
  "entrypoint": $entrypoint,
  "workdir": "/",
  "interface": {"types": ["docker.authz/1.0"], "socket": "readonly-rootfs.sock"},
  "network": {"type": "host"},
  "linux": {"capabilities": []},
  "env": [
    {"name": "READONLY_ROOTFS_AUTHZ_MODE", "description": "audit (count, allow) or enforce (refuse)", "settable": ["value"], "value": "audit"},
    {"name": "READONLY_ROOTFS_AUTHZ_PLUGIN_NAME", "description": "the name this plugin was created with: enforce mode refuses disabling, removing, reconfiguring or upgrading it", "settable": ["value"], "value": "$name"},
    {"name": "READONLY_ROOTFS_WEB_LISTEN_ADDRESS", "description": "the plugin's /metrics", "settable": ["value"], "value": ":9967"},
    {"name": "READONLY_ROOTFS_CONFIG_FILE", "description": "config file (exemptions, compliance switches), under the mount", "settable": ["value"]}
  ],
  "mounts": [
    {"name": "config", "description": "config and exemption files", "source": "/etc/readonly-rootfs-exporter",
     "destination": "/etc/readonly-rootfs-exporter", "type": "bind", "options": ["rbind", "ro"], "settable": ["source"]}
  ]
}
EOF

if [[ "$create" -eq 1 ]]; then
  docker plugin create "$name" "$out" >/dev/null || die "docker plugin create $name $out failed"
fi
echo "build-authz-plugin: $out (rootfs from $source; $(du -sm "$rootfs" | cut -f1) MiB)$([[ $create -eq 1 ]] \
  && echo ", created plugin $name") in $((SECONDS - start)) s"
