#!/usr/bin/env bash
# Benchmark against the STIG command on a private dockerd, all in one run: scripts/benchmark.sh [N]
# (default 1000 containers). Needs root and the packages of scripts/install-test-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh >&2
mvn -q -B -ntp -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath \
    -Dmdep.includeScope=test >&2
exec java -Xmx256m -cp "target/classes:target/test-classes:$(cat target/test.classpath)" \
    org.readonlyrootfs.exporter.benchmark.ScanBenchmark "${1:-1000}"
