#!/usr/bin/env bash
# Data-plane test with real processes: three mariadbd servers on loopback started by the
# operator's galera-start.sh (which execs `galera-agent start`, the code the pods run), three
# galera-agents, and a Debian HAProxy in front of them; the servers run the operator's rendered
# my.cnf and HAProxy its rendered haproxy.cfg (`make product-configs`), changed only in loopback
# addresses and ports (loopback-config.sh, checked here).
# It checks: the configs used are the operator's; first start bootstraps exactly one node; /health on Synced, stopped, desynced and
# non-Primary nodes; a restart rejoins; a full SIGKILL crash recovers through the recovery file
# and POST /bootstrap with no acknowledged row lost; HAProxy moves writes off a node that is
# marked down or dies, and keeps the new writer when the old one returns. Safe to run twice (it wipes its own folder, $DP_BASE, first).
# KEEP=1 leaves the processes running at the end.
# shellcheck source=hack/dataplane/lib.sh
source "$(dirname "$0")/lib.sh"

need_tools
need_product_configs
stop_all 2>/dev/null || true
rm -rf "$BASE"; mkdir -p "$BASE"
chown mysql:mysql "$BASE"
cleanup() {
  local rc=$?
  if [ "$FAILED" -gt 0 ] || [ $rc -ne 0 ]; then dump_logs; fi
  [ "${KEEP:-0}" = 1 ] || stop_all
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# metrics_has i line...: node i's GET /metrics answers 200 with each exact sample line.
metrics_has() {
  local i=$1 code; shift
  code=$(curl -s -m 5 -o "$BASE/metrics.$i" -w '%{http_code}' "http://127.0.0.1:${AGENT_PORTS[$i]}/metrics") || true
  [ "$code" = 200 ] || { log "node $i /metrics: HTTP $code"; return 1; }
  for l; do grep -qxF "$l" "$BASE/metrics.$i" || { log "node $i /metrics lacks: $l"; return 1; }; done
}

phase "build the agent and start three agents"
build_agent
write_agent_token
for i in 0 1 2; do write_node_conf "$i"; start_agent "$i"; done

phase "the configs are the operator's: only loopback addresses and ports differ"
# refuses_change KIND RENDERED USED SED_EXPR: the check refuses USED changed by SED_EXPR (which must change it).
refuses_change() {
  local t="$BASE/changed.$1"
  sed "$4" "$3" >"$t"
  if cmp -s "$3" "$t"; then log "sed '$4' changed nothing in $3"; return 1; fi
  ! only_loopback_substitutions "$1" "$2" "$t" >/dev/null 2>&1
}
for i in 0 1 2; do
  check "node $i's conf.d/messagestack.cnf is the operator's my.cnf with only loopback substitutions" \
    only_loopback_substitutions my.cnf "$PRODUCT_CONFIGS/messagestack.cnf" "$(node_dir "$i")/conf.d/messagestack.cnf"
done
check "the check refuses a changed product setting (innodb_flush_log_at_trx_commit 1 -> 2)" \
  refuses_change my.cnf "$PRODUCT_CONFIGS/messagestack.cnf" "$(node_dir 0)/conf.d/messagestack.cnf" 's/^innodb_flush_log_at_trx_commit = 1$/innodb_flush_log_at_trx_commit = 2/'
check "the check refuses a substitution that is not loopback (bind-address 10.0.0.1)" \
  refuses_change my.cnf "$PRODUCT_CONFIGS/messagestack.cnf" "$(node_dir 0)/conf.d/messagestack.cnf" 's/^bind-address = 127\.0\.0\.1$/bind-address = 10.0.0.1/'

wait_until 10 "agents answer" bash -c "curl -s -o /dev/null http://127.0.0.1:${AGENT_PORTS[0]}/state && curl -s -o /dev/null http://127.0.0.1:${AGENT_PORTS[2]}/state"
r=$(agent_get 0 /health); check "/health is 503 while no server runs ($r)" [ "${r%% *}" = 503 ]
r=$(agent_get 0 /state); check "/state of an empty node: running=false, recovered=null" \
  bash -c "echo '${r#* }' | jq -e '.running == false and .recovered == null and .seqno == -1' >/dev/null"
check "/metrics answers 200 with messagestack_galera_up 0 while no server runs" metrics_has 0 "messagestack_galera_up 0"
r=$(post_bootstrap 0)
check "POST /bootstrap is refused (409) when the node is not waiting for recovery (got $r)" [ "$r" = 409 ]
r=$(post_bootstrap 0 none)
check "POST /bootstrap without a token is refused with 401 (got $r)" [ "$r" = 401 ]

phase "first start: all three start at once"
t=$SECONDS
for i in 0 1 2; do start_node "$i"; done
wait_until 180 "all three agents report Synced in the Primary component" all_healthy 0 1 2 || true
log "new cluster ready in $((SECONDS - t))s"
check "node 0 bootstrapped a new cluster" [ "$(decision_of 0)" = bootstrap-new-cluster ]
check "node 1 joined" [ "$(decision_of 1)" = join ]
check "node 2 joined" [ "$(decision_of 2)" = join ]
boots=$(grep -l 'decision="bootstrap' "$BASE"/node*/start.log | wc -l)
check "exactly one node bootstrapped ($boots)" [ "$boots" = 1 ]
for i in 0 1 2; do
  check "node $i: wsrep_cluster_size=3, Synced" [ "$(status_var "$i" wsrep_cluster_size)/$(status_var "$i" wsrep_local_state_comment)" = 3/Synced ]
done
rendered() { sed -n "s/^$1 = //p" "$PRODUCT_CONFIGS/messagestack.cnf"; }
want="$(rendered innodb_flush_log_at_trx_commit) $(rendered sync_binlog) $(rendered max_connections) $(rendered wsrep_cluster_name)"
have=$(sql_root 0 "SELECT @@innodb_flush_log_at_trx_commit, @@sync_binlog, @@max_connections, @@wsrep_cluster_name" | tr '\t' ' ')
check "node 0 runs the operator's settings (flush, sync_binlog, max_connections, cluster name: '$have', rendered '$want')" [ "$have" = "$want" ]
r=$(agent_get 1 /health); check "/health 200 on a Synced node ($r)" [ "${r%% *}" = 200 ]
r=$(agent_get 1 /state)
check "/state of a running node: running, Primary, size 3, local state 4" \
  bash -c "echo '${r#* }' | jq -e '.running and .ready and .clusterStatus == \"Primary\" and .clusterSize == 3 and .localState == 4' >/dev/null"
r=$(post_bootstrap 1)
check "POST /bootstrap is refused (409) while the server runs (got $r)" [ "$r" = 409 ]
check "/metrics of a Synced node: up, size 3, Primary, Synced, ready, connected" metrics_has 1 "messagestack_galera_up 1" \
  "messagestack_galera_cluster_size 3" "messagestack_galera_cluster_primary 1" "messagestack_galera_local_state 4" \
  "messagestack_galera_ready 1" "messagestack_galera_connected 1"
check "/metrics of a Synced node has flow control, queues, InnoDB and connections" \
  grep -qE '^messagestack_galera_flow_control_paused_seconds_total [0-9.e+-]+$' "$BASE/metrics.1"
for m in messagestack_galera_recv_queue messagestack_galera_local_commits_total messagestack_galera_cert_failures_total \
  messagestack_mysql_threads_connected 'messagestack_mysql_handler_operations_total{operation="write"}' \
  'messagestack_innodb_buffer_pool_pages{state="total"}' messagestack_innodb_data_fsyncs_total; do
  check "/metrics has $m" grep -qF "$m " "$BASE/metrics.1"
done
check "/metrics names no credential" bash -c "! grep -qiE '$MON_USER|password' '$BASE/metrics.1'"
log "node 1 /metrics: $(grep -v '^#' "$BASE/metrics.1" | tr '\n' ';')"

check "app user can create its table" sql_app "${MYSQL_PORTS[0]}" \
  "CREATE TABLE IF NOT EXISTS rows_acked (id INT PRIMARY KEY, note VARCHAR(40))"
check "app user has no rights outside its database" bash -c "! mariadb --no-defaults -h127.0.0.1 -P${MYSQL_PORTS[0]} -u$APP_USER -p'$APP_PW' -e 'SELECT * FROM mysql.user' >/dev/null 2>&1"
check "monitor user cannot read the app data" bash -c "! mariadb --no-defaults -h127.0.0.1 -P${MYSQL_PORTS[0]} -u$MON_USER -p\"$MON_PW\" -e 'SELECT * FROM $APP_DB.rows_acked' >/dev/null 2>&1"
check "root has no password-less login" bash -c "! mariadb --no-defaults -S $(sock 0) -uroot -e 'SELECT 1' >/dev/null 2>&1"

ACKED="$BASE/acked.txt"; : >"$ACKED"
UNACKED="$BASE/unacked.txt"; : >"$UNACKED"   # writes that failed: they may or may not have committed
# rows_ok i: node i holds every acknowledged row, and no row that was never written.
rows_ok() {
  local have; have=$(sql_root "$1" "SELECT id FROM $APP_DB.rows_acked ORDER BY id" | sort)
  [ -z "$(comm -23 <(sort "$ACKED") <(echo "$have"))" ] || { log "node $1 lacks acknowledged rows: $(comm -23 <(sort "$ACKED") <(echo "$have") | tr '\n' ' ')"; return 1; }
  [ -z "$(comm -23 <(echo "$have") <(sort "$ACKED" "$UNACKED"))" ] || { log "node $1 has rows nobody wrote"; return 1; }
}
write_rows() { # port from to: inserts one row per statement, records the acknowledged ids
  local port=$1 id
  for ((id = $2; id <= $3; id++)); do
    if sql_app "$port" "INSERT INTO rows_acked VALUES ($id, 'row $id')" 2>/dev/null; then echo "$id" >>"$ACKED"; else echo "$id" >>"$UNACKED"; fi
  done
}
write_rows "${MYSQL_PORTS[0]}" 1 20
check "20 rows acknowledged with all three up" [ "$(wc -l <"$ACKED")" = 20 ]
wait_until 10 "node 2 sees the 20 rows" bash -c "[ \"\$(mariadb --no-defaults -S $(sock 2) -uroot -p'$ROOT_PW' -N -e 'SELECT COUNT(*) FROM $APP_DB.rows_acked')\" = 20 ]"

phase "a desynced node (wsrep_local_state 2) is not healthy"
sql_root 2 "SET GLOBAL wsrep_desync=ON"
r=$(agent_get 2 /health); check "/health 503 on a Donor/Desynced node ($r)" bash -c "[[ '$r' == 503*Desynced* ]]"
sql_root 2 "SET GLOBAL wsrep_desync=OFF"
wait_until 10 "node 2 Synced again" all_healthy 2 || true

phase "a restarted node rejoins without bootstrapping"
stop_node 2
r=$(agent_get 2 /health); check "/health 503 on a stopped node ($r)" [ "${r%% *}" = 503 ]
check "cluster size 2 while node 2 is down" [ "$(status_var 0 wsrep_cluster_size)" = 2 ]
write_rows "${MYSQL_PORTS[1]}" 21 25
t=$SECONDS
start_node 2
wait_until 120 "node 2 Synced again" all_healthy 2 || true
log "restart to Synced: $((SECONDS - t))s"
check "restarted node 2 joined (decision=$(decision_of 2))" [ "$(decision_of 2)" = join ]
ist_lines=$(last_start_log 2 | grep -c 'IST received' || true)
check "restarted node 2 caught up by IST, not a full state transfer ($ist_lines 'IST received' lines)" [ "$ist_lines" -ge 1 ]
check "cluster size 3 after the restart" [ "$(status_var 0 wsrep_cluster_size)" = 3 ]

phase "a node cut off from the group while its peers stay Primary is restarted by its start script and rejoins"
# gmcast.isolate=1 makes node 2 drop its group connections for good, like a joiner after a failed IST
# ("node restart required"): it stays up outside the Primary component while nodes 0 and 1 go on.
outside_primary() { [ "$(state_field "$1" .clusterStatus)" != Primary ]; }
whole_again() { all_healthy 2 && [ "$(status_var 0 wsrep_cluster_size)" = 3 ]; }
start_log_has() { grep -q -- "$2" <<<"$(last_start_log "$1")"; }   # not a pipe: grep -q ends early, pipefail
sql_root 2 "SET GLOBAL wsrep_provider_options='gmcast.isolate=1'"
wait_until 30 "node 2 is outside the Primary component" outside_primary 2 || true
check "node 2 left the Primary component ($(state_field 2 .clusterStatus))" outside_primary 2
check "nodes 0 and 1 stay Primary, size $(status_var 0 wsrep_cluster_size)" [ "$(status_var 0 wsrep_cluster_status)" = Primary ]
t=$SECONDS
wait_until 120 "node 2 Synced again in a cluster of 3" whole_again || true
log "isolated node back to Synced: $((SECONDS - t))s (STUCK_SECONDS=$STUCK_SECONDS)"
check "its start script stopped the stuck server" start_log_has 2 'stopping the server: it stayed outside the Primary component'
check "and started over in the same process" start_log_has 2 'starting over to join afresh'
check "cluster size 3 with node 2 back" whole_again
check "node 2 is in the Primary component again" [ "$(status_var 2 wsrep_cluster_status)" = Primary ]

phase "minority: a node that lost its peers leaves the Primary component and refuses writes"
kill_node 2
write_rows "${MYSQL_PORTS[0]}" 26 60
check "rows 26-60 acknowledged by the two-node cluster" [ "$(wc -l <"$ACKED")" = 60 ]
kill_node 1
wait_until 40 "node 0 is non-Primary" bash -c "[ \"\$(curl -s http://127.0.0.1:${AGENT_PORTS[0]}/state | jq -r .clusterStatus)\" = non-Primary ]" || true
r=$(agent_get 0 /health); check "/health 503 on a non-Primary node ($r)" bash -c "[[ '$r' == 503*Primary* || '$r' == 503*wsrep_ready=OFF* ]]"
check "the non-Primary node refuses a write" bash -c "! mariadb --no-defaults -h127.0.0.1 -P${MYSQL_PORTS[0]} -u$APP_USER -p'$APP_PW' $APP_DB -e \"INSERT INTO rows_acked VALUES (999, 'minority')\" 2>/dev/null"
wait_until 30 "/live fails after the non-Primary grace (${NON_PRIMARY_GRACE_SECONDS:-10}s)" \
  bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:${AGENT_PORTS[0]}/live)\" = 503 ]"
