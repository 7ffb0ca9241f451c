#!/usr/bin/env bash
# Installs what simkeep needs to build, run and test on Debian 12, skipping what is present.
# Usage: scripts/setup.sh            (build and run)
#        scripts/setup.sh --test     (also the tools the tests use)
set -euo pipefail

packages=(build-essential cmake ninja-build pkg-config git
          libboost-dev libsqlite3-dev sqlite3 libpq-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
          libcli11-dev libssl-dev libsodium-dev libqrencode-dev libjemalloc-dev
          libcurl4-openssl-dev curl jq)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(libgtest-dev libgmock-dev libbenchmark-dev python3 python3-yaml python3-jsonschema
            python3-aiosmtpd clang-format-14 postgresql-15 openssl)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
echo "setup: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
  "${missing[@]}"
