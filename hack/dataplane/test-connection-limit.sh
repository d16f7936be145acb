#!/usr/bin/env bash
# The agent's health checks when the application's connections fill max_connections (issue 15/16; measured on
# the kind lab: commits stalled by flow control filled the writer's max_connections, its agent could not log in,
# /health answered 503 and HAProxy moved the writer). One real mariadbd on loopback, started by the operator's
# galera-start.sh (`galera-agent start`) on the operator's rendered my.cnf (only loopback substitutions,
# loopback-config.sh), as a single-node Galera cluster. Then:
#   1. fill-connections (galera-agent/cmd/fill-connections) opens connections as the application's user until
#      the server refuses one with "Too many connections", and holds them;
#   2. while they are held, two agents start and must log in: one configured as the operator configures it
#      (MYSQL_MONITOR_PORT = the rendered extra_port) must answer /health 200 and /metrics up 1; one configured
#      as before this change (MYSQL_PORT only) is expected to answer 503: that is the failure the lab saw, and
#      it shows this test fails without the fix;
#   3. the connections are released and the application logs in again.
# Ports 16xxx (DP_PORT_OFFSET=2000), folder $DP_BASE (default /tmp/messagestack-connection-limit), wiped first:
# safe to run twice. KEEP=1 leaves the processes running at the end.
set -euo pipefail
export DP_BASE=${DP_BASE:-/tmp/messagestack-connection-limit}
export DP_PORT_OFFSET=${DP_PORT_OFFSET:-2000}
# shellcheck source=hack/dataplane/lib.sh
source "$(dirname "$0")/lib.sh"

need_tools
need_product_configs
FILL_BIN="$BASE/bin/fill-connections"
FIXED_AGENT_PORT=$((AGENT_PORTS[0] + 10))
TODAY_AGENT_PORT=$((AGENT_PORTS[0] + 11))

