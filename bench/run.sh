#!/usr/bin/env bash
# The simkeep benchmark: builds a release, measures simkeep's workloads on a fresh SQLite database
# beside its peers measured in the same run on the same machine (nginx serving a static JSON body =
# the machine's HTTP ceiling; PostgreSQL 15 + pgbench doing the same top-up as one SQL
# transaction), prints one table and writes it to bench/RESULTS.md.
#
# Usage: bench/run.sh [--lines N] [--scale N,N,...] [--connections C] [--duration SECONDS]
#                     [--wrk-threads T] [--server-threads T] [--no-build] [--keep] [--output FILE]
# --scale repeats the simkeep workloads on fresh databases of each size (default 100000,1000000;
# "none" skips them); renewals there run on 10,000 pre-funded lines.
# Everything listens on 127.0.0.1, is started here and stopped on exit; every load run is bounded.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bench=$root/bench
lines=10000
scale=100000,1000000
connections=64
duration=10
wrk_threads=2
server_threads=2
build=1
keep=0
output=$bench/RESULTS.md
invocation="bench/run.sh${*:+ $*}"

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --lines) lines=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --wrk-threads) wrk_threads=$2; shift 2 ;;
    --server-threads) server_threads=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --keep) keep=1; shift ;;
    --output) output=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done

started=$(date +%s)
log() { echo "bench: $*" >&2; }

# ---------------------------------------------------------------------------------------------
# 1. What the benchmark needs (apt only for what is missing), then the release build.
sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
packages=(wrk postgresql-15 postgresql-client-15 sqlite3 python3 curl procps)
command -v nginx > /dev/null || [[ -x /usr/sbin/nginx ]] || packages+=(nginx-light)
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
  log "installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
pg_bin=/usr/lib/postgresql/15/bin
python=/usr/bin/python3
[[ -x $python ]] || python=$(command -v python3)

simkeep=$root/build/release/apps/simkeep/simkeep
if [[ $build -eq 1 ]]; then
  "$root/scripts/setup.sh"
  log "building the release simkeep"
  (cd "$root" && cmake --preset release > /dev/null && cmake --build --preset release --target simkeep) \
    | tail -1
fi
[[ -x $simkeep ]] || { echo "bench: $simkeep is missing (build it or drop --no-build)" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Scratch space (on the same disk as a real deployment would be: not a tmpfs), and cleanup.
work=$(mktemp -d "${TMPDIR:-/tmp}/simkeep-bench.XXXXXX")
chmod 755 "$work"
server_pid=""
nginx_pid=""
pg_data=""
as_pg() {  # initdb and postgres refuse to run as root.
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
  set +e
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [[ -n $nginx_pid ]] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  [[ -n $pg_data ]] && as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop > /dev/null 2>&1
  if [[ $keep -eq 1 ]]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
now_ns() { date +%s%N; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

run_id="$(date +%Y%m%d%H%M%S)-$$"
commands=()   # The exact load commands, for the report.
rows=()       # Table rows, in order.
declare -A rps p50 p99 errors clients tool requests
lines_file=$work/ids.txt  # The line ids wrk picks from.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# run_wrk NAME SCRIPT URL [TOKEN]: one bounded wrk run with the shared settings; the script's
# done() writes "requests=.. ok_rps=.. p50_ms=.. p99_ms=.. http_errors=.. socket_errors=..".
# Requests/s in the table counts only answers below 400; errors are reported beside it.
run_wrk() {
  local name=$1 script=$2 url=$3 token=${4:-}
  log "$name: wrk -t$wrk_threads -c$connections -d${duration}s $(basename "$script")"
  local command=(wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" --timeout 10s
                 -s "$script" "$url")
  commands+=("LINES=$(basename "$lines_file") TOKEN=\$TOKEN RUN=$run_id BENCH_WRK=bench/wrk ${command[*]#$root/}")
  LINES=$lines_file TOKEN=$token RUN=$run_id BENCH_WRK=$bench/wrk RESULT=$work/$name.result \
    timeout $((duration + 60)) "${command[@]}" > "$work/$name.wrk.txt"
  local result
  result=$(cat "$work/$name.result")
  field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<< "$result"; }
  rps[$name]=$(field ok_rps)
  requests[$name]=$(field requests)
  p50[$name]=$(field p50_ms)
  p99[$name]=$(field p99_ms)
  errors[$name]=$(( $(field http_errors) + $(field socket_errors) ))
  [[ ${errors[$name]} -eq 0 ]] || log "WARNING: $name had ${errors[$name]} errors: $result"
  clients[$name]=$connections
  tool[$name]="wrk"
  rows+=("$name")
  log "$name: ${rps[$name]} req/s, p50 ${p50[$name]} ms, p99 ${p99[$name]} ms, errors ${errors[$name]}"
}

# ---------------------------------------------------------------------------------------------
# 2a. Peer: the machine's HTTP ceiling, nginx serving a small static JSON file.
mkdir -p "$work/nginx/html" "$work/nginx/tmp"
echo '{"line_id":"ln_0000000000000000000","state":"active","balance_jpy":1000}' \
  > "$work/nginx/html/status.json"
nginx_port=$(free_port)
cat > "$work/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  types { application/json json; }
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/nginx/html;
  }
}
EOF
"$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' \
  2> "$work/nginx/stderr.log" &
