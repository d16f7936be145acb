#!/usr/bin/env bash
# Installs the real binaries the operator's unit tests validate rendered configs with:
# haproxy (haproxy -c), nginx (nginx -t) and keepalived (keepalived --config-test), and Debian's
# prometheus-nginx-exporter and mtail (the frontend pod's sidecars, run against nginx on the rendered config).
# Safe to run twice: installs only what is missing. Needs root (apt-get).
set -euo pipefail
need=()
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v keepalived >/dev/null 2>&1 || [ -x /usr/sbin/keepalived ] || need+=(keepalived)
[ -x /usr/bin/prometheus-nginx-exporter ] || need+=(prometheus-nginx-exporter)
[ -x /usr/bin/mtail ] || need+=(mtail)
if [ "${#need[@]}" -eq 0 ]; then
  echo "operator test tools: haproxy, nginx, keepalived, prometheus-nginx-exporter, mtail already installed"
  exit 0
fi
echo "operator test tools: installing ${need[*]} with apt-get"
if [ "$(id -u)" -ne 0 ]; then
  echo "operator test tools: apt-get needs root; run: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
# No service starts (RUNLEVEL=1: invoke-rc.d leaves the exporter's and nginx's services stopped).
export DEBIAN_FRONTEND=noninteractive
RUNLEVEL=1 apt-get install -y --no-install-recommends "${need[@]}" >/dev/null
echo "operator test tools: installed ${need[*]}"
