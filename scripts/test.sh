#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs what is missing (as root), then runs
# unit tests, the packaged jar, and the integration tests against private daemons it starts itself.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
exec mvn -B -ntp verify "$@"
