#!/usr/bin/env bash
# The usage ingestion benchmark: records/s stored durably and de-duplicated, through
# `simkeep import usage` (the CLI) and POST /v1/usage (10,000-record batches from several
# clients), on a fresh SQLite database of N lines, beside the peers measured in the same run on
# the same machine: PostgreSQL 15 + pgbench doing the same ingestion in plain SQL
# (bench/pgbench/usage.sql), and pgbench's top-up (bench/pgbench/topup.sql, as in run.sh).
# Writes bench/RESULTS-usage.md.
#
# Usage: bench/usage.sh [--lines N] [--records R] [--hot H] [--clients C] [--duration SECONDS]
#                       [--no-build] [--keep] [--output FILE]
# Defaults: 1,000,000 lines, 1,000,000 records per CLI import, records spread over every line
# ("spread") and over H = 1,000 lines ("hot"), 4 API clients for 15 s. Target: ≥ 500,000
# records/s. Everything runs on 127.0.0.1, is started here and stopped on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bench=$root/bench
lines=1000000
records=1000000
hot=1000
clients=4
duration=15
build=1
keep=0
output=$bench/RESULTS-usage.md
invocation="bench/usage.sh${*:+ $*}"
plan=sample-docomo-ahamo-30gb
target=500000

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --lines) lines=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --hot) hot=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --keep) keep=1; shift ;;
    --output) output=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ $hot -le $lines && $((hot % clients)) -eq 0 && $((lines % clients)) -eq 0 ]] ||
  { echo "bench: --hot must not exceed --lines, and both must be multiples of --clients" >&2; exit 2; }