nginx_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$nginx_port/status.json" > /dev/null && break; sleep 0.05; done
: > "$work/ids.txt"
run_wrk "nginx static JSON" "$bench/wrk/static.lua" "http://127.0.0.1:$nginx_port"
tool["nginx static JSON"]="wrk → nginx $("$nginx_bin" -v 2>&1 | sed 's/.*nginx\///')"
kill "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true; nginx_pid=""

# ---------------------------------------------------------------------------------------------
# 2b. Peer: PostgreSQL 15 (fsync and synchronous_commit on) with pgbench running the same top-up as
# one SQL transaction on one of N accounts, as many clients as wrk has connections.
pg_dir=$work/pg
mkdir -p "$pg_dir"
cp "$bench/pgbench/schema.sql" "$bench/pgbench/topup.sql" "$pg_dir/"
[[ $(id -u) -eq 0 ]] && chown -R postgres: "$pg_dir"
pg_port=$(free_port)
log "postgres: initdb and start on 127.0.0.1:$pg_port"
as_pg "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres --no-sync > "$pg_dir/initdb.log"
pg_data=$pg_dir/data
as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_dir/server.log" -w -o "-c listen_addresses=127.0.0.1 \
  -c port=$pg_port -c unix_socket_directories=$pg_dir -c fsync=on -c synchronous_commit=on \
  -c max_connections=$((connections + 20))" start > /dev/null
as_pg "$pg_bin/psql" -h "$pg_dir" -p "$pg_port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
  -v accounts="$lines" -f "$pg_dir/schema.sql" > /dev/null
pgbench_command=(pgbench -h "$pg_dir" -p "$pg_port" -U postgres -n -M prepared -c "$connections"
                 -j "$wrk_threads" -T "$duration" -D accounts="$lines" -f "$pg_dir/topup.sql"
                 -l --log-prefix="$pg_dir/latency" postgres)
log "pgbench top-up: -c$connections -j$wrk_threads -T$duration"
commands+=("${pgbench_command[*]//$work\//\$WORK/}")
(cd "$pg_dir" && as_pg timeout $((duration + 60)) "$pg_bin/${pgbench_command[@]}") \
  > "$work/pgbench.txt" 2>&1 || { cat "$work/pgbench.txt" >&2; exit 1; }
name="PostgreSQL top-up SQL"
rps[$name]=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$work/pgbench.txt")
rps[$name]=$(calc "%.1f" "${rps[$name]}")
read -r "p50[$name]" "p99[$name]" < <(cat "$pg_dir"/latency.* | awk '{ print $3 }' | sort -n |
  awk '{ v[NR] = $1 } END { printf "%.3f %.3f\n", v[int(NR * 0.50 + 0.5)] / 1000, v[int(NR * 0.99 + 0.5)] / 1000 }')
