#!/usr/bin/env bash
# Benchmark against the STIG command on a private dockerd, all in one run: scripts/benchmark.sh [N]
# (default 1000 containers; --churn=C adds C create/remove cycles, --skip-literal skips the slow STIG pipeline,
# --churn-only runs the churn alone).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh >&2
mvn -q -B -ntp -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/test.classpath \
    -Dmdep.includeScope=test >&2
exec java ${BENCHMARK_JAVA_OPTS:-} -Dexporter.jar=target/readonly-rootfs-exporter-0.1.0.jar -cp "target/classes:target/test-classes:$(cat target/test.classpath)" \
    org.readonlyrootfs.exporter.benchmark.ScanBenchmark "$@"
