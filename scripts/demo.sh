#!/usr/bin/env bash
# berth's main job on its built-in default. Until the engine lands this runs
# an OCI bundle made from busybox-static with `berth runtime run`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build
echo "berth built: $(.build/debug/berth --version)"
