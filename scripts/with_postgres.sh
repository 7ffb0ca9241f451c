#!/usr/bin/env bash
# Runs a command next to a fresh, throw-away PostgreSQL 15 server.
#
# Usage: scripts/with_postgres.sh CMD [ARGS...]
#
# Creates a temporary directory, initdb's a cluster in it (trust authentication, superuser
# "postgres"), starts it listening on 127.0.0.1 only, on a free port, with its Unix socket in the
# same directory, and runs CMD with
#   SIMKEEP_TEST_PG_URI=postgresql://postgres@127.0.0.1:PORT/postgres
# in its environment. Whatever way the script ends, the server is stopped and the directory
# removed. The exit status is CMD's (or 1 when the server could not be started).
#
# As root, initdb and postgres (which refuse to run as root) run as the "postgres" user through
# runuser. PG_BIN overrides where the server binaries are (default /usr/lib/postgresql/15/bin).
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [[ ! -x "$pg_bin/initdb" || ! -x "$pg_bin/pg_ctl" ]]; then
  echo "with_postgres: no PostgreSQL server binaries in $pg_bin" \
    "(install postgresql-15: scripts/setup.sh --test)" >&2
  exit 1
fi

as_server_user() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

work_dir=$(mktemp -d "${TMPDIR:-/tmp}/simkeep_pg.XXXXXX")
data_dir=$work_dir/data
log_file=$work_dir/server.log
started=0

cleanup() {
  local status=$?
  trap - EXIT INT TERM HUP
  if [[ $started -eq 1 ]]; then
    as_server_user "$pg_bin/pg_ctl" -D "$data_dir" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work_dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if [[ $(id -u) -eq 0 ]]; then
  chown postgres: "$work_dir"
fi

if ! as_server_user "$pg_bin/initdb" -D "$data_dir" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
    >"$work_dir/initdb.log" 2>&1; then
  echo "with_postgres: initdb failed:" >&2
  cat "$work_dir/initdb.log" >&2
  exit 1
fi

# Another process may take the port between the check and the bind, so a failed start is
# retried on another port.
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

settings="-c max_connections=100"
for attempt in 1 2 3 4 5; do
  port=$(free_port) || { echo "with_postgres: no free port found" >&2; exit 1; }
  if as_server_user "$pg_bin/pg_ctl" -D "$data_dir" -l "$log_file" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$work_dir' $settings" \
      start >/dev/null 2>&1; then
    started=1
    break
  fi
  echo "with_postgres: start on port $port failed (attempt $attempt)" >&2
done
if [[ $started -ne 1 ]]; then
  echo "with_postgres: PostgreSQL did not start; its log:" >&2
  cat "$log_file" >&2 || true
  exit 1
fi

export SIMKEEP_TEST_PG_URI="postgresql://postgres@127.0.0.1:$port/postgres"
# CMD runs in the background with this script's stdin, so that a signal to the script is handled
# at once (bash runs traps only between commands): it is passed on to CMD before cleaning up.
"$@" <&0 &
child=$!
forward() {
  kill "-$1" "$child" 2>/dev/null || true
  wait "$child" 2>/dev/null || true
  exit "$2"
}
trap 'forward INT 130' INT
trap 'forward TERM 143' TERM
trap 'forward HUP 129' HUP
set +e
wait "$child"
status=$?
set -e
exit "$status"
