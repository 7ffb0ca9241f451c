#!/usr/bin/env bash
# Fails when a C++ file differs from what clang-format (14, .clang-format) makes of it.
set -euo pipefail
cd "$(dirname "$0")/.."
formatter=$(command -v clang-format-14 || command -v clang-format)
git ls-files '*.h' '*.cc' | xargs "$formatter" --dry-run -Werror
echo "formatting holds"
