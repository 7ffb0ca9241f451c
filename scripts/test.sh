#!/usr/bin/env bash
# Installs what is missing, builds everything (warnings are errors) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
cmake --preset ci >/dev/null
cmake --build --preset ci
ctest --preset ci -j2 "$@"
