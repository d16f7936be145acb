# Shared helpers for the message-api test servers (sourced, not run).
# Everything lives under $MS_TEST_RUN (default /tmp/messagestack-test): not under $HOME,
# because mariadbd runs as the mysql user and must be able to reach its datadir.
MS_TEST_RUN=${MS_TEST_RUN:-/tmp/messagestack-test}
APP_DB=${APP_DB:-messages}
APP_USER=${APP_USER:-messages}
APP_PASSWORD=${APP_PASSWORD:-messages}
# Ports: 253xx for SQL, 255xx for Galera replication (+1 IST, +2 SST), 252xx for the nodes'
# galera-agents (HAProxy checks their /health). All below the kernel's ephemeral range
# (32768-60999): a fixed port inside it can be held by any outgoing connection on the machine
# (kind, the API-server tests), and a server then fails with "Address already in use". The Galera cluster is the operator's data plane
# (start-galera.sh over hack/dataplane/lib.sh); its HAProxy's /healthz is on HAPROXY_PORT - 1.
SINGLE_PORT=${SINGLE_PORT:-25306}
GALERA_PORTS=(25311 25312 25313)
GALERA_GCOMM_PORTS=(25567 25577 25587)
GALERA_AGENT_PORTS=(25201 25202 25203)
HAPROXY_PORT=${HAPROXY_PORT:-25310}

_ms_started=${_ms_started:-$(date +%s)}
say() { echo "[$(basename "$0") +$(( $(date +%s) - _ms_started ))s] $*"; }
die() { echo "[$(basename "$0")] ERROR: $*" >&2; exit 1; }

require_root_and_packages() {
  [[ $(id -u) -eq 0 ]] || die "must run as root (mariadbd is started with --user=mysql)"
  for bin in mariadbd mariadb mariadb-install-db; do
    command -v "$bin" >/dev/null || die "$bin not found: run 'make api-deps' (hack/api/install-deps.sh)"
  done
}

# shellcheck source=hack/lib/pidfile.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/pidfile.sh"
pid_alive() { pidfile_alive "$1"; }

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
# The [mariadbd] settings of the single test MariaDB (start-mariadb.sh) and the backup test (the
# Galera test cluster runs the operator's rendered my.cnf instead): its own files under DIR, loopback only,
# small buffers. Durability comes from redo flushes once a second, as usual for Galera (there
# the other nodes hold the commit too). Usage: base_cnf DIR PORT MAX_CONNECTIONS
base_cnf() {
  local dir=$1 port=$2 max_conn=$3
  cat <<CNF
[mariadbd]
datadir=$dir/data
socket=$dir/run/mysqld.sock
pid-file=$dir/run/mysqld.pid
log-error=$dir/error.log
port=$port
bind-address=127.0.0.1
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
innodb_buffer_pool_size=64M
innodb_flush_log_at_trx_commit=2
performance_schema=OFF
max_connections=$max_conn
CNF
}

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

