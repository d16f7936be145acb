#!/usr/bin/env bash
# make dataplane-deps: installs the Debian packages the data-plane test runs (real MariaDB +
# Galera servers, HAProxy) and checks (jq, curl, shellcheck), only those that are missing.
# Debian would start mariadb and haproxy as system services on install; a policy-rc.d keeps them
# from starting (the tests run their own instances on their own ports).
set -euo pipefail
started=$SECONDS
say() { echo "[$(date +%H:%M:%S) +$((SECONDS - started))s] dataplane-deps: $*"; }

packages=(mariadb-server mariadb-client galera-4 mariadb-backup rsync socat haproxy jq curl shellcheck procps util-linux zstd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  say "all present: ${packages[*]}"
else
  [ "$(id -u)" = 0 ] || { echo "dataplane-deps: need root to install ${missing[*]} (run as root)" >&2; exit 1; }
  say "installing: ${missing[*]}"
  policy=/usr/sbin/policy-rc.d; created=""
  if [ ! -e $policy ]; then printf '#!/bin/sh\nexit 101\n' >$policy; chmod +x $policy; created=1; fi
  trap '[ -n "$created" ] && rm -f $policy' EXIT
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; then
    say "apt-get install failed; refreshing the package lists and retrying once"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
for bin in mariadbd mariadb-install-db mariadb haproxy rsync socat jq curl shellcheck setpriv; do
  command -v "$bin" >/dev/null || { echo "dataplane-deps: $bin missing after install; check the apt output" >&2; exit 1; }
done
[ -e /usr/lib/galera/libgalera_smm.so ] || { echo "dataplane-deps: galera-4 provider missing (apt-get install galera-4)" >&2; exit 1; }
command -v go >/dev/null || [ -x /usr/local/go/bin/go ] || { echo "dataplane-deps: Go is missing; run 'make toolchain' (it installs Go)" >&2; exit 1; }
say "done"