errors[$name]=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$work/pgbench.txt")
errors[$name]=${errors[$name]:-0}
clients[$name]=$connections
tool[$name]="pgbench → PostgreSQL $("$pg_bin/postgres" --version | awk '{ print $3 }')"
rows+=("$name")
log "$name: ${rps[$name]} TPS, p50 ${p50[$name]} ms, p99 ${p99[$name]} ms"
# The server keeps running: simkeep's PostgreSQL backend is measured on it at the end (3c).

# ---------------------------------------------------------------------------------------------
# 3. simkeep on a fresh SQLite database with N imported lines.
db=$work/simkeep.db
db_bytes() {  # The database file plus its WAL.
  local total=0 file
  for file in "$db" "$db-wal"; do [[ -f $file ]] && total=$(( total + $(stat -c %s "$file") )); done
  echo "$total"
}
db_args=(--database "$db")  # How every simkeep command below reaches the database.
list_line_ids() { sqlite3 "$db" "SELECT line_id FROM lines"; }
# import_lines N: N generated lines imported through the CLI into a fresh database (the caller
# makes it fresh); sets import_ns, ids.txt and the clerk and admin tokens.
import_lines() {
  "$python" "$bench/lines_csv.py" "$1" > "$work/lines.csv"
  log "import: $1 lines"
  local start
  "$simkeep" "${db_args[@]}" migrate > /dev/null  # Creates a new database and its key file.
  start=$(now_ns)
  timeout 1800 "$simkeep" "${db_args[@]}" import lines "$work/lines.csv" > "$work/import.log" 2>&1 \
    || { cat "$work/import.log" >&2; exit 1; }
  import_ns=$(( $(now_ns) - start ))
  rm -f "$work/lines.csv"
  list_line_ids > "$work/ids.txt"
  clerk=$("$simkeep" "${db_args[@]}" apikey create --role clerk --name bench)
  admin=$("$simkeep" "${db_args[@]}" apikey create --role admin --name bench)
}
fresh_sqlite() { rm -f "$db" "$db-wal" "$db-shm" "$db.key"; }
# start_server: serves $db; sets server_pid, base and startup_ms (process start to /readyz).
start_server() {
  server_port=$(free_port)
  serve_command=(simkeep "${db_args[@]}" serve --port "$server_port" --threads "$server_threads")
  local start
  start=$(now_ns)
  "$simkeep" "${serve_command[@]:1}" > "$work/server.log" 2>&1 &
  server_pid=$!
  base=http://127.0.0.1:$server_port
  for _ in $(seq 1000); do
    curl -sf "$base/readyz" > /dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.01
  done
  startup_ms=$(( ($(now_ns) - start) / 1000000 ))
  log "serve: ready in $startup_ms ms"
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""; }
# prefund FILE: one 100,000 yen cash top-up through the API for every line in FILE.
prefund() {
  log "prefund: one 100,000 yen cash top-up for each of $(wc -l < "$1") lines through the API"
  local start
  start=$(now_ns)
  timeout 1800 "$python" "$bench/prefund.py" "$base" "$clerk" "$1" 100000 8
  log "prefund: $(calc "%.1f" "$(( $(now_ns) - start )) / 1e9") s"
}

fresh_sqlite
import_lines "$lines"
commands+=("simkeep --database \$WORK/simkeep.db import lines \$WORK/lines.csv   # $lines rows")
name="line import"
rps[$name]=$(calc "%.1f" "$lines / ($import_ns / 1e9)")
p50[$name]="–"; p99[$name]="–"; errors[$name]=0; clients[$name]=1
tool[$name]="simkeep import lines ($(calc "%.2f" "$import_ns / 1e9") s for $lines rows)"
rows+=("$name")
log "import: ${rps[$name]} rows/s"
bytes_after_import=$(db_bytes)

start_server
commands+=("${serve_command[*]//$work\//\$WORK/}")

