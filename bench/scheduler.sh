#!/usr/bin/env bash
# The scheduler benchmark: N lines of which D are due for automatic renewal from their balance.
# Measures, on a fresh SQLite database, `simkeep tick` (one sweep: every due renewal started,
# paid from the balance, receipted, its job done) and a sweep with nothing due, beside the peer
# measured in the same run on the same machine (PostgreSQL 15 + pgbench doing the top-up of
# bench/pgbench/topup.sql as one SQL transaction); writes bench/RESULTS-scheduler.md.
#
# Usage: bench/scheduler.sh [--lines N] [--due D] [--no-build] [--keep] [--output FILE]
# Defaults: 1,000,000 lines, 100,000 due (the targets: the due sweep ≤ 10 s, an idle sweep
# < 50 ms, on 2 cores). Everything runs on 127.0.0.1, is started here and stopped on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bench=$root/bench
lines=1000000
due=100000
build=1
keep=0
output=$bench/RESULTS-scheduler.md
plan=sample-docomo-mvno-2gb  # ¥850, 30 calendar days, sold with automatic renewal.

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --lines) lines=$2; shift 2 ;;
    --due) due=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --keep) keep=1; shift ;;
    --output) output=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ $due -le $lines ]] || { echo "bench: --due must not exceed --lines" >&2; exit 2; }
log() { echo "bench: $*" >&2; }
now_ns() { date +%s%N; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
missing=()
for package in postgresql-15 postgresql-client-15 sqlite3 python3 curl; do
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

work=$(mktemp -d "${TMPDIR:-/tmp}/simkeep-scheduler.XXXXXX")
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

# ---------------------------------------------------------------------------------------------
# 1. Peer: PostgreSQL 15 (fsync and synchronous_commit on) and pgbench's top-up, 10 s, 64 clients.
pg_dir=$work/pg
mkdir -p "$pg_dir"
cp "$bench/pgbench/schema.sql" "$bench/pgbench/topup.sql" "$pg_dir/"
[[ $(id -u) -eq 0 ]] && chown -R postgres: "$pg_dir"
pg_port=$(free_port)
as_pg "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres --no-sync > "$pg_dir/initdb.log"
pg_data=$pg_dir/data
as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_dir/server.log" -w -o "-c listen_addresses=127.0.0.1 \
  -c port=$pg_port -c unix_socket_directories=$pg_dir -c fsync=on -c synchronous_commit=on \
  -c max_connections=100" start > /dev/null
as_pg "$pg_bin/psql" -h "$pg_dir" -p "$pg_port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
  -v accounts="$due" -f "$pg_dir/schema.sql" > /dev/null
log "pgbench top-up: -c64 -j2 -T10"
pgbench_command=(pgbench -h "$pg_dir" -p "$pg_port" -U postgres -n -M prepared -c 64 -j 2 -T 10
                 -D accounts="$due" -f "$pg_dir/topup.sql" postgres)
(cd "$pg_dir" && as_pg timeout 120 "$pg_bin/${pgbench_command[@]}") > "$work/pgbench.txt" 2>&1 ||
  { cat "$work/pgbench.txt" >&2; exit 1; }
pg_tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$work/pgbench.txt")
as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop > /dev/null; pg_data=""
log "pgbench: $pg_tps TPS"

# ---------------------------------------------------------------------------------------------
# 2. N lines: D whose validity ends at T0 + 23 h (due for renewal at T0 - 1 h with the default
# 24-hour lead), the rest 20 days later; each due line pre-funded with 5,000 yen through the API
# and set to renew from its balance.
t0=2027-01-15T12:00:00+09:00
read -r due_end other_end due_micros < <("$python" - "$t0" <<'EOF'
import datetime, sys
t0 = datetime.datetime.fromisoformat(sys.argv[1])
due = t0 + datetime.timedelta(hours=23)
other = t0 + datetime.timedelta(days=20)
print(due.isoformat(), other.isoformat(), int(due.timestamp()) * 1000000)
EOF
)
db=$work/simkeep.db
ROOT=$root "$python" - "$lines" "$due" "$plan" "$due_end" "$other_end" > "$work/lines.csv" <<'EOF'
import os, sys
sys.path.insert(0, os.path.join(os.environ.get("ROOT", "."), "tests", "support"))
from simkeep_ids import luhn_check_digit
n, due, plan, due_end, other_end = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
out = sys.stdout
out.write("iccid,carrier,state,plan_id,expires_at\n")
for i in range(n):
    p = "898110%013d" % i
    out.write("%s%s,docomo,active,%s,%s\n" % (p, luhn_check_digit(p), plan,
                                             due_end if i < due else other_end))
EOF
"$simkeep" --database "$db" migrate > /dev/null
log "import: $lines lines"
start=$(now_ns)
timeout 1800 "$simkeep" --database "$db" import lines "$work/lines.csv" > "$work/import.log" 2>&1 ||
  { cat "$work/import.log" >&2; exit 1; }
import_s=$(calc "%.1f" "($(now_ns) - $start) / 1e9")
rm -f "$work/lines.csv"
sqlite3 "$db" "SELECT line_id FROM lines WHERE expires_at = $due_micros" > "$work/due.txt"
[[ $(wc -l < "$work/due.txt") -eq $due ]] || { echo "bench: the due lines were not imported" >&2; exit 1; }
clerk=$("$simkeep" --database "$db" apikey create --role clerk --name bench)
port=$(free_port)
"$simkeep" --database "$db" serve --port "$port" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1000); do
  curl -sf "http://127.0.0.1:$port/readyz" > /dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.01
