# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this file
# Helpers for the data-plane tests: a three-node Galera cluster of real mariadbd processes on
# loopback, each started by the operator's galera-start.sh (which execs `galera-agent start`, the
# code the pods run) and watched by a galera-agent, all running as the mysql user like in the
# database container, with the operator's rendered my.cnf in conf.d; and HAProxy with the operator's
# rendered haproxy.cfg. Only loopback addresses and ports are changed (loopback-config.sh).
# Sourced, not run.
set -euo pipefail

DP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$DP_DIR/../.." && pwd)"
START_SCRIPT="$REPO_ROOT/operator/src/main/resources/dataplane/galera-start.sh"
export MS_CACHE="${MS_CACHE:-$HOME/.cache/messagestack}"
export PATH="/usr/local/go/bin:$PATH"

# Everything lives here; ports are 14xxx so they do not collide with the message-api tests (3xxxx).
# DP_PORT_OFFSET moves every port (the recovery suite uses 1000: 15xxx), so two suites can run at once.
BASE=${DP_BASE:-/tmp/messagestack-dataplane}
AGENT_BIN="$BASE/bin/galera-agent"
# The copy of START_SCRIPT the mysql user runs: the checkout may sit where that user cannot enter (a clone in
# `mktemp -d` is mode 0700), so build_agent installs it beside the agent, as the image does.
RUN_START_SCRIPT="$BASE/bin/galera-start.sh"
_po=${DP_PORT_OFFSET:-0}
MYSQL_PORTS=($((14306 + _po)) $((14316 + _po)) $((14326 + _po)))
GCOMM_PORTS=($((14567 + _po)) $((14577 + _po)) $((14587 + _po)))   # IST = +1, SST = +2
AGENT_PORTS=($((14200 + _po)) $((14201 + _po)) $((14202 + _po)))
HAPROXY_PORT=$((14330 + _po))
HAPROXY_HEALTH_PORT=$((14331 + _po))
# Seconds a node may stay outside the Primary component while a peer has one (galera-start.sh's watchdog).
STUCK_SECONDS=${STUCK_SECONDS:-8}

ROOT_PW='r00t-pw_"quoted\'
MON_USER=monitor
MON_PW="mon-pw-'x"
APP_DB=messages
APP_USER=messageapp
APP_PW='app-pw-$1'
SST_PW='sst-pw_1'

# shellcheck source=hack/dataplane/loopback-config.sh
source "$DP_DIR/loopback-config.sh"

_t0=$SECONDS
PASSED=0
FAILED=0
log() { echo "[$(date +%H:%M:%S) +$((SECONDS - _t0))s] dataplane: $*"; }
die() { echo "[$(date +%H:%M:%S) +$((SECONDS - _t0))s] dataplane: ERROR: $*" >&2; exit 1; }
phase() { echo; log "=== $*"; }
pass() { PASSED=$((PASSED + 1)); log "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); log "FAIL $*"; }
# check "description" command...: passes when the command succeeds.
check() { local d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }

need_tools() {
  local missing=()
  for t in mariadbd mariadb-install-db mariadb my_print_defaults rsync socat setpriv curl haproxy go jq; do
    command -v "$t" >/dev/null || missing+=("$t")
  done
  [ -e /usr/lib/galera/libgalera_smm.so ] || missing+=(galera-4)
  [ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]}; run 'make dataplane-deps' (installs the Debian packages)"
  id mysql >/dev/null 2>&1 || die "no mysql user; run 'make dataplane-deps' (mariadb-server creates it)"
  [ "$(id -u)" = 0 ] || die "run as root: the servers are started as the mysql user with setpriv"
}

