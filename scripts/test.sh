#!/usr/bin/env bash
# berth's test command: installs what the tests need, builds, runs every
# test. Integration tests need root and skip (with the reason) without it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build
swift test "$@"
