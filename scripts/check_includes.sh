#!/usr/bin/env bash
# Fails when a module includes a simkeep module it may not use (docs/ARCHITECTURE.md §4), or
# when ledger/domain/app include a database, Boost or JSON header.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A allowed=(
  [base]="base"
  [ledger]="base ledger"
  [domain]="base ledger domain"
  [app]="base ledger domain app"
  [storage]="base ledger domain app storage"
  [net]="base net"
  [payments]="base ledger domain app net payments"
  [i18n]="base i18n"
  [http]="base ledger domain app i18n http"
  [config]="base ledger domain app config"
  [notify]="base ledger domain app i18n net notify"
  [cli]="base ledger domain app storage net payments notify http config i18n cli"
)
# What a module's unit tests may include beyond the module's own entry: the i18n test checks
# that every name domain defines (failure reasons, advice, methods, stores) has its texts.
declare -A allowed_in_tests=(
  [i18n]="domain"
)
status=0
for module in "${!allowed[@]}"; do
  while IFS= read -r line; do
    file=${line%%:*}
    used=$(sed -E 's|.*#include "simkeep/([a-z0-9_]+)/.*|\1|' <<<"$line")
    permitted=${allowed[$module]}
    if [[ $file == *_test.cc ]]; then
      permitted+=" ${allowed_in_tests[$module]:-}"
    fi
    if [[ " $permitted " != *" $used "* ]]; then
      echo "forbidden dependency: $file includes simkeep/$used (module $module)"
      status=1
    fi
  done < <(grep -rn '#include "simkeep/' "src/simkeep/$module" || true)
done
for module in ledger domain app; do
  if grep -rnE '#include <(boost/|sqlite3|libpq|nlohmann/|spdlog/|openssl/|sodium)' \
      "src/simkeep/$module"; then
    echo "forbidden: $module must stay free of I/O and serialization libraries"
    status=1
  fi
done
# Inside storage: the shared query code (storage/sql) is written against concepts, not a database,
# so it includes neither an adapter nor a database library; and the adapters never include each
# other, so that what they share can only live in storage/sql.
if grep -rnE '#include ("simkeep/storage/(sqlite|postgres)/|<(sqlite3|libpq))' \
    src/simkeep/storage/sql; then
  echo "forbidden: storage/sql must stay free of adapters and database libraries"
  status=1
fi
for pair in sqlite:postgres postgres:sqlite; do
  adapter=${pair%%:*}
  other=${pair##*:}
  if grep -rn "#include \"simkeep/storage/$other/" "src/simkeep/storage/$adapter"; then
    echo "forbidden: storage/$adapter includes storage/$other"
    status=1
  fi
done
# storage/copy joins the two adapters through their public headers only (sqlite_snapshot.h,
# postgres_loader.h), like any other client of storage.
if grep -rnE '#include ("simkeep/storage/(sqlite|postgres)/internal/|<(sqlite3|libpq))' \
    src/simkeep/storage/copy; then
  echo "forbidden: storage/copy must use the adapters' public headers, not their internals"
  status=1
fi
[[ $status -eq 0 ]] && echo "include rules hold"
exit $status