rss_mb() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status"; }
declare -A rss batch cpu
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }  # utime + stime
metric() { curl -sf "$base/metrics" | awk -v m="$1" '$1 == m { v = $2 } END { print v + 0 }'; }
# run_simkeep NAME SCRIPT TOKEN: run_wrk against the server plus peak RSS and commit batch size.
run_simkeep() {
  local name=$1 batches commands_before
  batches=$(metric simkeep_commit_batches_total)
  commands_before=$(metric simkeep_commit_commands_total)
  local ticks
  ticks=$(cpu_ticks)
  run_wrk "$name" "$2" "$base" "$3"
  cpu[$name]=$(calc "%.0f" "($(cpu_ticks) - $ticks) * 1e6 / $(getconf CLK_TCK) / ${requests[$name]}")
  tool[$name]="wrk → simkeep"
  rss[$name]=$(rss_mb)
  local db_batches=$(( $(metric simkeep_commit_batches_total) - batches ))
  local db_commands=$(( $(metric simkeep_commit_commands_total) - commands_before ))
  [[ $db_batches -gt 0 ]] && batch[$name]=$(calc "%.1f" "$db_commands / $db_batches")
  return 0
}

run_simkeep "simkeep cash top-up" "$bench/wrk/topup.lua" "$clerk"
prefund "$work/ids.txt"
commands+=("python3 bench/prefund.py $base \$TOKEN ids.txt 100000 8")
run_simkeep "simkeep renewal from balance" "$bench/wrk/renewal.lua" "$clerk"
run_simkeep "simkeep status read" "$bench/wrk/status.lua" "$admin"

peak_rss=$(rss_mb)
final_rss_kb=$(awk '/^VmRSS/ { print $2 }' "/proc/$server_pid/status")
stop_server
bytes_after_run=$(db_bytes)
orders=$(sqlite3 "$db" "SELECT count(*) FROM orders")
main_rows=("${rows[@]}")

# ---------------------------------------------------------------------------------------------
# 3b. Scale: the same workloads on fresh databases of each --scale size. Renewals run on the first
# 10,000 lines, pre-funded.
scale_rows=()
declare -A scale_import scale_startup scale_rss scale_bytes
if [[ $scale != none ]]; then
  IFS=, read -r -a scale_sizes <<< "$scale"
  for n in "${scale_sizes[@]}"; do
    fresh_sqlite
    import_lines "$n"
    scale_import[$n]=$(calc "%.0f" "$n / ($import_ns / 1e9)")
    scale_bytes[$n]=$(calc "%.0f" "$(db_bytes) / $n")
    start_server
    scale_startup[$n]=$startup_ms
    run_simkeep "top-up at $n lines" "$bench/wrk/topup.lua" "$clerk"
    head -n 10000 "$work/ids.txt" > "$work/funded.txt"
    prefund "$work/funded.txt"
    lines_file=$work/funded.txt
    run_simkeep "renewal at $n lines" "$bench/wrk/renewal.lua" "$clerk"
    lines_file=$work/ids.txt
    run_simkeep "status read at $n lines" "$bench/wrk/status.lua" "$admin"
    scale_rss[$n]=$(rss_mb)
    stop_server
    scale_rows+=("$n")
  done
  commands+=("# --scale: the same import, serve, wrk and prefund commands on each size; renewals use the first 10,000 lines")
fi
rows=("${main_rows[@]}")

# ---------------------------------------------------------------------------------------------
# 3c. simkeep on PostgreSQL: the same workloads with the database on the peer's PostgreSQL server
# (fresh database, C collation), N lines.
pg_psql() { as_pg "$pg_bin/psql" -h "$pg_dir" -p "$pg_port" -U postgres -q -v ON_ERROR_STOP=1 "$@"; }
pg_psql -d postgres -c "CREATE DATABASE simkeep TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"
db_args=(--database "postgresql://postgres@127.0.0.1:$pg_port/simkeep"
         --secret-key-file "$work/pg-secret.key")