check "/live is 503 on a node stuck outside the Primary component" [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${AGENT_PORTS[0]}/live")" = 503 ]

phase "full crash: the last node is killed too, then all three restart"
kill_node 0
check "/live is 200 while the server is down (waiting must not be killed)" [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${AGENT_PORTS[0]}/live")" = 200 ]
for i in 0 1 2; do
  check "node $i grastate.dat says seqno -1 after SIGKILL" grep -q '^seqno: *-1' "$(node_dir "$i")/data/grastate.dat"
done
t=$SECONDS
# Node 2's InnoDB files are locked by another process when it starts, as by a force-deleted pod that is
# still dying on the same volume: --wsrep-recover fails ("Unable to lock ./ibdata1"). The node must keep
# retrying and publish why, never -1 as a position; the lock is released after 12 s.
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "r+"); fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB); print("locked", flush=True); time.sleep(12)' \
  "$(node_dir 2)/data/ibdata1" >"$BASE/lock-holder.log" 2>&1 &
LOCK_PID=$!
wait_until 5 "a process holds node 2's InnoDB lock" grep -q locked "$BASE/lock-holder.log" || true
for i in 0 1 2; do start_node "$i"; done
f2="$(node_dir 2)/data/messagestack-recovery.json"
wait_until 30 "node 2 publishes state recovering" bash -c "jq -e '.state == \"recovering\"' '$f2' >/dev/null 2>&1" || true
log "node 2 while locked: $(cat "$f2" 2>/dev/null)"
check "node 2 (InnoDB locked) publishes state recovering with seqno null and the reason" \
  bash -c "jq -e '.state == \"recovering\" and .seqno == null and (.error | test(\"Unable to lock\"))' '$f2' >/dev/null"
