#!/usr/bin/env bash
# Galera flow control under load (issue 16: the alerts MessageStackGaleraFlowControlHigh and
# MessageStackApiErrorRatioHigh, both `for: 5m`, from a real fault): one Synced database node that is NOT
# HAProxy's writer holds a read lock on the application's table for HOLD_SECONDS (default 420: longer than
# both alerts' 5 minutes plus their windows), in a session kept open (kubectl exec into its database
# container, the mariadb client: `FLUSH TABLES <db>.<table> WITH READ LOCK`, then SELECT SLEEP).
#
# What happens (measured on the lab, 40 s holds, 2026-12-07 03:51 and 03:56 UTC):
# - The node's applier needs the table's metadata lock for every replicated write and waits for the lock's
#   holder (MariaDB lets an applier wait for a FLUSH or an explicit lock instead of aborting it), so its
#   receive queue fills to the flow control limit (29 = gcs.fc_limit 16 x sqrt(3 nodes)) and it sends one
#   flow control stop: the whole cluster's replication pauses (wsrep_flow_control_paused_ns rises 1 s per s
#   on every node), so every commit on the writer waits. message-api gives a write up after its 9 s budget
#   (503); the clients time out first (2 s / 5 s), which message-api counts as status RESET, not 5xx.
# - How the stack sees the node: it stays Synced (wsrep_local_state 4) in the Primary component, so its
#   agent answers /health 200, its pod stays Ready, HAProxy keeps it, and the operator does nothing to it;
#   only its recv queue and the cluster-wide pause show it. What turned not Ready was a message-api pod
#   (its readiness ping timed out while its connections waited: ApiNotReady 1/2 for 8 s), so the stack's
#   Ready went False for a while. Over the full 420 s (04:05 UTC) more followed: the waiting commits (message-api
#   retries each stalled write on a new connection) filled the writer's max_connections (200 on the lab), so
#   the writer's own agent could not connect: its /health answered 503, HAProxy took the writer out five times
#   (new sessions went to another node, stalled the same), the operator reported DatabaseNotReady 2/3, and both
#   message-api pods kept failing their readiness ping: the stack's Ready flapped every 20-40 s.
# - The plain global `FLUSH TABLES WITH READ LOCK` does NOT do this on MariaDB: on a Synced node it desyncs
#   the node first (desync_and_pause), and a desynced node sends no flow control (gcs.sync_donor=no): the
#   node turned Donor/Desynced, its recv queue grew (750 in 45 s), its agent reported it not Synced, its
#   pod and the stack went not Ready (as in desync-node.sh), and writes went on: 0 flow control messages,
#   0 failed requests (this scenario with FLOW_CONTROL_LOCK=global fails its proof, as it should).
#
# The lock session sleeps HOLD_SECONDS + 60, so it ends by itself even if this script is killed; the script
# releases it after HOLD_SECONDS with KILL CONNECTION (the heal, which also runs when the script is
# interrupted), then waits until the node has applied its backlog (recv queue 0, Synced).
# Proof: the lock statement succeeded (its session is seen sleeping, else the scenario fails at once), the
# node sent flow control (wsrep_flow_control_sent rose) and the writer's replication was paused
# (wsrep_flow_control_paused_ns rose), else the scenario fails; after the release creates are acknowledged
# again (else it fails). Measured: the node's recv queue, the seconds the writer was paused, failed creates.
# Target: data only (no acknowledged write lost or duplicated, Ready again); writes stall for the whole hold.
# usage: chaos/scenarios/flow-control.sh [HOLD_SECONDS]
#   FLOW_CONTROL_LOCK=table (default): FLUSH TABLES <db>.<table> WITH READ LOCK (the application's table)
#   FLOW_CONTROL_LOCK=global: FLUSH TABLES WITH READ LOCK (desyncs the node: no flow control, see above)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
HOLD_SECONDS=${1:-${HOLD_SECONDS:-420}}
[[ $HOLD_SECONDS =~ ^[0-9]+$ ]] || die "usage: $0 [HOLD_SECONDS] (got '$HOLD_SECONDS')"
FLOW_CONTROL_LOCK=${FLOW_CONTROL_LOCK:-table}
# The lock session's SLEEP carries this column name, so it can be found in the PROCESSLIST (and killed).
MARKER=ms_chaos_flow_control_lock
VICTIM='' WRITER='' LOCK_PID='' VICTIM_RELEASED=''

