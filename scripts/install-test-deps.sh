#!/usr/bin/env bash
# Installs what the build and the integration tests need, on Debian, when it is missing:
#   docker.io (dockerd, docker, containerd, runc, docker-init), busybox-static (the static
#   /bin/busybox the test image is made of), podman (the engine matrix's Podman 4.3, served on a
#   private socket; the newer Dockers are fetched by scripts/fetch-engines.sh, never installed),
#   prometheus + prometheus-alertmanager (promtool, amtool), iproute2 (ip), apache2-utils
#   (htpasswd, for bcrypt hashes), debootstrap (the base images of scripts/build-image.sh), curl
#   (scripts/demo.sh), openssl (test certificates), haproxy (deploy/socket-proxy/haproxy.cfg, the
#   socket proxy's tests; installing it does not start a service where systemd is absent),
#   docker-compose (1.29, runs deploy/socket-proxy/compose.yml in SocketProxyImageIT), nodejs + npm
#   (when node / npm are missing) and Maven + a JDK 17 when mvn / javac (>= 17) are missing.
# Then STIG Manager's checklist parser, the npm package @nuwcdivnpt/stig-manager-client-modules at
# the version pinned below, into $RRE_NPM_CACHE (default /var/cache/rre-npm), where
# StigManagerImportIT imports it from (npm install --ignore-scripts; it has no dependencies).
# Idempotent and fast when everything is present; prints one line saying what it did.
# Not root and something missing: prints what to install and exits 1.
set -euo pipefail

debs=(docker.io busybox-static podman prometheus prometheus-alertmanager iproute2 apache2-utils debootstrap curl openssl haproxy docker-compose)

have_deb() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

javac_major() {
  javac -version 2>&1 | sed -n 's/^javac \([0-9][0-9]*\).*/\1/p' | head -n 1
}

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${debs[@]}"; do
    have_deb "$p" || missing+=("$p")
  done
else
  # not Debian: judge by the commands the packages provide
  for c in dockerd docker containerd runc docker-init podman promtool amtool ip htpasswd debootstrap curl openssl haproxy docker-compose; do
    command -v "$c" >/dev/null 2>&1 || missing+=("$c")
  done
  [[ -x /bin/busybox ]] || missing+=("busybox-static")
fi
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
major="$(command -v javac >/dev/null 2>&1 && javac_major || true)"
if [[ -z "$major" || "$major" -lt 17 ]]; then
  missing+=(openjdk-17-jdk-headless)
fi

# STIG Manager's parser: pinned; the IT fails (never skips) without it
smcm_name="@nuwcdivnpt/stig-manager-client-modules"
smcm_version="1.6.7"
npm_cache="${RRE_NPM_CACHE:-/var/cache/rre-npm}"
smcm_dir="$npm_cache/stig-manager-client-modules-$smcm_version"
have_smcm() {
  [[ -f "$smcm_dir/node_modules/$smcm_name/package.json" ]] \
    && grep -q "\"version\": \"$smcm_version\"" "$smcm_dir/node_modules/$smcm_name/package.json"
}
install_smcm() {
  have_smcm && return 0
  mkdir -p "$smcm_dir"
  local log="${TMPDIR:-/tmp}/install-test-deps-npm.log"
  if ! (cd "$smcm_dir" && npm install --no-audit --no-fund --ignore-scripts --no-save --prefix "$smcm_dir" \
    "$smcm_name@$smcm_version") >"$log" 2>&1; then
    echo "install-test-deps: FAILED to install $smcm_name@$smcm_version into $smcm_dir (log: $log):" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  echo "install-test-deps: installed $smcm_name@$smcm_version into $smcm_dir"
}

if [[ ${#missing[@]} -eq 0 ]]; then
  if have_smcm; then
    echo "install-test-deps: nothing to do, all present (${debs[*]} node maven jdk${major} $smcm_name@$smcm_version)"
    exit 0
  fi
  install_smcm
  exit 0
fi

if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: missing ${missing[*]}; as root on Debian run:" \
    "apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi

log="${TMPDIR:-/tmp}/install-test-deps.log"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
  echo "install-test-deps: FAILED to install ${missing[*]} (log: $log):" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
echo "install-test-deps: installed ${missing[*]} (apt log: $log)"
install_smcm
