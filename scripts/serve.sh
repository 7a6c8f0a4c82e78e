#!/usr/bin/env bash
# Serves the playground at http://127.0.0.1:8080 with cross-origin isolation, after
# installing whatever is missing. Extra arguments go to `trunk serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
echo "==> trunk serve --release (first build takes a few minutes) -> http://127.0.0.1:8080/"
exec trunk serve --release "$@"
