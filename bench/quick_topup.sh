#!/usr/bin/env bash
# Measures cash top-ups per second against a release build on a fresh SQLite database.
# Usage: bench/quick_topup.sh [LINES] [CONNECTIONS] [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
simkeep=$root/build/release/apps/simkeep/simkeep
lines=${1:-1000}
connections=${2:-128}
seconds=${3:-10}
work=$(mktemp -d)
trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
/usr/bin/python3 - "$lines" > "$work/lines.csv" <<'PY'
import sys
def luhn(p):
    s = 0
    for i, ch in enumerate(reversed(p)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        s += d
    return str((10 - s % 10) % 10)
print("iccid,carrier")
for i in range(int(sys.argv[1])):
    p = "898110%013d" % i
    print(p + luhn(p) + ",au")
PY
"$simkeep" --database "$work/db" import lines "$work/lines.csv" 2>/dev/null | tail -1
sqlite3 "$work/db" "SELECT line_id FROM lines" > "$work/ids"
token=$("$simkeep" --database "$work/db" apikey create --role clerk)
"$simkeep" --database "$work/db" serve --port 0 --port-file "$work/port" --threads 2 \
  > "$work/server.log" 2>&1 & echo $! > "$work/pid"
for _ in $(seq 50); do [[ -s "$work/port" ]] && break; sleep 0.1; done
port=$(cat "$work/port")
LINES=$work/ids TOKEN=$token RUN=$$ wrk -t2 -c"$connections" -d"${seconds}s" \
  -s "$root/bench/wrk/topup.lua" "http://127.0.0.1:$port" | grep -E "Requests/sec|topup"
curl -s "http://127.0.0.1:$port/metrics" | grep -E "^simkeep_commit_(batches|commands)_total"
