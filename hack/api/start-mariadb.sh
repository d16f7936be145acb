#!/usr/bin/env bash
# Starts the single MariaDB server that the message-api tests (@QuarkusTest) run against:
# 127.0.0.1:${SINGLE_PORT:-25306}, database/user/password "messages". Safe to run twice.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root_and_packages
dir=$MS_TEST_RUN/mariadb

if pid_alive "$dir/run/mysqld.pid" && running_port=$(sql "$dir" "SELECT @@port" 2>/dev/null); then
  if [[ $running_port == "$SINGLE_PORT" ]]; then
    say "MariaDB already running on 127.0.0.1:$SINGLE_PORT"
    exit 0
  fi
  # Started earlier with another port (SINGLE_PORT changed): the same datadir, restarted on this one.
  say "MariaDB in $dir runs on port $running_port, not $SINGLE_PORT: restarting it"
  stop_pidfile "$dir/run/mysqld.pid" "MariaDB (127.0.0.1:$running_port)"
fi
init_datadir "$dir"
base_cnf "$dir" "$SINGLE_PORT" 200 > "$dir/my.cnf"
say "starting mariadbd on 127.0.0.1:$SINGLE_PORT"
nohup mariadbd --defaults-file="$dir/my.cnf" --user=mysql >>"$dir/stdout.log" 2>&1 &
wait_sql "$dir" 60 $!
create_app_schema "$dir"
say "MariaDB ready: jdbc:mysql://127.0.0.1:$SINGLE_PORT/$APP_DB (user $APP_USER)"