list_line_ids() { pg_psql -d simkeep -At -c "SELECT line_id FROM lines"; }
import_lines "$lines"
name="line import on PostgreSQL"
rps[$name]=$(calc "%.1f" "$lines / ($import_ns / 1e9)")
p50[$name]="–"; p99[$name]="–"; errors[$name]=0; clients[$name]=1
tool[$name]="simkeep import lines ($(calc "%.2f" "$import_ns / 1e9") s for $lines rows)"
rows+=("$name")
start_server
commands+=("${serve_command[*]//$work\//\$WORK/}")
run_simkeep "simkeep cash top-up on PostgreSQL" "$bench/wrk/topup.lua" "$clerk"
prefund "$work/ids.txt"
run_simkeep "simkeep renewal from balance on PostgreSQL" "$bench/wrk/renewal.lua" "$clerk"
run_simkeep "simkeep status read on PostgreSQL" "$bench/wrk/status.lua" "$admin"
stop_server
as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop > /dev/null; pg_data=""
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# 4. The report.
nginx_rps=${rps["nginx static JSON"]}
pg_tps=${rps["PostgreSQL top-up SQL"]}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2f×", a / b; else print "–" }'; }
mem_gb=$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
disk_dev=$(df -P "$work" | awk 'NR == 2 { print $1 }')
disk_fs=$(df -PT "$work" | awk 'NR == 2 { print $2 }')
disk_name=$(basename "$disk_dev")
rotational=$(cat "/sys/block/$disk_name/queue/rotational" 2>/dev/null || echo "?")
virt=$(systemd-detect-virt 2>/dev/null || echo "unknown")
revision=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "?")
[[ -n $(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null) ]] && revision+=" (with uncommitted changes)"
elapsed=$(( $(date +%s) - started ))
met() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? "met" : "**missed**" }'; }