done
log "prefund: 5,000 yen for each of $due lines through the API"
timeout 1800 "$python" "$bench/prefund.py" "http://127.0.0.1:$port" "$clerk" "$work/due.txt" 5000 8
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
sqlite3 "$db" "INSERT INTO auto_renewals (line_id, enabled, plan_id, payment_method_id, \
  monthly_cap_jpy, updated_at) SELECT line_id, 1, '$plan', 'balance', 5000, 0 FROM lines \
  WHERE expires_at = $due_micros"

# ---------------------------------------------------------------------------------------------
# 3. The sweeps. `tick` prints how long its passes took on stderr; the process's own start
# (opening the database) is reported beside it.
# tick_at TIME NAME: one `simkeep --now TIME tick`; sets tick_ms[NAME], wall_ms[NAME], out[NAME].
declare -A tick_ms wall_ms out
tick_at() {
  local start
  start=$(now_ns)
  "$simkeep" --database "$db" --now "$1" tick > "$work/tick.out" 2> "$work/tick.err" ||
    { cat "$work/tick.err" >&2; exit 1; }
  wall_ms[$2]=$(( ($(now_ns) - start) / 1000000 ))
  tick_ms[$2]=$(sed -n 's/^tick: sweep and scheduler \([0-9]*\) ms.*/\1/p' "$work/tick.err")
  out[$2]=$(head -2 "$work/tick.out" | tr '\n' ' ')
  log "$2: ${tick_ms[$2]} ms (process ${wall_ms[$2]} ms): ${out[$2]}"
}
# The first pass sets the reminder cursors; the second, before the renewals fall due, queues the
# 1-day reminders ("will renew on … for 850円") of the due lines; then the renewals; then a pass
# with nothing due.
tick_at 2027-01-14T00:00:00+09:00 "first pass"
tick_at 2027-01-15T10:00:00+09:00 "reminders"
# With --keep, a copy of the database as it is before the renewals, to rerun or profile that
# sweep alone: `simkeep --database COPY --now T0 tick`.
[[ $keep -eq 1 ]] && sqlite3 "$db" ".backup '$work/before-renewals.db'"
tick_at "$t0" "renewals"
tick_at "$t0" "nothing due"
renewed=$(sqlite3 "$db" "SELECT count(*) FROM scheduler_jobs WHERE status = 'done'")
audit=$("$simkeep" --database "$db" audit | tail -1)
[[ $renewed -eq $due ]] || log "WARNING: $renewed of $due renewals done"

# ---------------------------------------------------------------------------------------------
# 4. The report.
renewals_per_s=$(calc "%.0f" "$due / (${tick_ms[renewals]} / 1000)")
revision=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "?")
[[ -n $(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null) ]] &&
  revision+=" (with uncommitted changes)"
met() { awk -v a="$1" -v b="$2" -v op="$3" 'BEGIN { ok = (op == "<") ? a < b : a <= b; print ok ? "met" : "**missed**" }'; }
{
  echo "# simkeep scheduler benchmark"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), simkeep $revision, $lines lines on SQLite, $due of them"
  echo "due for automatic renewal from their balance ($plan, ¥850). Every figure below was measured"
  echo "in this run on this machine ($(nproc) cores, $(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo) GiB). Command: \`bench/scheduler.sh --lines $lines --due $due\`."
  echo
  echo "| Pass | Sweep ms | Process ms | What it did |"
  echo "|---|---:|---:|---|"
  for name in "first pass" "reminders" "renewals" "nothing due"; do
    echo "| $name | ${tick_ms[$name]} | ${wall_ms[$name]} | ${out[$name]} |"
  done
  echo
  echo "- Renewals: $due in ${tick_ms[renewals]} ms = $renewals_per_s renewals/s (each: a job, an order,"
  echo "  three ledger transfers, a receipt, a line event, the job done: one committer command),"
  echo "  $(calc "%.2f" "$renewals_per_s / $pg_tps")× the peer's $pg_tps top-up transactions/s (pgbench, PostgreSQL 15,"
  echo "  fsync on, 64 clients, bench/pgbench/topup.sql)."
  echo "- Target: $due due renewed in one sweep ≤ 10 s: ${tick_ms[renewals]} ms — $(met "${tick_ms[renewals]}" 10000 "<=")."
  echo "- Target: a sweep with nothing due < 50 ms: ${tick_ms["nothing due"]} ms — $(met "${tick_ms["nothing due"]}" 50 "<")."
  echo "- Jobs done: $renewed. \`simkeep audit\`: $audit"
  echo "- Import of $lines lines: $import_s s. \"Process ms\" adds the CLI's start (opening the"
  echo "  database, loading the catalog) and exit to the sweep."
} > "$output"
cat "$output"
