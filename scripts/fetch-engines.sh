#!/usr/bin/env bash
# Fetches newer Docker engines from Debian's archive without installing them system-wide, for the
# engine matrix (EngineMatrixIT): for each suite (trixie: Docker 26.1, sid: the newest Docker), a
# temporary apt configuration that names only that suite (its own sources.list, preferences, state
# and cache directories; the host's apt.conf.d stays, for its proxy settings) runs `apt-get update`
# and `apt-get download docker.io docker-cli containerd tini`, and `dpkg-deb -x` unpacks them into
# $RRE_ENGINES_CACHE/<suite>/root (default /var/cache/rre-engines). Debian 12's runc is used with
# them (the newer runc needs glibc 2.38).
# Idempotent: a suite already unpacked is not fetched again (RRE_ENGINES_REFRESH=1 fetches anew).
# Prints one line per engine: suite, dockerd path, version. A suite that cannot be fetched fails
# the run (exit 1), never skips.
# With --compose it fetches Debian 13's Docker Compose v2 (package docker-compose, 2.x) the same way
# into $RRE_ENGINES_CACHE/compose-trixie/root and prints one line: compose-trixie, the docker-compose
# binary, its version (for SocketProxyImageIT, beside Debian 12's Compose 1.29).
# Usage: scripts/fetch-engines.sh [suite...]   (default: trixie sid)
#        scripts/fetch-engines.sh --compose
set -euo pipefail

cache="${RRE_ENGINES_CACHE:-/var/cache/rre-engines}"
mirror="${RRE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suites=("$@")
[[ ${#suites[@]} -gt 0 ]] || suites=(trixie sid)
engine_pkgs=(docker.io docker-cli containerd tini)

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # one fetch at a time: concurrent test runs share the cache

# fetch SUITE DIR-NAME MARKER PACKAGE...: unpacks the packages of SUITE into $cache/DIR-NAME/root,
# unless the executable MARKER (a path under root) is there from a complete earlier fetch
fetch() {
  local suite="$1" dir="$cache/$2" marker="$3"
  shift 3
  local pkgs=("$@")
  local root="$dir/root"
  if [[ -x "$root/$marker" && -f "$dir/.complete" && "${RRE_ENGINES_REFRESH:-0}" != 1 ]]; then
    return 0
  fi
  rm -rf "$dir"
  mkdir -p "$dir/apt/etc/preferences.d" "$dir/apt/state/lists/partial" \
    "$dir/apt/cache/archives/partial" "$dir/debs" "$root"
  echo "deb $mirror $suite main" >"$dir/apt/etc/sources.list"
  : >"$dir/apt/state/status"
  local opts=(
    -o "Dir::Etc::sourcelist=$dir/apt/etc/sources.list"
    -o "Dir::Etc::sourceparts=-"
    -o "Dir::Etc::preferencesparts=$dir/apt/etc/preferences.d"
    -o "Dir::State=$dir/apt/state"
    -o "Dir::State::status=$dir/apt/state/status"
    -o "Dir::Cache=$dir/apt/cache"
    -o "APT::Get::List-Cleanup=0"
    -o "Acquire::Languages=none"
    -o "APT::Sandbox::User=root"
  )
  local log="$dir/fetch.log"
  if ! apt-get "${opts[@]}" update >"$log" 2>&1; then
    echo "fetch-engines: FAILED: apt-get update for $suite from $mirror (log: $log)" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  if ! (cd "$dir/debs" && apt-get "${opts[@]}" download "${pkgs[@]}") >>"$log" 2>&1; then
    echo "fetch-engines: FAILED: apt-get download ${pkgs[*]} for $suite (log: $log)" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  local deb
  for deb in "$dir"/debs/*.deb; do
    dpkg-deb -x "$deb" "$root"
  done
  rm -rf "$dir/apt/state/lists" "$dir/apt/cache"
  touch "$dir/.complete"
}

if [[ "${suites[0]}" == --compose ]]; then
  fetch trixie compose-trixie usr/libexec/docker/cli-plugins/docker-compose docker-compose
  compose="$cache/compose-trixie/root/usr/libexec/docker/cli-plugins/docker-compose"
  version="$("$compose" version --short 2>/dev/null || true)"
  if [[ -z "$version" ]]; then
    echo "fetch-engines: FAILED: $compose does not run" >&2
    exit 1
  fi
  echo "compose-trixie $compose $version"
  exit 0
fi

for suite in "${suites[@]}"; do
  fetch "$suite" "$suite" usr/sbin/dockerd "${engine_pkgs[@]}"
  version="$("$cache/$suite/root/usr/sbin/dockerd" --version 2>/dev/null || true)"
  if [[ -z "$version" ]]; then
    echo "fetch-engines: FAILED: $cache/$suite/root/usr/sbin/dockerd does not run" >&2
    exit 1
  fi
  echo "$suite $cache/$suite/root $version ($(ls "$cache/$suite/debs" | tr '\n' ' '))"
done
