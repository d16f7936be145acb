#!/usr/bin/env bash
# Starts a three-node MariaDB Galera cluster on loopback with HAProxy in front, for the message-api
# Galera tests and the benchmark, on the data plane the operator deploys (hack/dataplane/lib.sh):
# each node started by galera-start.sh -> `galera-agent start` and watched by a galera-agent, with
# the operator's rendered my.cnf; HAProxy with the operator's rendered haproxy.cfg (db-0 the writer,
# db-1/db-2 backups, the writer sticks); only loopback addresses and ports changed
# (hack/dataplane/loopback-config.sh). Needs `make product-configs`.
#   SQL:     n1 127.0.0.1:25311, n2 :25312, n3 :25313 (nodes 0-2 in $MS_TEST_RUN/galera/node0..2);
#            HAProxy writer endpoint :25310, its /healthz on :25309, admin socket galera/haproxy.sock
#   agents:  :25201..25203 (/health, used by HAProxy's checks)
# Safe to run twice: it starts only what is not running; a node whose server was killed starts
# again and rejoins. With no node running it creates a fresh cluster (test data only).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
api_user=$APP_USER api_password=$APP_PASSWORD api_db=$APP_DB api_proxy=$HAPROXY_PORT
export DP_BASE=$MS_TEST_RUN/galera
# The start's own default (the operator does not set it); the data-plane test shortens it to 8 s.
STUCK_SECONDS=${STUCK_SECONDS:-20}
# shellcheck source=hack/dataplane/lib.sh
source "$here/../dataplane/lib.sh"
# The ports and the application account the tests expect (hack/api/lib.sh, TestServers.java).
MYSQL_PORTS=("${GALERA_PORTS[@]}")
GCOMM_PORTS=("${GALERA_GCOMM_PORTS[@]}")
AGENT_PORTS=("${GALERA_AGENT_PORTS[@]}")
HAPROXY_PORT=$api_proxy
HAPROXY_HEALTH_PORT=$((api_proxy - 1))
HAPROXY_ADMIN_SOCKET=$BASE/haproxy.sock
APP_USER=$api_user APP_PW=$api_password APP_DB=$api_db
need_tools
need_product_configs

running=0
for i in 0 1 2; do alive "$(node_dir "$i")/start.pid" && running=$((running + 1)); done
if [ "$running" = 0 ]; then
  log "no node running: a fresh cluster under $BASE"
  stop_all 2>/dev/null || true
  rm -rf "$BASE"; mkdir -p "$BASE"; chmod 755 "$BASE"; chown mysql:mysql "$BASE"
  build_agent
  write_agent_token
fi
for i in 0 1 2; do
  [ -f "$(node_dir "$i")/conf.d/messagestack.cnf" ] || write_node_conf "$i"
  alive "$(node_dir "$i")/agent.pid" || start_agent "$i"
done
for i in 0 1 2; do
  alive "$(node_dir "$i")/start.pid" || { log "starting node $i (n$((i + 1)), 127.0.0.1:${MYSQL_PORTS[$i]})"; start_node "$i"; }
done
wait_until 180 "all three agents report Synced in the Primary component" all_healthy 0 1 2 || { dump_logs; die "the cluster did not become healthy; logs in $BASE/node*/"; }
alive "$BASE/haproxy.pid" || { log "starting haproxy on 127.0.0.1:$HAPROXY_PORT"; start_haproxy; }
via_proxy() { mariadb --no-defaults -h127.0.0.1 -P"$HAPROXY_PORT" -u"$APP_USER" -p"$APP_PW" -N -B --connect-timeout=2 "$APP_DB" -e "$1"; }
wait_until 30 "HAProxy on :$HAPROXY_PORT reaches a node" via_proxy "SELECT 1" >/dev/null ||
  die "HAProxy on :$HAPROXY_PORT does not reach a node; see $BASE/haproxy.cfg and $BASE/haproxy.log"
log "Galera ready: 3 nodes Synced; writer endpoint jdbc:mysql://127.0.0.1:$HAPROXY_PORT/$APP_DB served by $(via_proxy 'SELECT @@wsrep_node_name')"
