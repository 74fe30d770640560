#!/usr/bin/env bash
# Benchmark against the STIG command on a private dockerd, all in one run: scripts/benchmark.sh [N]
# (default 1000 containers; --churn=C adds C create/remove cycles, --skip-literal skips the slow STIG pipeline,
# --churn-only runs the churn alone).
# scripts/benchmark.sh --remediation [N] [--refresh=60s]: the cost of remediation plans instead (default 1000
# running writable containers; RemediationBenchmark).
# scripts/benchmark.sh --memory-limit=128m [N] [--clients=4] [--duration=60s]: the exporter as shipped inside a
# memory cgroup of that limit, under a scrape loop (default 10000 containers; MemoryBenchmark).
# scripts/benchmark.sh --proxy [N]: the exporter's cold and warm scans of N containers (default 1000) on the
# daemon's socket vs through deploy/socket-proxy/haproxy.cfg (ProxyScanBenchmark).
# scripts/benchmark.sh --process-and-jvm [N]: start-up, classes, memory and scrape with metrics.process-and-jvm
# false vs true, runs alternated (default 1000 containers; ProcessAndJvmBenchmark).
# scripts/benchmark.sh --sizing [--containers=0,100,200] [--targets=25,50,100] [--interval=5s]: series per node
# by container count and metrics settings, and what K nodes cost a real Prometheus (SizingBenchmark, ~6 min).
# scripts/benchmark.sh --authz [CREATES] [PS]: the authorization plugin's cost: its decision's p50/p99 on its socket,
# CREATES `docker create --read-only` (default 500) and PS `docker ps` (default 200) with it vs without, its resident
# memory idle and under that load (AuthzBenchmark).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh >&2
mvn -q -B -ntp -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/test.classpath \
    -Dmdep.includeScope=test >&2
main=org.readonlyrootfs.exporter.benchmark.ScanBenchmark
if [[ "${1:-}" == --remediation ]]; then
    main=org.readonlyrootfs.exporter.benchmark.RemediationBenchmark
    shift
elif [[ "${1:-}" == --memory-limit=* ]]; then
    main=org.readonlyrootfs.exporter.benchmark.MemoryBenchmark
elif [[ "${1:-}" == --sizing ]]; then
    main=org.readonlyrootfs.exporter.benchmark.SizingBenchmark
    shift
elif [[ "${1:-}" == --authz ]]; then
    main=org.readonlyrootfs.exporter.benchmark.AuthzBenchmark
    shift
elif [[ "${1:-}" == --proxy ]]; then
    main=org.readonlyrootfs.exporter.benchmark.ProxyScanBenchmark
    shift
elif [[ "${1:-}" == --process-and-jvm ]]; then
    main=org.readonlyrootfs.exporter.benchmark.ProcessAndJvmBenchmark
    shift
fi
exec java ${BENCHMARK_JAVA_OPTS:-} -Dexporter.jar=target/readonly-rootfs-exporter-0.1.0.jar -cp "target/classes:target/test-classes:$(cat target/test.classpath)" \
    "$main" "$@"
