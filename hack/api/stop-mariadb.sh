#!/usr/bin/env bash
# Stops the single test MariaDB started by start-mariadb.sh. Keeps its datadir. Safe to run twice.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
stop_pidfile "$MS_TEST_RUN/mariadb/run/mysqld.pid" "MariaDB (127.0.0.1:$SINGLE_PORT)"
say "MariaDB stopped"
