#!/usr/bin/env bash
# A demo anyone can run on a Debian machine, as root: installs what is missing, then starts
#   - a private Docker daemon (its own socket and data under a temporary directory; the machine's own
#     daemon, if any, is never touched) with containers of every status: compliant (read-only root
#     filesystem), finding (writable), exempt (an MKE system container, ucp-*), not_applicable
#     (managed by Kubernetes);
#   - the exporter auditing it (the jar, or with --image the hardened container image);
#   - Prometheus scraping the exporter, with the rules of alerts/*.yml if there are any, sending
#     alerts to Alertmanager;
# prints the URLs and what to look at, and stops everything it started on Ctrl-C.
#
# Usage: scripts/demo.sh [--check] [--image] [--exporter-port N] [--prometheus-port N]
#                        [--alertmanager-port N] [--rules DIR]
#   --check   do not wait for Ctrl-C: verify that every URL answers and that the exporter and
#             Prometheus see the demo containers with the right status, then stop; exit 0 if so
#   --image   run the exporter as the container image (scripts/build-image.sh; minutes on first use)
#             with --read-only --cap-drop ALL --security-opt no-new-privileges, a non-root user and the
#             socket read-only: it then audits its own container too, which is compliant
#   ports     default 9966, 9090 and 9093, all on 127.0.0.1
#   --rules   folder of Prometheus rule files (*.yml), default alerts/ of this repository
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
check=false
use_image=false
exporter_port=9966
prometheus_port=9090
alertmanager_port=9093
rules_dir="$root/alerts"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --check) check=true; shift ;;
    --image) use_image=true; shift ;;
    --exporter-port) exporter_port="$2"; shift 2 ;;
    --prometheus-port) prometheus_port="$2"; shift 2 ;;
    --alertmanager-port) alertmanager_port="$2"; shift 2 ;;
    --rules) rules_dir="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "demo: unknown argument [$1], see --help" >&2; exit 2 ;;
  esac
done

say() { echo "demo: $*" >&2; }
die() { echo "demo: error: $*" >&2; exit 1; }

[[ "$(id -u)" -eq 0 ]] || die "run as root: it starts its own Docker daemon"

# ---------------------------------------------------------------- what is missing
bash "$root/scripts/install-test-deps.sh" >&2
command -v curl >/dev/null 2>&1 || { say "installing curl"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null; }
alertmanager_bin="$(command -v prometheus-alertmanager || command -v alertmanager || true)"
[[ -n "$alertmanager_bin" ]] || die "no alertmanager binary (package prometheus-alertmanager)"
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$exporter_port" "$prometheus_port" "$alertmanager_port"; do
  ! port_busy "$p" || die "port $p on 127.0.0.1 is taken: choose others with --exporter-port, --prometheus-port, --alertmanager-port"
done

version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$root/pom.xml" | head -n 1)"
jar="$root/target/readonly-rootfs-exporter-$version.jar"
if ! $use_image && [[ ! -f "$jar" ]]; then
  say "building the exporter jar (mvn package)"
  (cd "$root" && mvn -q -B -ntp package -DskipTests) >&2
fi

# ---------------------------------------------------------------- cleanup on exit or Ctrl-C
dir="$(mktemp -d /tmp/rre-demo-XXXXXX)"
pids=()        # exporter, Prometheus, Alertmanager: stopped first
dockerd_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  say "stopping everything it started"
  for pid in ${pids[@]+"${pids[@]}"}; do kill "$pid" 2>/dev/null || true; done
  for pid in ${pids[@]+"${pids[@]}"}; do wait "$pid" 2>/dev/null || true; done
  if [[ -n "$dockerd_pid" ]]; then
    kill "$dockerd_pid" 2>/dev/null || true # dockerd stops its containers and its containerd
    for _ in $(seq 300); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$dockerd_pid" 2>/dev/null || true
  fi
  # whatever dockerd left mounted under its directory, deepest first
  awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
  rm -rf "$dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- a private Docker daemon
sock="$dir/docker.sock"
export DOCKER_HOST="unix://$sock" DOCKER_CONFIG="$dir/cli-config"
unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH
say "starting a private dockerd at $DOCKER_HOST"
dockerd --host "$DOCKER_HOST" --data-root "$dir/root" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
  --iptables=false --ip6tables=false --bridge=none --init --log-level=warn >"$dir/dockerd.log" 2>&1 &