build_agent() {
  mkdir -p "$BASE/bin"
  log "building galera-agent"
  (cd "$REPO_ROOT/galera-agent" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$AGENT_BIN" .)
  install -m 0755 "$START_SCRIPT" "$RUN_START_SCRIPT"
}

node_dir() { echo "$BASE/node$1"; }
# Node i's MariaDB extra_port on loopback (a pod uses 3307): its SQL port + 100 (+1 would be the next node's SQL
# port in the message-api tier, hack/api/lib.sh).
extra_port_of() { echo $((MYSQL_PORTS[$1] + 100)); }
# The port node i's agent logs in on: the extra port when node i's config renders one (MariaDB), else its SQL
# port, as the operator sets MYSQL_MONITOR_PORT only with an extra port.
monitor_port_of() {
  local p; p=$(sed -n 's/^extra_port = //p' "$(node_dir "$1")/conf.d/messagestack.cnf")
  echo "${p:-${MYSQL_PORTS[$1]}}"
}
sock() { echo "$(node_dir "$1")/run/mysqld.sock"; }

# write_node_conf i [RENDERED_MY_CNF]: node i's folders and its conf.d/messagestack.cnf (the ConfigMap's
# key): the operator's rendered my.cnf ($PRODUCT_CONFIGS/messagestack.cnf unless given) with the
# loopback substitutions of loopback-config.sh and nothing else.
write_node_conf() {
  local i=$1 rendered=${2:-$PRODUCT_CONFIGS/messagestack.cnf} d; d=$(node_dir "$i")
  [ -s "$rendered" ] || die "$rendered missing: run 'make product-configs' (the operator's rendered configs)"
  mkdir -p "$d/conf.d" "$d/data" "$d/run"
  loopback_my_cnf "$rendered" "$i" >"$d/conf.d/messagestack.cnf"
  chown -R mysql:mysql "$d"
}
# The cluster name in node i's config (the operator sets CLUSTER_NAME to the stack's name, which it
# also renders as wsrep_cluster_name).
cluster_name_of() { sed -n 's/^wsrep_cluster_name = //p' "$(node_dir "$1")/conf.d/messagestack.cnf"; }

# start_haproxy: HAProxy on the operator's rendered haproxy.cfg with the loopback substitutions, as a
# daemon with its pid in $BASE/haproxy.pid (the pod runs the same file in the foreground, -W -db).
start_haproxy() {
  loopback_haproxy_cfg "$PRODUCT_CONFIGS/haproxy.cfg" >"$BASE/haproxy.cfg"
  haproxy -c -q -f "$BASE/haproxy.cfg" || die "haproxy rejects $BASE/haproxy.cfg"
  haproxy -D -p "$BASE/haproxy.pid" -f "$BASE/haproxy.cfg" >>"$BASE/haproxy.log" 2>&1 || die "haproxy did not start; see $BASE/haproxy.log"
}

peers_csv() { local s="" i; for i in 0 1 2; do s+="127.0.0.1:${GCOMM_PORTS[$i]},"; done; echo "${s%,}"; }
other_agents_csv() { local s="" i; for i in 0 1 2; do [ "$i" = "$1" ] || s+="127.0.0.1:${AGENT_PORTS[$i]},"; done; echo "${s%,}"; }

as_mysql() { setpriv --reuid=mysql --regid=mysql --init-groups "$@"; }

# start_node i [VAR=value ...]: galera-start.sh (galera-agent start) in its own process group (so a "pod
# kill" can SIGKILL it all); the optional assignments override the environment (e.g. GALERA_PEERS).
start_node() {
  local i=$1 d; d=$(node_dir "$i"); shift
  echo "--- start $(date -u +%FT%TZ)" >>"$d/start.log"
  setsid setpriv --reuid=mysql --regid=mysql --init-groups env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp \
    POD_NAME="ms-db-$i" CLUSTER_NAME="$(cluster_name_of "$i")" NODE_ADDRESS="127.0.0.1:${GCOMM_PORTS[$i]}" ENGINE=mariadb-galera REPLICAS=3 \
    MYSQL_ROOT_PASSWORD="$ROOT_PW" MONITOR_USER="$MON_USER" MONITOR_PASSWORD="$MON_PW" SST_PASSWORD="$SST_PW" \
    GALERA_AGENT="$AGENT_BIN" APP_DATABASE="$APP_DB" APP_USER="$APP_USER" APP_PASSWORD="$APP_PW" \
    DATADIR="$d/data" CONF_DIR="$d/conf.d" RUN_DIR="$d/run" \
    GALERA_PEERS="$(peers_csv)" GALERA_PEER_AGENTS="$(other_agents_csv "$i")" RECOVERY_POLL_SECONDS=1 STUCK_SECONDS="$STUCK_SECONDS" "$@" \
    bash "$RUN_START_SCRIPT" >>"$d/start.log" 2>&1 </dev/null &
  echo $! >"$d/start.pid"; disown
}

# The bearer token POST /bootstrap requires (in Kubernetes: Secret <name>-db-agent-token, mounted
# into the agent container only). Readable by the mysql group, like the Secret volume with fsGroup.
write_agent_token() {
  (umask 027; head -c 30 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$BASE/agent-token")
  chgrp mysql "$BASE/agent-token"
}
agent_token() { cat "$BASE/agent-token"; }
# post_bootstrap i [AUTHORIZATION|none]: prints the HTTP code; the operator's token by default, none: no header.
post_bootstrap() {
  local auth=${2:-Bearer $(agent_token)} h=()
  [ "$auth" = none ] || h=(-H "Authorization: $auth")
  curl -s -o /dev/null -w '%{http_code}' -X POST "${h[@]}" "http://127.0.0.1:${AGENT_PORTS[$1]}/bootstrap" || true
}

start_agent() {
  local i=$1 d; d=$(node_dir "$i")
  setsid setpriv --reuid=mysql --regid=mysql --init-groups env -i \
    POD_NAME="ms-db-$i" MONITOR_USER="$MON_USER" MONITOR_PASSWORD="$MON_PW" DATADIR="$d/data" \
    AGENT_TOKEN_FILE="$BASE/agent-token" PEER_AGENTS="$(other_agents_csv "$i")" \
    MYSQL_HOST=127.0.0.1 MYSQL_PORT="${MYSQL_PORTS[$i]}" MYSQL_MONITOR_PORT="$(monitor_port_of "$i")" AGENT_LISTEN="127.0.0.1:${AGENT_PORTS[$i]}" \
    NON_PRIMARY_GRACE_SECONDS="${NON_PRIMARY_GRACE_SECONDS:-10}" \
    "$AGENT_BIN" >>"$d/agent.log" 2>&1 </dev/null &
  echo $! >"$d/agent.pid"; disown
}

# shellcheck source=hack/lib/pidfile.sh
source "$REPO_ROOT/hack/lib/pidfile.sh"
alive() { pidfile_alive "$1"; }

# SIGKILL a node's whole process group: the script, mariadbd and any SST helper. Also when the start
# itself has exited: its server may live on as an orphan in the same group.
kill_node() {
  local pidf; pidf="$(node_dir "$1")/start.pid"
  if alive "$pidf"; then kill -KILL -- "-$(cat "$pidf")" 2>/dev/null || true; fi
  local t=$SECONDS
  while pgrep -f -- "--defaults-file=$(node_dir "$1")/run/my.cnf" >/dev/null; do
    [ $((SECONDS - t)) -lt 10 ] || break; sleep 0.2
  done
}

# SIGTERM to the start script, as Kubernetes does; it stops the server cleanly.
stop_node() {
  local pidf; pidf="$(node_dir "$1")/start.pid"
  alive "$pidf" || return 0
  kill -TERM "$(cat "$pidf")"
  local t=$SECONDS
  while alive "$pidf"; do
    [ $((SECONDS - t)) -lt 60 ] || { kill_node "$1"; break; }
    sleep 0.5
  done
}

stop_all() {
  local i
  for i in 0 1 2; do
    kill_node "$i"
    local ap; ap="$(node_dir "$i")/agent.pid"
    if alive "$ap"; then kill -TERM "$(cat "$ap")" 2>/dev/null || true; fi
  done
  if alive "$BASE/haproxy.pid"; then kill "$(cat "$BASE/haproxy.pid")"; fi
  return 0
}

# agent i path -> prints "CODE BODY"
agent_get() {
  curl -s -m 5 -o "$BASE/.body" -w '%{http_code}' "http://127.0.0.1:${AGENT_PORTS[$1]}$2" || true
  printf ' '; cat "$BASE/.body" 2>/dev/null || true
}
health_code() { curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:${AGENT_PORTS[$1]}/health" || true; }
state_field() { curl -s -m 5 "http://127.0.0.1:${AGENT_PORTS[$1]}/state" | jq -r "$2"; }

wait_until() { # timeout description command...
  local timeout=$1 what=$2; shift 2
  local t=$SECONDS
  until "$@"; do
    if [ $((SECONDS - t)) -ge "$timeout" ]; then log "timed out after ${timeout}s waiting for: $what"; return 1; fi
    sleep 1
  done
  log "after $((SECONDS - t))s: $what"
}
all_healthy() { local i; for i in "$@"; do [ "$(health_code "$i")" = 200 ] || return 1; done; }

# SQL as root over the node's socket; as the app user over TCP (host:port given).
sql_root() { mariadb --no-defaults -S "$(sock "$1")" -uroot -p"$ROOT_PW" -N -B -e "$2"; }
sql_app() { mariadb --no-defaults -h127.0.0.1 -P"$1" -u"$APP_USER" -p"$APP_PW" -N -B --connect-timeout=3 "$APP_DB" -e "$2"; }
status_var() { sql_root "$1" "SHOW GLOBAL STATUS LIKE '$2'" | awk '{print $2}'; }

# Lines the start script logged since the last start (decision lines only).
last_start_log() { awk '/^--- start/{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "$(node_dir "$1")/start.log"; }
decision_of() { last_start_log "$1" | grep -o 'decision="[a-z-]*"' | tail -1 | cut -d'"' -f2; }

dump_logs() {
  local i
  for i in 0 1 2; do
    echo "----- node $i start.log (last 40 lines)"; tail -40 "$(node_dir "$i")/start.log" 2>/dev/null || true
    echo "----- node $i agent.log (last 10 lines)"; tail -10 "$(node_dir "$i")/agent.log" 2>/dev/null || true
  done
}