stop_extra_agents() {
  local f
  for f in "$BASE/agent-fixed.pid" "$BASE/agent-today.pid"; do
    if alive "$f"; then kill -TERM "$(cat "$f")" 2>/dev/null || true; fi
  done
}
stop_all 2>/dev/null || true
stop_extra_agents 2>/dev/null || true
rm -rf "$BASE"; mkdir -p "$BASE"; chmod 755 "$BASE"
chown mysql:mysql "$BASE"
FILL_PID=""
cleanup() {
  local rc=$?
  if [ -n "$FILL_PID" ]; then kill "$FILL_PID" 2>/dev/null || true; fi
  if [ "$FAILED" -gt 0 ] || [ $rc -ne 0 ]; then
    dump_logs
    tail -5 "$BASE"/agent-*.log 2>/dev/null || true
  fi
  if [ "${KEEP:-0}" != 1 ]; then stop_extra_agents; stop_all; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_probe_agent NAME PORT [VAR=value ...]: one more galera-agent for node 0 on PORT, pid in $BASE/agent-NAME.pid.
start_probe_agent() {
  local name=$1 port=$2; shift 2
  setsid setpriv --reuid=mysql --regid=mysql --init-groups env -i \
    POD_NAME=ms-db-0 MONITOR_USER="$MON_USER" MONITOR_PASSWORD="$MON_PW" DATADIR="$(node_dir 0)/data" \
    AGENT_TOKEN_FILE="$BASE/agent-token" MYSQL_HOST=127.0.0.1 MYSQL_PORT="${MYSQL_PORTS[0]}" \
    AGENT_LISTEN="127.0.0.1:$port" "$@" \
    "$AGENT_BIN" >>"$BASE/agent-$name.log" 2>&1 </dev/null &
  echo $! >"$BASE/agent-$name.pid"; disown
}
code_at() { curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1$2" || true; }
metrics_line() { curl -s -m 5 "http://127.0.0.1:$1/metrics" | grep -x "$2" >/dev/null; }

phase "build the agent and the connection filler"
build_agent
(cd "$REPO_ROOT/galera-agent" && CGO_ENABLED=0 go build -trimpath -o "$FILL_BIN" ./cmd/fill-connections)
write_agent_token

phase "one node on the operator's rendered my.cnf, a single-node cluster"
write_node_conf 0
conf="$(node_dir 0)/conf.d/messagestack.cnf"
check "node 0's config is the operator's my.cnf with only loopback substitutions" \
  only_loopback_substitutions my.cnf "$PRODUCT_CONFIGS/messagestack.cnf" "$conf"
check "the operator renders an extra port for the agent (extra_port = 3307)" grep -qx 'extra_port = 3307' "$PRODUCT_CONFIGS/messagestack.cnf"
start_agent 0
# REPLICAS=1 without GALERA_PEERS: the start bootstraps a single-node cluster (no peer can hold newer data).
start_node 0 REPLICAS=1 GALERA_PEERS= GALERA_PEER_AGENTS= PEER_SERVICE=ms-db-peers
wait_until 120 "node 0's agent reports Synced in the Primary component" all_healthy 0 ||
  die "node 0 did not become healthy; see $(node_dir 0)/start.log"
max=$(sql_root 0 "SELECT @@max_connections")
extra_max=$(sql_root 0 "SELECT @@extra_max_connections")
threading=$(sql_root 0 "SELECT @@thread_handling")
log "server: max_connections=$max extra_port=$(sql_root 0 "SELECT @@extra_port") extra_max_connections=$extra_max thread_handling=$threading"
check "the server listens on the extra port $(extra_port_of 0) (no thread pool: $threading)" \
  [ "$(sql_root 0 "SELECT @@extra_port")" = "$(extra_port_of 0)" ]
check "the monitor user has no privilege beyond USAGE (least privilege; no reserved SUPER/CONNECTION ADMIN slot)" \
  bash -c "[ \"\$(sql_root 0 \"SHOW GRANTS FOR '$MON_USER'@'127.0.0.1'\" | grep -c -v '^GRANT USAGE ON \*\.\* TO')\" = 0 ]"

phase "fill max_connections with the application's connections"
coproc FILLER { "$FILL_BIN" -addr "127.0.0.1:${MYSQL_PORTS[0]}" -user "$APP_USER" -password "$APP_PW"; }
FILL_PID=$FILLER_PID
fill_line=""
read -r -t 120 fill_line <&"${FILLER[0]}" || true
log "fill-connections: $fill_line"
held=${fill_line#held }
check "the application's connections fill max_connections ($fill_line of max_connections=$max)" \
  bash -c "[[ '$fill_line' =~ ^held\ [0-9]+$ ]] && [ $held -ge $((max - 5)) ]"
app_err=$(sql_app "${MYSQL_PORTS[0]}" "SELECT 1" 2>&1 || true)
check "a further application login is refused: ${app_err:0:80}" bash -c "grep -q 'Too many connections' <<<'$app_err'"

phase "agents that log in while max_connections is full"
start_probe_agent fixed "$FIXED_AGENT_PORT" MYSQL_MONITOR_PORT="$(monitor_port_of 0)"
start_probe_agent today "$TODAY_AGENT_PORT"
wait_until 10 "both probe agents answer" bash -c "curl -s -o /dev/null http://127.0.0.1:$FIXED_AGENT_PORT/state && curl -s -o /dev/null http://127.0.0.1:$TODAY_AGENT_PORT/state" || true
fixed_code=$(code_at "$FIXED_AGENT_PORT" /health)
today_code=$(code_at "$TODAY_AGENT_PORT" /health)
log "while full: /health of the agent on the extra port: $fixed_code; of the agent on the application's port (before this change): $today_code"
check "the agent on the extra port (as the operator configures it) answers /health 200 while max_connections is full ($fixed_code)" [ "$fixed_code" = 200 ]
check "its /metrics reports the server up" metrics_line "$FIXED_AGENT_PORT" "messagestack_galera_up 1"
check "an agent on the application's port (before this change) answers 503 while full: the lab's failure ($today_code)" [ "$today_code" = 503 ]
r=$(curl -s -m 5 "http://127.0.0.1:$TODAY_AGENT_PORT/health" || true)
log "its answer: ${r:0:160}"
ok=0
for _ in $(seq 1 20); do [ "$(code_at "$FIXED_AGENT_PORT" /health)" = 200 ] && ok=$((ok + 1)); done
check "20 more /health calls on the extra port while full: $ok of 20 answer 200" [ "$ok" = 20 ]

phase "release the connections"
fill_in=${FILLER[1]}
exec {fill_in}>&-  # closes the filler's stdin: it releases its connections and exits
wait "$FILL_PID" || true
FILL_PID=""
check "the application logs in again" sql_app "${MYSQL_PORTS[0]}" "SELECT 1"
wait_until 10 "the agent on the application's port answers 200 again" bash -c "[ \"\$(curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:$TODAY_AGENT_PORT/health)\" = 200 ]" || true
check "the agent on the application's port answers 200 again" [ "$(code_at "$TODAY_AGENT_PORT" /health)" = 200 ]

echo
log "connection-limit test: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
