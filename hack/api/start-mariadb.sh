#!/usr/bin/env bash
# Starts the single MariaDB server that the message-api tests (@QuarkusTest) run against:
# 127.0.0.1:${SINGLE_PORT:-33306}, database/user/password "messages". Safe to run twice.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root_and_packages
dir=$MS_TEST_RUN/mariadb

if pid_alive "$dir/run/mysqld.pid" && sql "$dir" "SELECT 1" >/dev/null 2>&1; then
  say "MariaDB already running on 127.0.0.1:$SINGLE_PORT"
  exit 0
fi
init_datadir "$dir"
cat > "$dir/my.cnf" <<CNF
[mariadbd]
datadir=$dir/data
socket=$dir/run/mysqld.sock
pid-file=$dir/run/mysqld.pid
log-error=$dir/error.log
port=$SINGLE_PORT
bind-address=127.0.0.1
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
innodb_buffer_pool_size=64M
innodb_flush_log_at_trx_commit=2
performance_schema=OFF
max_connections=200
CNF
say "starting mariadbd on 127.0.0.1:$SINGLE_PORT"
nohup mariadbd --defaults-file="$dir/my.cnf" --user=mysql >>"$dir/stdout.log" 2>&1 &
wait_sql "$dir" 60 $!
create_app_schema "$dir"
say "MariaDB ready: jdbc:mysql://127.0.0.1:$SINGLE_PORT/$APP_DB (user $APP_USER)"