check "node 2's agent: not waiting for a decision while its position is unknown" \
  [ "$(state_field 2 '.waitingForDecision, .recovered.state' | tr '\n' ,)" = false,recovering, ]
r=$(post_bootstrap 2); check "POST /bootstrap to a node without a known position is refused (got $r)" [ "$r" = 409 ]
wait "$LOCK_PID" 2>/dev/null || true
# A node publishes state "recovering" (seqno null) while --wsrep-recover has not found its position yet.
recovery_files() { local i; for i in 0 1 2; do jq -e '.state == "waiting"' "$(node_dir "$i")/data/messagestack-recovery.json" >/dev/null 2>&1 || return 1; done; }
wait_until 90 "all three wrote their recovery file" recovery_files || true
sleep 8   # give any wrong self-bootstrap time to show
declare -a SEQ
for i in 0 1 2; do
  f="$(node_dir "$i")/data/messagestack-recovery.json"
  SEQ[$i]=$(jq -r .seqno "$f" 2>/dev/null || echo -1)
  log "node $i recovery file: $(cat "$f" 2>/dev/null)"
  check "node $i recovered a real seqno by --wsrep-recover (${SEQ[$i]})" \
    bash -c "[ '${SEQ[$i]}' -ge 0 ] && jq -e '.source == \"wsrep-recover\" and .state == \"waiting\"' '$f' >/dev/null"
  check "node $i waits (decision=$(decision_of "$i")) and its server is not running" \
    bash -c "[ '$(decision_of "$i")' = wait-recovery ] && [ \"\$(curl -s http://127.0.0.1:${AGENT_PORTS[$i]}/state | jq -r '.running, .waitingForDecision' | tr '\n' ,)\" = false,true, ]"