dockerd_pid=$!
for _ in $(seq 300); do docker version >/dev/null 2>&1 && break; sleep 0.2; done
docker version >/dev/null 2>&1 || { tail -n 20 "$dir/dockerd.log" >&2; die "the private dockerd did not start"; }

# the demo containers' image: a static busybox, nothing downloaded
mkdir -p "$dir/image/bin" "$dir/image/etc" "$dir/image/tmp"
cp /bin/busybox "$dir/image/bin/busybox"
for applet in sh sleep; do ln -s busybox "$dir/image/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$dir/image/etc/passwd"
tar --numeric-owner --owner=0 --group=0 -C "$dir/image" -cf "$dir/image.tar" .
docker import --change 'CMD ["/bin/sleep", "1000000"]' "$dir/image.tar" rre-demo/busybox:latest >/dev/null
rm -rf "$dir/image" "$dir/image.tar"

run() { docker run -d --network none "$@" >/dev/null; }
say "starting demo containers"
run --name shop-web --read-only rre-demo/busybox                               # compliant
run --name shop-db --read-only --tmpfs /tmp rre-demo/busybox                   # compliant (tmpfs for /tmp)
run --name legacy-app rre-demo/busybox                                         # finding: writable
docker create --network none --name batch-job rre-demo/busybox >/dev/null      # finding: created, writable
run --name ucp-agent-demo rre-demo/busybox                                     # exempt: MKE system container
run --name k8s_POD_web-0_shop --label io.kubernetes.pod.name=web-0 \
  --label io.kubernetes.pod.namespace=shop rre-demo/busybox                     # not_applicable

# ---------------------------------------------------------------- the exporter
if $use_image; then
  say "building the container image (scripts/build-image.sh)"
  bash "$root/scripts/build-image.sh" --tag "readonly-rootfs-exporter:$version" >&2
  say "starting the exporter as a hardened container"
  docker run -d --name readonly-rootfs-exporter --read-only --cap-drop ALL \
    --security-opt no-new-privileges --user 65532:65532 --group-add "$(stat -c %g "$sock")" \
    --memory 128m --network host -v "$sock:/var/run/docker.sock:ro" \
    -e "READONLY_ROOTFS_WEB_LISTEN_ADDRESS=127.0.0.1:$exporter_port" -e READONLY_ROOTFS_SCAN_INTERVAL=5s \
    "readonly-rootfs-exporter:$version" >/dev/null
else
  say "starting the exporter (java -jar)"
  java -XX:+UseSerialGC -Xmx128m -jar "$jar" --docker.host="$DOCKER_HOST" \
    --web.listen-address="127.0.0.1:$exporter_port" --scan.interval=5s >"$dir/exporter.log" 2>&1 &
  pids+=("$!")
fi

# ---------------------------------------------------------------- Prometheus and Alertmanager
mkdir -p "$dir/alertmanager" "$dir/prometheus"
cat >"$dir/alertmanager/alertmanager.yml" <<'EOF'
# demo: alerts are shown in the Alertmanager UI, sent nowhere
route:
  receiver: demo
  group_by: [alertname]
  group_wait: 5s
  group_interval: 30s
receivers:
  - name: demo
EOF
"$alertmanager_bin" --config.file="$dir/alertmanager/alertmanager.yml" --storage.path="$dir/alertmanager/data" \
  --web.listen-address="127.0.0.1:$alertmanager_port" --cluster.listen-address= \
  >"$dir/alertmanager/alertmanager.log" 2>&1 &
pids+=("$!")

rule_files=()
if [[ -d "$rules_dir" ]]; then
  mapfile -t rule_files < <(find "$rules_dir" -maxdepth 1 -name '*.yml' -type f | sort)