sql() { kc exec "$1" -c "$DB_CONTAINER" -- sh -c 'exec "$(command -v mariadb || command -v mysql)" -uroot -p"$MYSQL_ROOT_PASSWORD" -N -B -e "$1"' _ "$2"; }
# status_var POD NAME: one SHOW GLOBAL STATUS value.
status_var() { sql "$1" "SHOW GLOBAL STATUS LIKE '$2'" | awk '{print $2}'; }
# lock_session_id: the id of the lock session on the victim, empty when there is none.
lock_session_id() {
  sql "$VICTIM" "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%$MARKER%' AND ID <> CONNECTION_ID()"
}
# creates_between FROM_MS TO_MS JQ-FILTER: how many creates in the load client's log were sent in [FROM, TO)
# and match the filter (the file is being written: a cut last line is skipped).
creates_between() {
  jq -R --argjson from "$1" --argjson to "$2" "fromjson? | select(.op == \"create\" and .startMs >= \$from and .startMs < \$to and ($3))" \
    "$RAW/requests.jsonl" | jq -s length
}

lock_sql() {
  local db
  case $FLOW_CONTROL_LOCK in
    table)
      db=${CHAOS_DB_NAME:-$(db_env APP_DATABASE || echo messages)}
      echo "FLUSH TABLES \`$db\`.\`$CHAOS_DB_TABLE\` WITH READ LOCK" ;;
    global) echo "FLUSH TABLES WITH READ LOCK" ;;
    *) die "FLOW_CONTROL_LOCK must be table or global, not '$FLOW_CONTROL_LOCK'" ;;
  esac
}