done
check "node 2 (killed first) is behind nodes 0 and 1 (${SEQ[2]} < ${SEQ[0]}, ${SEQ[1]})" \
  bash -c "[ '${SEQ[2]}' -lt '${SEQ[0]}' ] && [ '${SEQ[2]}' -lt '${SEQ[1]}' ]"
# Choose like the operator: the highest seqno, ties to the lowest ordinal.
best=0
for i in 1 2; do [ "${SEQ[$i]}" -gt "${SEQ[$best]}" ] && best=$i; done
check "node 2 recovered its position after the lock was released (attempts $(jq -r .attempts "$f2" 2>/dev/null))" \
  bash -c "[ \"\$(jq -r .attempts '$f2')\" -ge 2 ]"
log "most advanced node: $best (seqno ${SEQ[$best]}); POST /bootstrap to its agent"
r=$(post_bootstrap "$best" none)
check "POST /bootstrap without a token is refused with 401 (got $r)" [ "$r" = 401 ]
r=$(post_bootstrap "$best" "Bearer not-the-token")
check "POST /bootstrap with a wrong token is refused with 403 (got $r)" [ "$r" = 403 ]
check "a refused request changed nothing: no marker, node $best still waits" \
  bash -c "[ ! -e '$(node_dir "$best")/data/messagestack-bootstrap' ] && [ \"\$(curl -s http://127.0.0.1:${AGENT_PORTS[$best]}/state | jq -r '.running, .waitingForDecision, .bootstrapRequested' | tr '\n' ,)\" = false,true,false, ]"
