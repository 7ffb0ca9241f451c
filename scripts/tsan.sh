#!/usr/bin/env bash
# Builds the threaded tests (the committer, and the HTTP server with its I/O threads, committer
# thread and provider workers, schedulers racing) with ThreadSanitizer and runs them; any data race fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
cmake --preset tsan >/dev/null
cmake --build build/tsan --target committer_test api_test payments_test automation_test
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
ctest --test-dir build/tsan -R '^(committer_test|api_test|payments_test|automation_test)$' --output-on-failure