fi
{
  echo "global:"
  echo "  scrape_interval: 5s"
  echo "  evaluation_interval: 5s"
  echo "alerting:"
  echo "  alertmanagers:"
  echo "    - static_configs:"
  echo "        - targets: ['127.0.0.1:$alertmanager_port']"
  if [[ ${#rule_files[@]} -eq 0 ]]; then echo "rule_files: []"; else echo "rule_files:"; fi
  for f in ${rule_files[@]+"${rule_files[@]}"}; do echo "  - '$f'"; done
  echo "scrape_configs:"
  echo "  - job_name: readonly-rootfs-exporter"
  echo "    static_configs:"
  echo "      - targets: ['127.0.0.1:$exporter_port']"
} >"$dir/prometheus/prometheus.yml"
promtool check config "$dir/prometheus/prometheus.yml" >"$dir/prometheus/check.log" 2>&1 \
  || { cat "$dir/prometheus/check.log" >&2; die "Prometheus rejects its configuration (rules of $rules_dir?)"; }
prometheus --config.file="$dir/prometheus/prometheus.yml" --storage.tsdb.path="$dir/prometheus/data" \
  --web.listen-address="127.0.0.1:$prometheus_port" >"$dir/prometheus/prometheus.log" 2>&1 &
pids+=("$!")

# ---------------------------------------------------------------- wait until it all answers
wait_for() { # URL what
  for _ in $(seq 600); do
    curl -sf -o /dev/null "$1" && return 0
    for pid in ${pids[@]+"${pids[@]}"}; do
      kill -0 "$pid" 2>/dev/null || die "$2 exited; logs under $dir"
    done
    sleep 0.1
  done
  die "$2 does not answer at $1"
}
wait_for "http://127.0.0.1:$exporter_port/-/ready" "the exporter"
wait_for "http://127.0.0.1:$prometheus_port/-/ready" "Prometheus"
wait_for "http://127.0.0.1:$alertmanager_port/-/ready" "Alertmanager"

e="http://127.0.0.1:$exporter_port"
p="http://127.0.0.1:$prometheus_port"
a="http://127.0.0.1:$alertmanager_port"
cat <<EOF

readonly-rootfs-exporter demo: everything runs on 127.0.0.1 (logs and data in $dir)

  Exporter landing page   $e/            counts per status and the current findings
  Exporter metrics        $e/metrics
  Prometheus              $p/graph?g0.expr=readonly_rootfs_container%7Bstatus%3D%22finding%22%7D&g0.tab=1
                          (readonly_rootfs_container{status="finding"}: legacy-app and batch-job;
                          exempt and not_applicable containers are writable too, but no finding)
                          $p/targets, $p/alerts (rules: ${#rule_files[@]} file(s) from $rules_dir)
  Alertmanager            $a/            alerts appear once a rule's 'for' has passed

  Containers: shop-web, shop-db (compliant), legacy-app, batch-job (finding),
  ucp-agent-demo (exempt), k8s_POD_web-0_shop (not_applicable)$($use_image && echo ", readonly-rootfs-exporter (the exporter itself: compliant)")

  Try, in another shell:
    export DOCKER_HOST=$DOCKER_HOST
    docker run -d --network none --name new-writable rre-demo/busybox   # a new finding within 5 s
    docker rm -f legacy-app                                              # its series disappears
    docker run -d --network none --read-only --name fixed rre-demo/busybox

EOF

if $check; then
  say "checking what the exporter and Prometheus see"
  metrics="$(curl -sf "$e/metrics")"
  expect() { # container status
    grep -q "readonly_rootfs_container{.*container_name=\"$1\".*status=\"$2\"" <<<"$metrics" \
      || die "the exporter does not report $1 as $2"
  }
  expect shop-web compliant; expect shop-db compliant; expect legacy-app finding; expect batch-job finding
  expect ucp-agent-demo exempt; expect k8s_POD_web-0_shop not_applicable
  if $use_image; then expect readonly-rootfs-exporter compliant; fi
  grep -q legacy-app <<<"$(curl -sf "$e/")" || die "the landing page does not list the finding legacy-app"
  for _ in $(seq 300); do
    result="$(curl -sf "$p/api/v1/query" --data-urlencode 'query=count(readonly_rootfs_container{status="finding"})' || true)"
    grep -q '"value":\[[0-9.]*,"2"\]' <<<"$result" && break
    sleep 0.2
  done
  grep -q '"value":\[[0-9.]*,"2"\]' <<<"$result" || die "Prometheus does not count 2 findings: $result"
  curl -sf "$p/api/v1/rules" | grep -q '"status":"success"' || die "Prometheus has no rules API answer"
  curl -sf "$a/api/v2/status" | grep -q '"cluster"' || die "Alertmanager's API does not answer"
  say "check passed: exporter, Prometheus (${#rule_files[@]} rule file(s)) and Alertmanager answer"
  exit 0
fi

say "press Ctrl-C to stop everything"
while true; do
  for pid in ${pids[@]+"${pids[@]}"}; do
    kill -0 "$pid" 2>/dev/null || die "a process exited (pid $pid); logs under $dir"
  done
  sleep 1
done