# Two bootstrap requests at once to two different nodes (as a second requester, or an operator
# leader that changed, would send): each agent claims, asks its peers, and withdraws when it sees
# another claim or marker, so at most one is accepted; if both withdrew, the request is repeated.
other=$(( best == 0 ? 1 : 0 ))
post_bootstrap "$best" >"$BASE/post-$best" & p1=$!
post_bootstrap "$other" >"$BASE/post-$other" & p2=$!
wait "$p1" "$p2" || true
rb=$(cat "$BASE/post-$best"); ro=$(cat "$BASE/post-$other")
log "concurrent POST /bootstrap: node $best -> $rb, node $other -> $ro"
check "two concurrent POST /bootstrap (nodes $best and $other, with the token): at most one accepted ($rb, $ro)" \
  bash -c "[ '$rb' != 202 ] || [ '$ro' != 202 ]"
if [ "$ro" = 202 ]; then
  best=$other
elif [ "$rb" != 202 ]; then
  r=$(post_bootstrap "$best")
  check "both withdrew; POST /bootstrap to node $best alone accepted ($r)" [ "$r" = 202 ]
fi
log "bootstrapping node: $best"
wait_until 180 "all three Synced after the recovery" all_healthy 0 1 2 || true
log "full crash: restart to cluster Synced: $((SECONDS - t))s"
check "node $best bootstrapped from its data (decision=$(decision_of "$best"))" [ "$(decision_of "$best")" = bootstrap-recovered ]
for i in 0 1 2; do
  [ "$i" = "$best" ] && continue
  check "node $i rejoined (decision=$(decision_of "$i"))" [ "$(decision_of "$i")" = join ]
done
check "one Primary component: cluster size 3 on every node" \
  [ "$(status_var 0 wsrep_cluster_size)$(status_var 1 wsrep_cluster_size)$(status_var 2 wsrep_cluster_size)" = 333 ]
for i in 0 1 2; do
  check "node $i: recovery file and marker removed" bash -c "[ ! -e '$(node_dir "$i")/data/messagestack-recovery.json' ] && [ ! -e '$(node_dir "$i")/data/messagestack-bootstrap' ]"
