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
  [payments]="base ledger domain app payments"
  [http]="base ledger domain app http"
  [config]="base ledger domain app config"
  [cli]="base ledger domain app storage payments http config cli"
)
status=0
for module in "${!allowed[@]}"; do
  while IFS= read -r line; do
    file=${line%%:*}
    used=$(sed -E 's|.*#include "simkeep/([a-z_]+)/.*|\1|' <<<"$line")
    if [[ " ${allowed[$module]} " != *" $used "* ]]; then
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
[[ $status -eq 0 ]] && echo "include rules hold"
exit $status
