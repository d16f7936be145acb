#!/usr/bin/env bash
# Stops HAProxy, the health responders and the three Galera nodes started by start-galera.sh.
# Safe to run twice.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
base=$MS_TEST_RUN/galera
stop_pidfile "$base/haproxy.pid" "haproxy"
for n in 1 2 3; do stop_pidfile "$base/health-n$n.pid" "health check n$n"; done
# Stop the joiners first and n1 last, so n1 holds the newest state.
for n in 3 2 1; do stop_pidfile "$base/n$n/run/mysqld.pid" "Galera n$n"; done
say "Galera stopped"
