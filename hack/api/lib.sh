# Shared helpers for the message-api test servers (sourced, not run).
# Everything lives under $MS_TEST_RUN (default /tmp/messagestack-test): not under $HOME,
# because mariadbd runs as the mysql user and must be able to reach its datadir.
MS_TEST_RUN=${MS_TEST_RUN:-/tmp/messagestack-test}
APP_DB=${APP_DB:-messages}
APP_USER=${APP_USER:-messages}
APP_PASSWORD=${APP_PASSWORD:-messages}
# Ports: 333xx for SQL, 345xx for Galera replication, 392xx for the node health checks.
SINGLE_PORT=${SINGLE_PORT:-33306}
GALERA_PORTS=(33311 33312 33313)
GALERA_GCOMM_PORTS=(34567 34577 34587)
GALERA_HEALTH_PORTS=(39201 39202 39203)
HAPROXY_PORT=${HAPROXY_PORT:-33310}

_ms_started=${_ms_started:-$(date +%s)}
say() { echo "[$(basename "$0") +$(( $(date +%s) - _ms_started ))s] $*"; }
die() { echo "[$(basename "$0")] ERROR: $*" >&2; exit 1; }

require_root_and_packages() {
  [[ $(id -u) -eq 0 ]] || die "must run as root (mariadbd is started with --user=mysql)"
  for bin in mariadbd mariadb mariadb-install-db; do
    command -v "$bin" >/dev/null || die "$bin not found: run 'make api-deps' (hack/api/install-deps.sh)"
  done
}

# pid_alive PIDFILE: true when the file names a live process.
pid_alive() { [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# init_datadir DIR: a fresh system database owned by mysql (idempotent).
init_datadir() {
  local dir=$1
  mkdir -p "$dir"
  chmod 755 "$MS_TEST_RUN"
  if [[ ! -d $dir/data/mysql ]]; then
    say "initialising datadir $dir/data"
    rm -rf "$dir/data"; mkdir -p "$dir/data" "$dir/run"
    chown -R mysql:mysql "$dir"
    mariadb-install-db --no-defaults --user=mysql --datadir="$dir/data" \
      --auth-root-authentication-method=socket --skip-test-db >"$dir/install.log" 2>&1 \
      || die "mariadb-install-db failed, see $dir/install.log"
  fi
  chown -R mysql:mysql "$dir"
}

# sql DIR STATEMENTS...: run SQL as root through the node's unix socket.
sql() { local dir=$1; shift; mariadb --no-defaults --socket="$dir/run/mysqld.sock" -uroot -N -B -e "$*"; }

# wait_sql DIR SECONDS PID: wait until the server started as PID answers on its socket.
wait_sql() {
  local dir=$1 deadline=$(( $(date +%s) + $2 )) pid=$3
  until sql "$dir" "SELECT 1" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || die "mariadbd in $dir exited; last log lines:$(echo; tail -20 "$dir/error.log" 2>/dev/null)"
    [[ $(date +%s) -lt $deadline ]] || die "mariadbd in $dir did not answer within $2 s; see $dir/error.log"
    sleep 0.5
  done
}

# create_app_schema DIR: the app database and user, and a password-less check user for
# HAProxy's health probe. Idempotent.
create_app_schema() {
  sql "$1" "CREATE DATABASE IF NOT EXISTS \`$APP_DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    CREATE USER IF NOT EXISTS '$APP_USER'@'%' IDENTIFIED BY '$APP_PASSWORD';
    GRANT ALL PRIVILEGES ON \`$APP_DB\`.* TO '$APP_USER'@'%';
    CREATE USER IF NOT EXISTS 'monitor'@'localhost';
    GRANT USAGE, PROCESS, REPLICATION CLIENT ON *.* TO 'monitor'@'localhost';"
}

stop_pidfile() {
  local pidfile=$1 name=$2 pid
  if pid_alive "$pidfile"; then
    pid=$(cat "$pidfile"); say "stopping $name (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then say "$name still running after 30 s, sending SIGKILL"; kill -9 "$pid" || true; fi
  fi
  rm -f "$pidfile"
}
