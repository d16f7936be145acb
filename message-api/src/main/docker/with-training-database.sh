#!/bin/bash
# Runs COMMAND with a throwaway MariaDB on loopback, for the image build's class-data sharing
# training run (app-cds.sh reads APP_CDS_JDBC_URL, APP_CDS_DB_USER, APP_CDS_DB_PASSWORD). Used only
# in the Dockerfile's training stage: the database, its packages and its datadir never reach the
# image. usage: with-training-database.sh COMMAND [ARG...]
set -euo pipefail
datadir=$(mktemp -d /tmp/training-db.XXXXXX)
socket=$datadir/mysqld.sock
port=${TRAINING_DB_PORT:-3306}
echo "with-training-database.sh: a throwaway MariaDB in $datadir on 127.0.0.1:$port"
mariadb-install-db --no-defaults --user=root --datadir="$datadir" --skip-test-db >/dev/null
mariadbd --no-defaults --user=root --datadir="$datadir" --socket="$socket" --bind-address=127.0.0.1 \
  --port="$port" --skip-log-bin --innodb-buffer-pool-size=64M >"$datadir.log" 2>&1 &
db=$!
stop() { mariadb-admin --no-defaults --socket="$socket" -uroot shutdown 2>/dev/null || kill "$db" 2>/dev/null || true; wait "$db" 2>/dev/null || true; }
trap stop EXIT
for _ in $(seq 1 120); do
  mariadb --no-defaults --socket="$socket" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break
  kill -0 "$db" 2>/dev/null || { echo "with-training-database.sh: mariadbd exited:" >&2; tail -20 "$datadir.log" >&2; exit 1; }
  sleep 0.5
done
# A password made here and gone with the stage; the service's real credentials come from its Secret.
password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
mariadb --no-defaults --socket="$socket" -uroot -e "
  CREATE DATABASE messages CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
  CREATE USER 'messages'@'127.0.0.1' IDENTIFIED BY '$password';
  GRANT ALL PRIVILEGES ON messages.* TO 'messages'@'127.0.0.1';"
APP_CDS_JDBC_URL="jdbc:mysql://127.0.0.1:$port/messages" APP_CDS_DB_USER=messages APP_CDS_DB_PASSWORD=$password "$@"