{
  echo "# simkeep benchmark results"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), simkeep $revision, $lines lines, wrk $wrk_threads threads ×"
  echo "$connections connections × ${duration} s, \`simkeep serve --threads $server_threads\`. Every figure"
  echo "below was measured in this run on this machine; load generator, server and peers share the cores."
  echo
  echo "| Workload | Tool | Clients | Requests/s (< 400) | p50 ms | p99 ms | Errors | vs nginx | vs pgbench | simkeep CPU µs/request | simkeep peak RSS MB | Commands per commit |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for name in "${rows[@]}"; do
    vs_nginx=–; vs_pg=–
    case $name in
      simkeep*) vs_nginx=$(ratio "${rps[$name]}" "$nginx_rps") ;;
    esac
    [[ $name == "simkeep cash top-up"* ]] && vs_pg=$(ratio "${rps[$name]}" "$pg_tps")
    unit=""; [[ $name == "line import"* ]] && unit=" rows/s"
    echo "| $name | ${tool[$name]} | ${clients[$name]} | ${rps[$name]}$unit | ${p50[$name]} | ${p99[$name]} | ${errors[$name]} | $vs_nginx | $vs_pg | ${cpu[$name]:-–} | ${rss[$name]:-–} | ${batch[$name]:-–} |"
  done
  echo
  echo "- simkeep start-up with $lines lines (process start to \`/readyz\` answering): $startup_ms ms."
  echo "- simkeep peak RSS (VmHWM) over the whole run: $peak_rss MB (RSS at the end $(calc "%.1f" "$final_rss_kb / 1024") MB)."
  echo "- SQLite database + WAL bytes per line: $(calc "%.0f" "$bytes_after_import / $lines") after the import;"
  echo "  $(calc "%.0f" "$bytes_after_run / $lines") after the run ($orders orders written, $(calc "%.0f" "($bytes_after_run - $bytes_after_import) / $orders") bytes per order)."
  echo "- simkeep CPU µs/request is the server's user + system CPU time during the run divided by the"
  echo "  requests answered: it does not depend on what else the machine is doing, requests/s does."
  echo "- PostgreSQL: initdb defaults except fsync=on, synchronous_commit=on (the defaults, set explicitly),"
  echo "  max_connections=$((connections + 20)); schema in bench/pgbench/schema.sql, transaction in"
  echo "  bench/pgbench/topup.sql (prepared statements, one of $lines accounts at random)."
  echo "- SQLite: WAL, synchronous=FULL (simkeep's settings). Renewals run on lines pre-funded with one"
  echo "  100,000 yen top-up each; top-ups, renewals and reads pick a random line per request."
  echo "- \"on PostgreSQL\" rows: the same simkeep server with \`--database postgresql://…\` on the peer's"
  echo "  PostgreSQL server (same settings), a fresh database with C collation, the same N lines."
  echo
  if [[ ${#scale_rows[@]} -gt 0 ]]; then
    echo "Scale (fresh database of each size; same wrk settings; requests/s, p99 ms in brackets):"
    echo
    echo "| Lines | Import rows/s | Start-up ms | Top-up req/s | Renewal req/s | Status req/s | Peak RSS MB | DB bytes/line after import |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
    for n in "${scale_rows[@]}"; do
      t="top-up at $n lines"; r="renewal at $n lines"; st="status read at $n lines"
      echo "| $n | ${scale_import[$n]} | ${scale_startup[$n]} | ${rps[$t]} (${p99[$t]}) | ${rps[$r]} (${p99[$r]}) | ${rps[$st]} (${p99[$st]}) | ${scale_rss[$n]} | ${scale_bytes[$n]} |"
    done
    echo
  fi
  echo "Targets (issue 3); bench/PROFILE.md explains the missed ones from profiles and lists the next fixes:"
  echo
  t=${rps["simkeep cash top-up"]}
  echo "- top-up ≥ 10× pgbench: $(ratio "$t" "$pg_tps") — $(met "$(awk -v a="$t" -v b="$pg_tps" 'BEGIN { print a / b }')" 10)"
  echo "- top-up ≥ 0.5× nginx: $(ratio "$t" "$nginx_rps") — $(met "$(awk -v a="$t" -v b="$nginx_rps" 'BEGIN { print a / b }')" 0.5)"
  echo "- top-up p99 ≤ 10 ms at $connections connections: ${p99["simkeep cash top-up"]} ms — $(awk -v a="${p99["simkeep cash top-up"]}" 'BEGIN { print (a <= 10) ? "met" : "**missed**" }')"
  s=${rps["simkeep status read"]}
  echo "- status read ≥ 0.5× nginx: $(ratio "$s" "$nginx_rps") — $(met "$(awk -v a="$s" -v b="$nginx_rps" 'BEGIN { print a / b }')" 0.5)"
  t=${rps["simkeep cash top-up on PostgreSQL"]}
  echo "- top-up on the PostgreSQL backend ≥ 3× pgbench: $(ratio "$t" "$pg_tps") — $(met "$(awk -v a="$t" -v b="$pg_tps" 'BEGIN { print a / b }')" 3)"
  if [[ -n ${scale_rss[1000000]:-} ]]; then
    echo "- 1 M lines, peak RSS ≤ 500 MB: ${scale_rss[1000000]} MB — $(awk -v a="${scale_rss[1000000]}" 'BEGIN { print (a <= 500) ? "met" : "**missed**" }')"
    echo "- 1 M lines, start-up < 1 s: ${scale_startup[1000000]} ms — $(awk -v a="${scale_startup[1000000]}" 'BEGIN { print (a < 1000) ? "met" : "**missed**" }')"
  fi
  echo
  echo "## Machine"
  echo
  echo "- CPU: $(nproc) × $cpu_model; memory $mem_gb GiB; kernel $(uname -r); $(. /etc/os-release && echo "$PRETTY_NAME"); virtualization: $virt"
  echo "- Disk: databases in ${TMPDIR:-/tmp} on $disk_dev ($disk_fs, rotational=$rotational)"
  echo "- Tools: $(wrk -v 2>&1 | head -1 | awk '{ print $1, $2 }'), $("$nginx_bin" -v 2>&1), PostgreSQL $("$pg_bin/postgres" --version | awk '{ print $3 }'), SQLite $(sqlite3 --version | awk '{ print $1 }')"
  echo "- Load average (1, 5, 15 min) before the run: $load_before; after: $load_after. Anything else"
  echo "  running on the machine takes cores from the load generator, the servers and the peers alike."
  echo "- Whole run: $elapsed s"
  echo
  echo "## Commands"
  echo
  echo '```sh'
  echo "$invocation"
  echo "# which ran (\$WORK is a fresh scratch directory, \$TOKEN an API key made with 'simkeep apikey create'):"
  for c in "${commands[@]}"; do echo "$c"; done
  echo '```'
} > "$work/report.md"
cat "$work/report.md"
cp "$work/report.md" "$output"
log "wrote ${output#$root/} in $elapsed s"