done
for i in 0 1 2; do
  check "node $i holds every acknowledged row ($(wc -l <"$ACKED")), and only rows that were written" rows_ok "$i"
done

phase "HAProxy on the operator's haproxy.cfg: one writer, backups, shutdown-sessions, failover, no fail-back"
start_haproxy
check "haproxy.cfg is the operator's with only loopback substitutions" \
  only_loopback_substitutions haproxy.cfg "$PRODUCT_CONFIGS/haproxy.cfg" "$BASE/haproxy.cfg"
check "the check refuses a server that lost 'backup' under a loopback comment" \
  refuses_change haproxy.cfg "$PRODUCT_CONFIGS/haproxy.cfg" "$BASE/haproxy.cfg" 's/^\(    server db-1 127\.0\.0\.1:[0-9]* port [0-9]*\) backup$/\1/'
via_proxy() { mariadb --no-defaults -h127.0.0.1 -P$HAPROXY_PORT -u"$APP_USER" -p"$APP_PW" -N -B --connect-timeout=2 "$APP_DB" -e "$1"; }
writer_is() { [ "$(via_proxy 'SELECT @@wsrep_node_name' 2>/dev/null)" = "$1" ]; }
wait_until 15 "HAProxy sends to db0" writer_is ms-db-0 || true
check "writes go to node 0 (the active server)" writer_is ms-db-0
proxy_ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HAPROXY_HEALTH_PORT/healthz")" = 200 ]; }
# A new proxy is not ready in its first 3 s (its first checks), then once the writer is up (HaproxyConfigRenderer).
wait_until 10 "the proxy's first checks" proxy_ready || true
check "the proxy's readiness endpoint /healthz answers 200 while database nodes are up" proxy_ready

# A long query through the proxy; when node 0 is marked down its session must be cut.
t=$SECONDS
( rc=0; via_proxy "SELECT SLEEP(60)" >/dev/null 2>&1 || rc=$?; echo "rc=$rc after=$((SECONDS - t))s" >"$BASE/sleep-session.txt" ) &
sleeper=$!
sleep 1
sql_root 0 "SET GLOBAL wsrep_desync=ON"
wait_until 15 "HAProxy moved to db1 after node 0 went Donor/Desynced" writer_is ms-db-1 || true
check "a desynced writer is replaced by the first backup" writer_is ms-db-1
wait "$sleeper" || true
log "long session through the proxy: $(cat "$BASE/sleep-session.txt")"
check "the session on the marked-down node was shut down (not left to run 60 s)" \
  bash -c "grep -q 'rc=[1-9]' '$BASE/sleep-session.txt' && [ \$(sed 's/.*after=\([0-9]*\)s/\1/' '$BASE/sleep-session.txt') -lt 15 ]"
sql_root 0 "SET GLOBAL wsrep_desync=OFF"
wait_until 15 "node 0 healthy again" all_healthy 0 || true
sleep 4   # several check intervals (rise 2 x inter 1s): a fail-back would have happened by now
check "no fail-back: node 1 keeps the writes after node 0 is Synced again (the writer sticks)" writer_is ms-db-1

# The writer dies: a client writing every 50 ms counts failed writes and the failover time.
: >"$BASE/writes.txt"
(
  set +e   # a failed write is data, not a reason to stop writing
  id=100000
  while [ ! -e "$BASE/stop-writes" ]; do
    id=$((id + 1))
    ts=$(date +%s%3N)
    if node=$(via_proxy "INSERT INTO rows_acked VALUES ($id, CONCAT('proxy ', @@wsrep_node_name)); SELECT @@wsrep_node_name" 2>/dev/null); then
      echo "$ts $(date +%s%3N) ok $id $node" >>"$BASE/writes.txt"; echo "$id" >>"$ACKED"
    else
      echo "$ts $(date +%s%3N) err $id" >>"$BASE/writes.txt"; echo "$id" >>"$UNACKED"
    fi
    sleep 0.05
  done
  echo "writer stopped after id $id" >&2
) 2>"$BASE/writer.err" &
writer=$!
sleep 2
kill_ts=$(date +%s%3N)
kill_node 1
wait_until 30 "writes land on node 0" writer_is ms-db-0 || true
oks_since_kill() { [ "$(awk -v k="$kill_ts" '$1 > k + 100 && $3 == "ok"' "$BASE/writes.txt" | wc -l)" -ge "$1" ]; }
wait_until 30 "the writing client got 10 acknowledgements after the kill" oks_since_kill 10 || true
touch "$BASE/stop-writes"; wait "$writer" || true; rm -f "$BASE/stop-writes"
errs=$(grep -c ' err ' "$BASE/writes.txt" || true)
# Failover time as the client sees it: from the kill to the first write acknowledged by node 0
# (columns: start ms, end ms, ok|err, id, node).
failover_ms=$(awk -v k="$kill_ts" '$3 == "ok" && $5 == "ms-db-0" { print $2 - k; exit }' "$BASE/writes.txt")
log "writer (node 1) killed: $errs failed writes, first write acknowledged by node 0 ${failover_ms:-never} ms after the kill (a write every 50 ms, load average $(cut -d' ' -f1 /proc/loadavg)), $(grep -c ' ok ' "$BASE/writes.txt") acknowledged in total"
check "writes moved to node 0 within 15 s of the writer's death (${failover_ms:-never} ms)" \
  bash -c "[ -n '$failover_ms' ] && [ '$failover_ms' -lt 15000 ]"
