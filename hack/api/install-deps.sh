#!/usr/bin/env bash
# Installs the Debian packages that the message-api tests, the page test and the benchmark
# run against: MariaDB + Galera (real database servers), HAProxy and nginx (the real proxies),
# Chromium (the real browser for Playwright), wrk (load generator). Safe to run twice:
# it installs only what is missing.
set -euo pipefail
started=$(date +%s)
say() { echo "[api-deps +$(( $(date +%s) - started ))s] $*"; }

packages=(mariadb-server mariadb-client galera-4 rsync socat haproxy nginx-light chromium wrk curl procps psmisc lsof)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if (( ${#missing[@]} == 0 )); then
  say "all Debian packages present: ${packages[*]}"
else
  if [[ $(id -u) -ne 0 ]]; then
    SUDO=sudo
    command -v sudo >/dev/null || { echo "need root to install: ${missing[*]} (run as root or install sudo)" >&2; exit 1; }
  else
    SUDO=
  fi
  say "installing: ${missing[*]}"
  # Debian's postinst would start mariadb/nginx/haproxy as system services; the tests run
  # their own instances on their own ports, so keep the system ones from starting.
  policy=/usr/sbin/policy-rc.d
  created_policy=
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee $policy >/dev/null; $SUDO chmod +x $policy; created_policy=1
  fi
  trap '[[ -n $created_policy ]] && $SUDO rm -f $policy' EXIT
  if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
    say "apt-get install failed; refreshing the package lists and retrying once"
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
  fi
fi

for bin in mariadbd mariadb haproxy nginx chromium wrk rsync; do
  command -v "$bin" >/dev/null || { echo "missing $bin after install; check apt output above" >&2; exit 1; }
done
ls /usr/lib/galera/libgalera_smm.so >/dev/null || { echo "galera-4 provider missing: apt-get install galera-4" >&2; exit 1; }

# The page test: playwright-core from npm (no browser download: it drives /usr/bin/chromium).
here=$(cd "$(dirname "$0")/../.." && pwd)
if [[ -f $here/frontend/test/package-lock.json ]]; then
  if [[ ! -d $here/frontend/test/node_modules/playwright-core ]]; then
    say "npm ci in frontend/test"
    (cd "$here/frontend/test" && npm ci --no-audit --no-fund)
  else
    say "frontend/test/node_modules present"
  fi
fi
say "done"