# pick_victim SESSIONS_WRITER: the first Synced database node after the writer (by ordinal) that is neither
# status.writer nor the node holding the application's sessions (HAProxy's writer after a failover of its own can
# differ from status.writer; a lock on the node that takes the writes blocks them locally, with no flow control).
pick_victim() {
  local replicas ordinal i pod state
  replicas=$(kc get sts "$DB_STS" -o jsonpath='{.spec.replicas}')
  ordinal=${WRITER##*-}
  for i in $(seq 1 $(( replicas - 1 ))); do
    pod=$DB_STS-$(( (ordinal + i) % replicas ))
    if [[ $pod == "$1" ]]; then say "$pod holds the application's sessions: not a victim" >&2; continue; fi
    state=$(status_var "$pod" wsrep_local_state_comment 2>/dev/null || true)
    if [[ $state == Synced ]]; then echo "$pod"; return 0; fi
    say "$pod is '$state', not Synced: not a victim" >&2
  done
  return 1
}

inject() {
  local sessions_writer statement deadline id fc_sent0 paused0 fc_sent paused queue queue_max=0 state state_seen='' t_lock left pod_ready stack_ready
  WRITER=$(status_writer)
  [[ -n $WRITER ]] || die "status.writer.pod is empty: the operator does not report its writer"
  sessions_writer=$(writer_by_sessions)
  VICTIM=$(pick_victim "$sessions_writer") || die "no Synced database node other than the writer $WRITER (sessions on ${sessions_writer:-none})"
  statement=$(lock_sql)
  measure writer "\"$WRITER\""
  measure writerBySessions "\"$sessions_writer\""
  measure victim "\"$VICTIM\""
  measure lockStatement "\"$statement\""
  fc_sent0=$(status_var "$VICTIM" wsrep_flow_control_sent)
  paused0=$(status_var "$WRITER" wsrep_flow_control_paused_ns)
  [[ $fc_sent0 =~ ^[0-9]+$ && $paused0 =~ ^[0-9]+$ ]] || die "cannot read the flow control counters (victim sent '$fc_sent0', writer paused_ns '$paused0')"

  say "$statement on $VICTIM, held ${HOLD_SECONDS}s in an open session (the writer $WRITER is not touched)"
  kc exec "$VICTIM" -c "$DB_CONTAINER" -- sh -c 'exec "$(command -v mariadb || command -v mysql)" -uroot -p"$MYSQL_ROOT_PASSWORD" -N -B -e "$1"' _ \
    "$statement; SELECT SLEEP($(( HOLD_SECONDS + 60 ))) AS $MARKER" >"$RAW/lock-session.log" 2>&1 &
  LOCK_PID=$!
  # The client stops at the first failed statement, so a session seen sleeping holds the lock.
  deadline=$(( $(date +%s) + 30 ))
  while :; do
    id=$(lock_session_id 2>/dev/null || true)
    [[ -z $id ]] || break
    if ! kill -0 "$LOCK_PID" 2>/dev/null; then
      wait "$LOCK_PID" || true
      LOCK_PID=
      die "fault not injected: the lock session on $VICTIM ended before holding the lock: $(grep -v '^Warning' "$RAW/lock-session.log" | tr '\n' ' ')"
    fi
    (( $(date +%s) < deadline )) || die "fault not injected: no lock session seen on $VICTIM 30 s after '$statement'"
    sleep 1
  done
  t_lock=$(now_ms)
  measure lockTakenAfterMs $(( t_lock - FAULT_START ))
  say "lock held by session $id on $VICTIM"

  # Sample the node while the lock is held: what the agent and the operator see of it.
  while :; do
    queue=$(status_var "$VICTIM" wsrep_local_recv_queue || echo '?')
    state=$(status_var "$VICTIM" wsrep_local_state_comment || echo '?')
    [[ $queue =~ ^[0-9]+$ ]] && (( queue > queue_max )) && queue_max=$queue
    pod_ready=$(kc get pod "$VICTIM" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' || echo '?')
    stack_ready=$(kc get "$MS_RESOURCE" "$MS_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' || echo '?')
    say "$VICTIM: $state, recv queue $queue, pod Ready=$pod_ready; stack Ready=$stack_ready; writer $(status_writer)"
    [[ -n $state_seen ]] || { measure victimStateDuringFault "\"$state\""; state_seen=1; }
    [[ $pod_ready == False ]] && measure victimPodNotReadyDuringFault true
    [[ $stack_ready == False ]] && measure stackNotReadyDuringFault true
    left=$(( (t_lock + HOLD_SECONDS * 1000 - $(now_ms)) / 1000 ))
    (( left > 0 )) || break
    sleep $(( left < 20 ? left : 20 ))
  done
  measure victimRecvQueueMax "$queue_max"
  fc_sent=$(status_var "$VICTIM" wsrep_flow_control_sent)
  paused=$(status_var "$WRITER" wsrep_flow_control_paused_ns)
  measure victimFlowControlSent $(( fc_sent - fc_sent0 ))
  measure writerFlowControlPausedSeconds $(( (paused - paused0) / 1000000000 ))
  measure failedCreatesDuringHold "$(creates_between "$t_lock" "$(now_ms)" '(.status // 0) < 200 or (.status // 0) > 299')"
  heal
  (( fc_sent > fc_sent0 )) || proof_failed "$VICTIM_RELEASED sent no flow control message while it held the lock (wsrep_flow_control_sent $fc_sent0 -> $fc_sent)"
  (( paused > paused0 )) || proof_failed "the writer $WRITER was never paused by flow control (wsrep_flow_control_paused_ns $paused0 -> $paused)"
  fault_over
  wait_recv_queue_drained 180
}

# heal: end the lock session (KILL CONNECTION), then check that it is gone. Runs on any exit too.
heal() {
  local id
  [[ -n $VICTIM ]] || return 0
  for id in $(lock_session_id); do
    say "release: KILL CONNECTION $id on $VICTIM (the lock session)"
    sql "$VICTIM" "KILL CONNECTION $id" || true
  done
  if [[ -n $LOCK_PID ]]; then
    # The killed session ends the client, and with it the kubectl exec; if not within 20 s, end it here.
    for _ in $(seq 1 20); do kill -0 "$LOCK_PID" 2>/dev/null || break; sleep 1; done
    kill "$LOCK_PID" 2>/dev/null || true
    wait "$LOCK_PID" 2>/dev/null || true
    LOCK_PID=
  fi
  [[ -z $(lock_session_id) ]] || { say "the lock session on $VICTIM is still there"; return 1; }
  say "released: no lock session left on $VICTIM"
  VICTIM_RELEASED=$VICTIM
  VICTIM=
}

# wait_recv_queue_drained SECONDS: the released node applies its backlog and is Synced again.
wait_recv_queue_drained() {
  local deadline=$(( $(date +%s) + $1 )) t queue state
  t=$(now_ms)
  while :; do
    queue=$(status_var "$VICTIM_RELEASED" wsrep_local_recv_queue || echo '?')
    state=$(status_var "$VICTIM_RELEASED" wsrep_local_state_comment || echo '?')
    if [[ $queue == 0 && $state == Synced ]]; then
      measure recvQueueDrainedAfterMs $(( $(now_ms) - t ))
      return 0
    fi
    (( $(date +%s) < deadline )) || { proof_failed "$VICTIM_RELEASED still $state with recv queue $queue ${1}s after the release"; return 0; }
    sleep 1
  done
}

# after_ready: writes flow again: creates acknowledged after the release (the load runs on for CHAOS_TAIL).
after_ready() {
  local ok deadline=$(( $(date +%s) + 30 ))
  while :; do
    ok=$(creates_between "$FAULT_END" 99999999999999 '(.status // 0) >= 200 and (.status // 0) <= 299')
    (( ok >= 5 )) && break
    (( $(date +%s) < deadline )) || break
    sleep 2
  done
  measure createsAcknowledgedAfterRelease "$ok"
  (( ok >= 5 )) || proof_failed "writes do not flow again: $ok creates acknowledged in the 30 s after Ready"
}

run_scenario flow-control flow-control "a read lock ($FLOW_CONTROL_LOCK) held ${HOLD_SECONDS}s on a Synced database node that is not the writer, under load"
