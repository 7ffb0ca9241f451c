#!/usr/bin/env bash
# Installs what is missing, builds a release and starts simkeep on http://localhost:8080 with
# ./simkeep.db, the sample catalog and a few demo lines. Extra arguments go to `simkeep serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target simkeep
# Creates ./simkeep.db and its key file ./simkeep.db.key on the first run; a no-op afterwards.
./build/release/apps/simkeep/simkeep --database ./simkeep.db migrate
exec ./build/release/apps/simkeep/simkeep --database ./simkeep.db serve --port 8080 --demo "$@"
