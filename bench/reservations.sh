#!/usr/bin/env bash
# The reservation benchmark: reserve + commit round trips (POST /v1/lines/{id}/reservations, then
# …/{reservation_id}/commit) at fixed rates against `simkeep serve` (release build) on a fresh
# SQLite database, with each round trip's latency measured from when it was due (open loop, by
# bench/tools/reservation_load.cc); writes bench/RESULTS-reservations.md.
#
# Usage: bench/reservations.sh [--lines N] [--rates R,R,...] [--duration S] [--connections C]
#                              [--server-threads T] [--no-build] [--keep] [--output FILE]
# Defaults: 10,000 lines; 1000,2500,5000,7500,10000 round trips/s; 12 s each (the first 2 s not
# counted); 64 connections; `serve --threads 2`. The target: p99 ≤ 3 ms at 10,000/s on 2 cores.
# Everything runs on 127.0.0.1, is started here and stopped on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bench=$root/bench
lines=10000
rates=1000,2500,5000,7500,10000
duration=12
connections=64
server_threads=2
build=1
keep=0
output=$bench/RESULTS-reservations.md
invocation="bench/reservations.sh${*:+ $*}"

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --lines) lines=$2; shift 2 ;;
    --rates) rates=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --server-threads) server_threads=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --keep) keep=1; shift ;;
    --output) output=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
