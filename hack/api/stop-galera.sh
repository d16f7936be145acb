#!/usr/bin/env bash
# Stops HAProxy, the three Galera nodes and their agents started by start-galera.sh: each node with
# SIGTERM to its start (as Kubernetes stops a pod; the server shuts down cleanly), node 0 last so it
# holds the newest state. Safe to run twice.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export DP_BASE=$MS_TEST_RUN/galera
# shellcheck source=hack/dataplane/lib.sh
source "$here/../dataplane/lib.sh"
stop_pidfile "$BASE/haproxy.pid" "haproxy"
for i in 2 1 0; do
  alive "$(node_dir "$i")/start.pid" && { log "stopping node $i (n$((i + 1)))"; stop_node "$i"; }
done
for i in 2 1 0; do stop_pidfile "$(node_dir "$i")/agent.pid" "galera-agent $i"; done
log "Galera stopped"