# create_app_schema DIR: the app database and user. Idempotent.
create_app_schema() {
  sql "$1" "CREATE DATABASE IF NOT EXISTS \`$APP_DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    CREATE USER IF NOT EXISTS '$APP_USER'@'%' IDENTIFIED BY '$APP_PASSWORD';
    GRANT ALL PRIVILEGES ON \`$APP_DB\`.* TO '$APP_USER'@'%';"
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

# --- message-api instances and nginx, for the page test and the benchmark

repo_root() { (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd); }
# The operator's rendered configs on loopback (PRODUCT_CONFIGS, need_product_configs, loopback_nginx_conf).
REPO_ROOT=${REPO_ROOT:-$(repo_root)}
# shellcheck source=hack/dataplane/loopback-config.sh
source "$(dirname "${BASH_SOURCE[0]}")/../dataplane/loopback-config.sh"
APP_JAR=${APP_JAR:-$(repo_root)/message-api/target/quarkus-app/quarkus-run.jar}

# The image's JVM options (one definition, read by the image's entrypoint too) and the container
# memory limit they are sized for: outside a container -XX:MaxRAM stands for the limit, so the
# JVM sizes heap and the rest as it does in the pod (MaxRAMPercentage=25 of 384 MiB = 96 MiB).
API_JVM_OPTIONS=$(repo_root)/message-api/src/main/docker/jvm.options
API_MEMORY_LIMIT=${API_MEMORY_LIMIT:-384m}

# ensure_app_jar: builds the fast-jar when it is missing (tests are run by `make test-api`), and
# its class-data sharing archive when missing or older than the jar or the options.
ensure_app_jar() {
  if [[ ! -f $APP_JAR ]]; then
    say "building message-api (mvn package -DskipTests)"
    mvn -B -q -f "$(repo_root)/message-api/pom.xml" package -DskipTests || die "message-api build failed"
  fi
  ensure_app_cds
}

# ensure_app_cds: the archive the image makes in its build (message-api/src/main/docker/app-cds.sh),
# made here by the same script with the same options, next to the jar (jvm.options names it
# relative to the working directory, which start_api sets to the jar's), trained like the image's
# against a database: the test MariaDB's own database messages_cds.
ensure_app_cds() {
  local dir archive
  dir=$(dirname "$APP_JAR"); archive=$dir/app-cds.jsa
  if [[ ! -s $archive || $archive -ot $APP_JAR || $archive -ot $API_JVM_OPTIONS ]]; then
    say "making the class-data sharing archive $archive (app-cds.sh, trained against the test MariaDB)"
    local was_running=
    pid_alive "$MS_TEST_RUN/mariadb/run/mysqld.pid" && was_running=1
    "$(repo_root)/hack/api/start-mariadb.sh" >/dev/null
    sql "$MS_TEST_RUN/mariadb" "CREATE DATABASE IF NOT EXISTS messages_cds CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
      GRANT ALL PRIVILEGES ON messages_cds.* TO '$APP_USER'@'%';"
    APP_CDS_JDBC_URL="jdbc:mysql://127.0.0.1:$SINGLE_PORT/messages_cds" APP_CDS_DB_USER=$APP_USER APP_CDS_DB_PASSWORD=$APP_PASSWORD \
      "$(repo_root)/message-api/src/main/docker/app-cds.sh" "$dir" "$API_JVM_OPTIONS" -XX:MaxRAM="$API_MEMORY_LIMIT" \
      || die "app-cds.sh failed"
    # A server started only for this is stopped (its fixed port stays free for the caller's plans).
    [[ -n $was_running ]] || "$(repo_root)/hack/api/stop-mariadb.sh" >/dev/null
  fi
}

# start_api NAME PORT JDBC_URL [JAVA_OPTS...]: one instance of the packaged service with the
# image's JVM options ($API_JVM_OPTIONS, -XX:MaxRAM=$API_MEMORY_LIMIT) plus JAVA_OPTS (diagnostics
# such as a GC log; later options win), in the jar's directory, and waits for readiness.
# Pid in $MS_TEST_RUN/api/NAME.pid, log in $MS_TEST_RUN/api/NAME.log (or API_LOG).
# Knobs for benchmarks: API_CPUS (taskset CPU list), API_READY_POLL (0.5 s), API_READY_TIMEOUT (90 s);
# other variables set on the call (e.g. MESSAGESTACK_WARM_UP_ENABLED) reach the JVM's environment.
start_api() {
  local name=$1 port=$2 url=$3; shift 3
  local dir=$MS_TEST_RUN/api; mkdir -p "$dir"
  local log=${API_LOG:-$dir/$name.log} launcher=()
  [[ -n ${API_CPUS:-} ]] && launcher=(taskset -c "$API_CPUS")
  stop_pidfile "$dir/$name.pid" "$name" >/dev/null
  say "starting message-api $name on 127.0.0.1:$port -> $url"
  # exec: the pid recorded is java's. MALLOC_ARENA_MAX as the image sets it (its Dockerfile).
  ( cd "$(dirname "$APP_JAR")" && \
    QUARKUS_HTTP_PORT=$port QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_DATASOURCE_JDBC_URL=$url \
    QUARKUS_DATASOURCE_USERNAME=$APP_USER QUARKUS_DATASOURCE_PASSWORD=$APP_PASSWORD \
    MESSAGESTACK_INSTANCE_NAME=$name QUARKUS_LOG_CONSOLE_JSON_ENABLED=false MALLOC_ARENA_MAX=2 \
    exec nohup "${launcher[@]}" java @"$API_JVM_OPTIONS" -XX:MaxRAM="$API_MEMORY_LIMIT" "$@" -jar "$APP_JAR" ) >"$log" 2>&1 &
  echo $! > "$dir/$name.pid"
  disown
  local timeout=${API_READY_TIMEOUT:-90}
  local deadline=$(( $(date +%s) + timeout ))
  until curl -fs -o /dev/null "http://127.0.0.1:$port/q/health/ready"; do
    pid_alive "$dir/$name.pid" || die "$name exited; see $log"
    [[ $(date +%s) -lt $deadline ]] || die "$name not ready within $timeout s; see $log"
    sleep "${API_READY_POLL:-0.5}"
  done
  say "$name ready (pid $(cat "$dir/$name.pid"))"
}

stop_api() { stop_pidfile "$MS_TEST_RUN/api/$1.pid" "message-api $1"; }

# start_nginx NAME PORT UPSTREAM_PORT...: the frontend pod's nginx on loopback, serving frontend/ and proxying
# /api/ to the message-api instances on UPSTREAM_PORT... It runs the operator's own nginx.conf and upstream list:
# `make product-configs` renders the frontend ConfigMap's nginx.conf and nginx-start.sh (ProductConfigCli over
# Frontend#config) into $PRODUCT_CONFIGS; loopback_nginx_conf (hack/dataplane/loopback-config.sh) changes only where
# it listens and where its files are,
# and nginx-start.sh (RENDER_ONLY, the pod list from a file instead of DNS) writes the upstream file as in a pod: the
# instances first, each skipped for 5 s after a failed try, then the first one again as the Service's last resort.
start_nginx() {
  local name=$1 port=$2; shift 2
  command -v nginx >/dev/null || die "nginx not found: run 'make api-deps'"
  need_product_configs nginx.conf nginx-start.sh
  local configs=$PRODUCT_CONFIGS dir=$MS_TEST_RUN/nginx-$name p
  mkdir -p "$dir/logs" "$dir/nginx-metrics" "$dir/nginx-upstream"
  # The page's files (frontend/, not its tests) copied where nginx's workers (www-data) may read them: a checkout in a
  # directory only its owner may enter (a `mktemp -d` clone, a 0700 home) answered 403 to every page request.
  rm -rf "$dir/root"; mkdir -p "$dir/root"
  find "$(repo_root)/frontend" -maxdepth 1 -type f -exec cp {} "$dir/root/" \;
  chmod -R a+rX "$dir/root"; chmod 777 "$dir/nginx-metrics"; chmod a+x "$dir" "$MS_TEST_RUN"
  loopback_nginx_conf "$configs/nginx.conf" "$dir" "$port" "${NGINX_METRICS_PORT:-$((port + 1000))}" >"$dir/nginx.conf"
  for p in "$@"; do echo "127.0.0.1:$p"; done >"$dir/api-pods"
  NGINX_CONF=$dir/nginx.conf UPSTREAM_FILE=$dir/nginx-upstream/message-api.conf API_SERVICE=127.0.0.1:$1 \
    API_PODS_HOST=unused.invalid API_PODS_FILE=$dir/api-pods API_PORT=$1 RENDER_ONLY=1 \
    sh "$configs/nginx-start.sh" >"$dir/logs/upstream.txt" || die "nginx-start.sh could not write the upstream list"
  stop_nginx "$name" >/dev/null 2>&1 || true
  # Its access log goes to stdout as in a pod (kubectl logs); here to a file.
  nginx -c "$dir/nginx.conf" -e "$dir/logs/error.log" >"$dir/logs/nginx.out" 2>&1 \
    || die "nginx $name failed to start: $(tail -3 "$dir/logs/nginx.out" "$dir/logs/error.log" 2>/dev/null)"
  say "nginx $name on 127.0.0.1:$port (the operator's nginx.conf) -> message-api on $*"
}

stop_nginx() {
  local dir=$MS_TEST_RUN/nginx-$1
  [[ -f $dir/nginx.conf ]] && pid_alive "$dir/nginx.pid" && nginx -c "$dir/nginx.conf" -e "$dir/logs/error.log" -s quit 2>/dev/null || true
  for _ in $(seq 1 20); do pid_alive "$dir/nginx.pid" || break; sleep 0.25; done
}