last_note=$(sql_root 0 "SELECT note FROM $APP_DB.rows_acked ORDER BY id DESC LIMIT 1")
check "writes after the failover went to node 0 (last row: $last_note)" [ "$last_note" = "proxy ms-db-0" ]
echo "{\"failedWrites\": $errs, \"failoverMs\": ${failover_ms:-null}}" >"$BASE/failover.json"

phase "the killed writer restarts and rejoins"
start_node 1
wait_until 120 "node 1 Synced again" all_healthy 1 || true
check "node 1 rejoined after its kill (decision=$(decision_of 1))" [ "$(decision_of 1)" = join ]
sleep 4   # several check intervals: a fail-back would have happened by now
check "node 0 stays the writer after node 1 is back" writer_is ms-db-0
for i in 0 1 2; do
  check "node $i holds every acknowledged row ($(wc -l <"$ACKED")), and only rows that were written" rows_ok "$i"
done

phase "clean shutdown of the whole cluster, and node 0's volume lost"
# Graceful stops (SIGTERM, like a pod deletion) one after the other: the last to leave (node 1)
# is marked safe_to_bootstrap and every grastate.dat holds the real seqno.
for i in 0 2 1; do stop_node "$i"; done
for i in 0 1 2; do
  check "node $i grastate.dat has a real seqno after a clean shutdown" grep -Eq '^seqno: *[0-9]+' "$(node_dir "$i")/data/grastate.dat"
done
check "node 1 (the last to stop) is safe_to_bootstrap" grep -q '^safe_to_bootstrap: 1' "$(node_dir 1)/data/grastate.dat"
rm -rf "$(node_dir 0)/data" && install -d -o mysql -g mysql "$(node_dir 0)/data"
t=$SECONDS
for i in 0 1 2; do start_node "$i"; done
both_waiting() { local i; for i in 1 2; do [ "$(state_field "$i" .waitingForDecision)" = true ] || return 1; done; }
wait_until 60 "nodes 1 and 2 wait for a decision" both_waiting || true
sleep 5
check "node 1's recovery comes from grastate.dat and says safeToBootstrap" \
  [ "$(state_field 1 '.recovered.source + "," + (.recovered.safeToBootstrap|tostring)')" = grastate,true ]
check "node 0 with an empty datadir does NOT create a new cluster while peers hold data" \
  bash -c "[ -z '$(decision_of 0)' ] && grep -q 'peers hold data of an existing cluster' '$(node_dir 0)/start.log' && [ \"\$(curl -s http://127.0.0.1:${AGENT_PORTS[0]}/state | jq -r .running)\" = false ]"
r=$(post_bootstrap 1)
check "POST /bootstrap to node 1 (safe_to_bootstrap) accepted ($r)" [ "$r" = 202 ]
wait_until 180 "all three Synced" all_healthy 0 1 2 || true
log "clean full restart with a lost volume: restart to Synced in $((SECONDS - t))s"
check "node 1 bootstrapped from its data, nodes 0 and 2 joined ($(decision_of 1), $(decision_of 0), $(decision_of 2))" \
  [ "$(decision_of 1),$(decision_of 0),$(decision_of 2)" = bootstrap-recovered,join,join ]
check "node 0 got every acknowledged row back by state transfer" rows_ok 0

echo
log "data-plane test: $PASSED passed, $FAILED failed (total $((SECONDS - _t0))s)"
[ "$FAILED" = 0 ]