log() { echo "bench: $*" >&2; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
field() { local v; v=$(sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"); echo "${v:-0}"; }

sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
missing=()
for package in g++ libboost-dev sqlite3 python3 curl; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  log "installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi
python=/usr/bin/python3
simkeep=$root/build/release/apps/simkeep/simkeep
if [[ $build -eq 1 ]]; then
  "$root/scripts/setup.sh"
  log "building the release simkeep"
  (cd "$root" && cmake --preset release > /dev/null &&
    cmake --build --preset release --target simkeep) | tail -1
fi
[[ -x $simkeep ]] || { echo "bench: $simkeep is missing (build it or drop --no-build)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/simkeep-reservations.XXXXXX")
server_pid=""
cleanup() {
  set +e
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  if [[ $keep -eq 1 ]]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() {
  "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

log "compiling the load client"
load=$work/reservation_load
g++ -O2 -std=c++20 -pthread "$bench/tools/reservation_load.cc" -o "$load"

# ---------------------------------------------------------------------------------------------
# N active au lines, each with a 100 GB data bucket valid for a year (written straight into the
# fresh database: the benchmark measures reservations, not renewals).
db=$work/simkeep.db
ROOT=$root "$python" - "$lines" > "$work/lines.csv" <<'EOF'
import os, sys
sys.path.insert(0, os.path.join(os.environ.get("ROOT", "."), "tests", "support"))
from simkeep_ids import luhn_check_digit
out = sys.stdout
out.write("iccid,carrier,state,plan_id,expires_at\n")
for i in range(int(sys.argv[1])):
    p = "898130%013d" % i
    out.write("%s%s,au,active,sample-au-base,2027-12-31T23:59:59+09:00\n" % (p, luhn_check_digit(p)))
EOF
"$simkeep" --database "$db" migrate > /dev/null
timeout 600 "$simkeep" --database "$db" import lines "$work/lines.csv" > "$work/import.log" 2>&1 ||
  { cat "$work/import.log" >&2; exit 1; }
now_us=$(( $(date +%s) * 1000000 ))
sqlite3 "$db" "INSERT INTO buckets (bucket_id, line_id, kind, initial_units, remaining_units, \
  starts_at, expires_at) SELECT 'bk_bench_' || line_id, line_id, 'data', 100000000000, \
  100000000000, $now_us - 86400000000, $now_us + 365 * 86400000000 FROM lines"
sqlite3 "$db" "SELECT line_id FROM lines" > "$work/lines.txt"
[[ $(wc -l < "$work/lines.txt") -eq $lines ]] || { echo "bench: import failed" >&2; exit 1; }
token=$("$simkeep" --database "$db" apikey create --role operator --name bench)
port=$(free_port)
"$simkeep" --database "$db" serve --port "$port" --threads "$server_threads" \
  > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1000); do
  curl -sf "http://127.0.0.1:$port/readyz" > /dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.01
done

# The disk's durable-write latency where the database lives: every command of a batch waits for
# its commit's fdatasync (synchronous=FULL), so its tail bounds the round trip's from below.
fsync_probe=$("$python" - "$work" <<'EOF'
import os, sys, time
path = os.path.join(sys.argv[1], "fsync-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
samples = []
for i in range(500):
    os.pwrite(fd, b"x" * 4096, (i % 16) * 4096)
    start = time.perf_counter()
    os.fdatasync(fd)
    samples.append((time.perf_counter() - start) * 1000)
os.close(fd)
os.unlink(path)
samples.sort()
print("p50 %.3f ms, p99 %.3f ms, max %.3f ms" % (samples[250], samples[495], samples[-1]))
EOF
)
log "fdatasync of a 4 KiB page: $fsync_probe"

ticks=$(getconf CLK_TCK)
# The server's CPU ticks (user + system): the whole process, and its busiest thread.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }
thread_ticks() {
  for stat in /proc/"$server_pid"/task/*/stat; do
    awk '{ print substr(FILENAME, 1), $14 + $15 }' "$stat"
  done | sort > "$1"
}
metric() { curl -s "http://127.0.0.1:$port/metrics" | awk -v name="$1" '$1 == name { print $2 }'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rows=()
run=0
IFS=, read -r -a rate_list <<<"$rates"
for rate in "${rate_list[@]}"; do
  run=$((run + 1))
  log "reserve + commit at $rate round trips/s for $duration s"
  cpu_before=$(cpu_ticks)
  thread_ticks "$work/threads-before"
  batches_before=$(metric simkeep_commit_batches_total)
  commands_before=$(metric simkeep_commit_commands_total)
  set +e
  result=$(timeout $((duration * 4 + 60)) "$load" --port "$port" --token "$token" \
             --lines "$work/lines.txt" --rate "$rate" --duration "$duration" \
             --connections "$connections" --warmup 2 --run "$run")
  set -e
  cpu_after=$(cpu_ticks)
  thread_ticks "$work/threads-after"
  batches=$(( $(metric simkeep_commit_batches_total) - batches_before ))
  commands=$(( $(metric simkeep_commit_commands_total) - commands_before ))
  busiest=$(join "$work/threads-before" "$work/threads-after" | awk '{ d = $3 - $2; if (d > m) m = d } END { print m + 0 }')
  done_trips=$(( $(field scheduled "$result") - $(field errors "$result") ))
  [[ $done_trips -gt 0 ]] || done_trips=1
  cpu_us=$(calc "%.0f" "($cpu_after - $cpu_before) * 1e6 / $ticks / $done_trips")
  busiest_us=$(calc "%.0f" "$busiest * 1e6 / $ticks / $done_trips")
  per_commit=$(calc "%.1f" "$commands / ($batches > 0 ? $batches : 1)")
  rows+=("| $rate | $(field achieved_rps "$result") | $(field p50_ms "$result") | $(field p90_ms "$result") | $(field p99_ms "$result") | $(field p999_ms "$result") | $(field max_ms "$result") | $(field reserve_p99_ms "$result") | $(field commit_p99_ms "$result") | $(field errors "$result") | $cpu_us | $busiest_us | $per_commit |")
  log "${rows[-1]}"
done

kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
target_row=""
for row in "${rows[@]}"; do
  [[ $row == "| 10000 |"* ]] && target_row=$row
done
{
  echo "# simkeep reservation benchmark"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), simkeep $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')," \
       "$(nproc) cores ($(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -1))," \
       "$lines lines on a fresh SQLite database, \`simkeep serve --threads $server_threads\` (release build)."
  echo "Load: $connections keep-alive connections, each round trip = reserve 1 MB then commit 90 % of the"
  echo "grant, scheduled at a fixed rate (open loop: latency from when the round trip was due), $duration s"
  echo "per rate of which the first 2 s are not counted. Client and server share the cores."
  echo "fdatasync of a 4 KiB page on the database's disk, measured just before: $fsync_probe;"
  echo "load average when the runs started: $load_before."
  echo
  echo "Command: \`$invocation\`"
  echo
  echo "| Target round trips/s | Achieved/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | reserve p99 ms | commit p99 ms | Errors | simkeep CPU µs/round trip | busiest thread µs/round trip | commands per commit |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Target: p99 ≤ 3 ms at 10,000 round trips/s on 2 cores.${target_row:+ Measured at 10,000/s: $target_row}"
} > "$output"
cat "$output"