started=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log() { echo "bench: $*" >&2; }
now_ns() { date +%s%N; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# ---------------------------------------------------------------------------------------------
# What the benchmark needs (apt only for what is missing), then the release build.
sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
missing=()
for package in wrk postgresql-15 postgresql-client-15 sqlite3 python3 curl; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  log "installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi
pg_bin=/usr/lib/postgresql/15/bin
python=/usr/bin/python3
simkeep=$root/build/release/apps/simkeep/simkeep
if [[ $build -eq 1 ]]; then
  "$root/scripts/setup.sh"
  log "building the release simkeep"
  (cd "$root" && cmake --preset release > /dev/null &&
    cmake --build --preset release --target simkeep) | tail -1
fi
[[ -x $simkeep ]] || { echo "bench: $simkeep is missing (build it or drop --no-build)" >&2; exit 1; }

# Scratch space on the disk a deployment would use (not a tmpfs), and cleanup.
work=$(mktemp -d "${TMPDIR:-/tmp}/simkeep-usage.XXXXXX")
chmod 755 "$work"
server_pid=""
pg_data=""
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  set +e
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [[ -n $pg_data ]] && as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop > /dev/null 2>&1
  if [[ $keep -eq 1 ]]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() {
  "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
run_id="$(date +%Y%m%d%H%M%S)-$$"
commands=()  # The exact commands, for the report.
rows=()      # Table rows, in order.
declare -A rate seconds count tool note p50 p99

# ---------------------------------------------------------------------------------------------
# 1. Peers: PostgreSQL 15 (fsync and synchronous_commit on). pgbench's top-up (64 clients, 10 s,
# as bench/scheduler.sh), then the same ingestion as simkeep's in plain SQL: 10,000 records a
# transaction, de-duplicated by their primary key, added to their lines' totals; C clients,
# records spread over N lines, then over H.
pg_dir=$work/pg
mkdir -p "$pg_dir"
cp "$bench/pgbench/"*.sql "$pg_dir/"
[[ $(id -u) -eq 0 ]] && chown -R postgres: "$pg_dir"
pg_port=$(free_port)
as_pg "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres --no-sync > "$pg_dir/initdb.log"
pg_data=$pg_dir/data
as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_dir/server.log" -w -o "-c listen_addresses=127.0.0.1 \
  -c port=$pg_port -c unix_socket_directories=$pg_dir -c fsync=on -c synchronous_commit=on \
  -c max_connections=100" start > /dev/null
pg_psql() { as_pg "$pg_bin/psql" -h "$pg_dir" -p "$pg_port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 "$@"; }
pg_psql -v accounts=10000 -f "$pg_dir/schema.sql" > /dev/null
pg_psql -v lines="$lines" -f "$pg_dir/usage_schema.sql" > /dev/null
# pgbench_run NAME ARGS...: one bounded pgbench run; sets pg_tps.
pgbench_run() {
  local name=$1; shift
  local command=(pgbench -h "$pg_dir" -p "$pg_port" -U postgres -n -M prepared "$@" postgres)
  log "$name: ${command[*]}"
  commands+=("${command[*]//$work\//\$WORK/}")
  (cd "$pg_dir" && as_pg timeout 300 "$pg_bin/${command[@]}") > "$work/pgbench.txt" 2>&1 ||
    { cat "$work/pgbench.txt" >&2; exit 1; }
  pg_tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$work/pgbench.txt")
  local failed
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$work/pgbench.txt")
  [[ ${failed:-0} -eq 0 ]] || log "WARNING: $name: $failed failed transactions"
}
pgbench_run "pgbench top-up" -c 64 -j 2 -T 10 -D accounts=10000 -f "$pg_dir/topup.sql"
topup_tps=$(calc "%.0f" "$pg_tps")
log "pgbench top-up: $topup_tps TPS"
for spread in "$lines" "$hot"; do
  name="PostgreSQL usage SQL, $spread lines"
  pgbench_run "$name" -c "$clients" -j 2 -T "$duration" -D lines="$spread" -D clients="$clients" \
    -f "$pg_dir/usage.sql"
  rate[$name]=$(calc "%.0f" "$pg_tps * 10000")
  tool[$name]="pgbench → PostgreSQL $("$pg_bin/postgres" --version | awk '{ print $3 }')"
  count[$name]=$(calc "%.0f" "$pg_tps * 10000 * $duration"); seconds[$name]=$duration
  note[$name]="$clients clients × 10,000-record transactions"
  rows+=("$name")
  log "$name: ${rate[$name]} records/s"
done
as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop > /dev/null; pg_data=""

# ---------------------------------------------------------------------------------------------
# 2. simkeep: N active docomo data lines (ICCID and IMSI), each given a 30 GB data bucket valid
# around the benchmark's instant T0 (written with SQL, as a renewal of $plan would: a million
# renewals through the API would take longer than everything else here).
t0=2027-01-15T12:00:00+09:00
record_start=2027-01-15T09:00:00+09:00
record_end=2027-01-15T09:15:00+09:00
read -r bucket_start bucket_end < <("$python" - "$t0" <<'EOF'
import datetime, sys
t0 = datetime.datetime.fromisoformat(sys.argv[1])
micros = lambda t: int(t.timestamp()) * 1000000
print(micros(t0 - datetime.timedelta(days=10)), micros(t0 + datetime.timedelta(days=20)))
EOF
)
db=$work/simkeep.db
ROOT=$root "$python" - "$lines" "$plan" > "$work/lines.csv" <<'EOF'
import os, sys
sys.path.insert(0, os.path.join(os.environ.get("ROOT", "."), "tests", "support"))
from simkeep_ids import luhn_check_digit
n, plan = int(sys.argv[1]), sys.argv[2]
out = sys.stdout
out.write("iccid,imsi,carrier,service,state,plan_id,expires_at\n")
for i in range(n):
    p = "898110%013d" % i
    out.write("%s%s,44010%010d,docomo,data,active,%s,2027-02-04T12:00:00+09:00\n"
              % (p, luhn_check_digit(p), i, plan))
EOF
"$simkeep" --database "$db" migrate > /dev/null
log "import lines: $lines"
start=$(now_ns)
timeout 1800 "$simkeep" --database "$db" import lines "$work/lines.csv" > "$work/import-lines.log" 2>&1 ||
  { cat "$work/import-lines.log" >&2; exit 1; }
import_lines_s=$(calc "%.1f" "($(now_ns) - $start) / 1e9")
rm -f "$work/lines.csv"
sqlite3 "$db" "INSERT INTO buckets (bucket_id, line_id, kind, initial_units, remaining_units, \
  starts_at, expires_at, order_id) SELECT 'bk_bench_' || line_id, line_id, 'data', 30000000000, \
  30000000000, $bucket_start, $bucket_end, NULL FROM lines"
stored() { sqlite3 "$db" "SELECT count(*) FROM usage_records"; }

# usage_csv FILE ROWS SPREAD PREFIX: ROWS data records on random lines among the first SPREAD,
# named by IMSI as a network's CDRs name them.
usage_csv() {
  "$python" - "$2" "$3" "$4" "$record_start" "$record_end" > "$1" <<'EOF'
import random, sys
rows, spread, prefix, start, end = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
generator = random.Random(rows * 31 + spread)
out = sys.stdout
out.write("record_id,imsi,kind,quantity,start,end\n")
for i in range(rows):
    out.write("%s%09d,44010%010d,data,%d,%s,%s\n"
              % (prefix, i, generator.randrange(spread), generator.randint(1, 100000), start, end))
EOF
}

# cli_import NAME FILE EXPECTED_ACCEPTED: one timed `simkeep import usage`.
cli_import() {
  local name=$1 file=$2 expected=$3 start ns summary
  log "$name"
  commands+=("simkeep --database \$WORK/simkeep.db --now $t0 import usage \$WORK/$(basename "$file")")
  start=$(now_ns)
  timeout 3600 "$simkeep" --database "$db" --now "$t0" import usage "$file" > "$work/import.out" \
    2> "$work/import.err" || { tail -5 "$work/import.out" "$work/import.err" >&2; exit 1; }
  ns=$(( $(now_ns) - start ))
  summary=$(tail -1 "$work/import.out")
  [[ $summary == *", $expected accepted,"* ]] || log "WARNING: $name: $summary"
  rate[$name]=$(calc "%.0f" "$records / ($ns / 1e9)")
  seconds[$name]=$(calc "%.2f" "$ns / 1e9")
  count[$name]=$records
  tool[$name]="simkeep import usage"
  note[$name]=${summary#import: }
  rows+=("$name")
  log "$name: ${rate[$name]} records/s ($summary)"
}

usage_csv "$work/spread.csv" "$records" "$lines" "s-"
cli_import "CLI, $lines lines" "$work/spread.csv" "$records"
cli_import "CLI again (all duplicates)" "$work/spread.csv" 0
usage_csv "$work/hot.csv" "$records" "$hot" "h-"
cli_import "CLI, $hot lines" "$work/hot.csv" "$records"
rm -f "$work/spread.csv" "$work/hot.csv"

# ---------------------------------------------------------------------------------------------
# 3. POST /v1/usage: C wrk connections, each sending 10,000-record JSON batches (records on
# random lines among N, then among H) for D seconds. Records/s counts the records of the batches
# answered 200 (each answer comes after its commit) over wrk's own duration; the batches still in
# flight when wrk stops are applied too, and counted only as "stored by the end".
port=$(free_port)
serve_command=(simkeep --database "$db" --now "$t0" serve --port "$port" --threads 2)
"$simkeep" "${serve_command[@]:1}" > "$work/server.log" 2>&1 &
server_pid=$!
commands+=("${serve_command[*]//$work\//\$WORK/}")
for _ in $(seq 1000); do
  curl -sf "http://127.0.0.1:$port/readyz" > /dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.01
done
operator=$("$simkeep" --database "$db" apikey create --role operator --name bench)
for spread in "$lines" "$hot"; do
  name="API, $spread lines"
  awk -v n="$spread" 'BEGIN { for (i = 0; i < n; i++) printf "44010%010d\n", i }' > "$work/imsis.txt"
  before=$(stored)
  command=(wrk -t2 -c"$clients" -d"${duration}s" --timeout 60s -s "$bench/wrk/usage.lua"
           "http://127.0.0.1:$port")
  log "$name: ${command[*]#$root/}"
  # RUN makes the record ids unique: per run of the script, and per workload.
  commands+=("LINES=imsis.txt TOKEN=\$TOKEN RUN=$run_id-$spread BENCH_WRK=bench/wrk USAGE_START=$record_start USAGE_END=$record_end ${command[*]#$root/}")
  LINES=$work/imsis.txt TOKEN=$operator RUN=$run_id-$spread BENCH_WRK=$bench/wrk RESULT=$work/wrk.result \
    USAGE_START=$record_start USAGE_END=$record_end timeout $((duration + 120)) "${command[@]}" \
    > "$work/wrk.txt"
  # Batches wrk gave up waiting for are still applied: count once the table stops growing.
  settled=$(stored)
  while sleep 1 && [[ $(stored) -ne $settled ]]; do settled=$(stored); done
  result=$(cat "$work/wrk.result")
  field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<< "$result"; }
  added=$(( settled - before ))
  answered=$(calc "%.0f" "($(field requests) - $(field http_errors)) * 10000")
  errors=$(( $(field http_errors) + $(field socket_errors) ))
  [[ $errors -eq 0 ]] || log "WARNING: $name: $errors errors: $result"
  [[ $added -ge $answered ]] || log "WARNING: $name: $answered records answered, $added stored"
  rate[$name]=$(calc "%.0f" "$answered / $(field seconds)")
  seconds[$name]=$(field seconds)
  count[$name]=$answered
  p50[$name]=$(field p50_ms); p99[$name]=$(field p99_ms)
  tool[$name]="wrk → simkeep serve"
  note[$name]="$clients connections × 10,000-record batches; $errors errors; batch p50 ${p50[$name]} ms, p99 ${p99[$name]} ms; $added stored by the end"
  rows+=("$name")
  log "$name: ${rate[$name]} records/s ($added stored, $errors errors)"
done
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
total_stored=$(stored)
day_units=$(sqlite3 "$db" "SELECT sum(records) FROM usage_daily")
[[ $day_units -eq $total_stored ]] || log "WARNING: usage_daily counts $day_units records, $total_stored stored"
db_bytes=$(( $(stat -c %s "$db") + $(stat -c %s "$db-wal" 2>/dev/null || echo 0) ))

# ---------------------------------------------------------------------------------------------
# 4. The report.
revision=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "?")
[[ -n $(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null) ]] &&
  revision+=" (with uncommitted changes)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2f×", a / b; else print "–" }'; }
met() { awk -v a="$1" -v b="$target" 'BEGIN { print (a >= b) ? "met" : "**missed**" }'; }
peer_of() {  # The plain-SQL peer with the same spread as a simkeep row.
  case $1 in
    *", $hot lines") echo "PostgreSQL usage SQL, $hot lines" ;;
    *) echo "PostgreSQL usage SQL, $lines lines" ;;
  esac
}
{
  echo "# simkeep usage ingestion benchmark"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), simkeep $revision, $lines lines on SQLite (WAL,"
  echo "synchronous=FULL), each with a 30 GB data bucket. Every figure below was measured in this run on"
  echo "this machine ($(nproc) cores, $(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo) GiB; load generator, server and peers share the cores)."
  echo "Command: \`$invocation\`."
  echo
  echo "| Workload | Tool | Records | Seconds | Records/s | vs plain-SQL peer | vs pgbench top-up TPS | Target ≥ $target/s | Notes |"
  echo "|---|---|---:|---:|---:|---:|---:|---|---|"
  for name in "${rows[@]}"; do
    vs_peer=–; verdict=–
    # The run of duplicates stores nothing: neither the target nor the peer applies to it.
    if [[ $name != PostgreSQL* && $name != *duplicates* ]]; then
      verdict=$(met "${rate[$name]}")
      vs_peer=$(ratio "${rate[$name]}" "${rate[$(peer_of "$name")]}")
    fi
    echo "| $name | ${tool[$name]} | ${count[$name]} | ${seconds[$name]} | ${rate[$name]} | $vs_peer | $(ratio "${rate[$name]}" "$topup_tps") | $verdict | ${note[$name]} |"
  done
  echo
  echo "- Records/s counts records stored durably (committed with synchronous=FULL or fsync on) and"
  echo "  de-duplicated by record_id. simkeep applies each to its line: the bucket's remaining bytes,"
  echo "  the day's usage, the overage and the speed; the peer adds it to a per-line total."
  echo "- \"N lines\": each record on a line drawn at random among N, so a 10,000-record batch"
  echo "  touches about min(N, 10,000) lines; the line is named by its IMSI."
  echo "- \"CLI again\": the same file a second time, every record a duplicate (reading, parsing, the"
  echo "  lookup of stored ids; nothing written)."
  echo "- Peer: pgbench's top-up (bench/pgbench/topup.sql, 64 clients, 10 s): $topup_tps transactions/s."
  echo "  Plain-SQL usage peer: bench/pgbench/usage.sql, $clients clients, ${duration} s."
  echo "- Import of $lines lines: $import_lines_s s. Stored at the end: $total_stored records"
  echo "  (usage_daily agrees: $day_units), database + WAL $(calc "%.0f" "$db_bytes / 1048576") MiB."
  echo "- Load average (1, 5, 15 min) before the run: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "- Where the time goes and what would raise it: [PROFILE.md](PROFILE.md#usage-ingestion)."
  echo
  echo "## Commands"
  echo
  echo '```sh'
  echo "$invocation"
  echo "# which ran (\$WORK is a fresh scratch directory, \$TOKEN an operator API key):"
  for c in "${commands[@]}"; do echo "$c"; done
  echo '```'
  echo
  echo "Whole run: $(( $(date +%s) - started )) s."
} > "$work/report.md"
cat "$work/report.md"
cp "$work/report.md" "$output"
log "wrote ${output#$root/}"
