#!/usr/bin/env bash
# Recovery regression suite (issue 11, part 5) on the real loopback data plane: three mariadbd started
# by galera-start.sh -> `galera-agent start`, three galera-agents (lib.sh), and the OPERATOR'S OWN
# full-crash decision: FullCrashRecovery.decide run over the agents' GET /state answers by
# RecoveryDecisionCli (operator test sources; `make recovery-decider` compiles it and writes its
# classpath). There is no bash or Go copy of the operator's rules here: the script only carries a
# BOOTSTRAP decision out (POST /bootstrap to that pod's agent, with the operator's token), as the
# reconciler does.
# Each case produces its state by doing the real thing (SIGKILL under writes, a kill during an SST,
# a SIGKILL during --wsrep-recover, an InnoDB lock held by another process, a stopped agent, a
# replaced volume, a second cluster on other nodes); only seqno-0 edits grastate.dat (see there).
# A client writes autocommit INSERTs to a node and records every acknowledged one; after each case
# every acknowledged write must be on every node exactly once.
# One line per case: `case <name>: <expected> -> <observed>; acknowledged=N present=N duplicates=N: PASS|FAIL`.
# Safe to run twice: it wipes its own folder ($MS_TEST_RUN, default /tmp/messagestack-recovery) first.
# Ports 15xxx (DP_PORT_OFFSET=1000), so it can run beside `make test-dataplane` (14xxx).
# KEEP=1 leaves the processes running at the end; CASES="a b" runs only those cases (after the setup).
export DP_BASE=${MS_TEST_RUN:-/tmp/messagestack-recovery}
export DP_PORT_OFFSET=${DP_PORT_OFFSET:-1000}
# shellcheck source=hack/dataplane/lib.sh
source "$(dirname "$0")/lib.sh"

DECIDER_CP_FILE=${DECIDER_CP_FILE:-$REPO_ROOT/operator/target/recovery-decider.classpath}
DECIDER_CLASSES="$REPO_ROOT/operator/target/classes:$REPO_ROOT/operator/target/test-classes"
[ -s "$DECIDER_CP_FILE" ] && [ -f "$REPO_ROOT/operator/target/test-classes/io/messagestack/operator/database/RecoveryDecisionCli.class" ] \
  || die "the operator's decider is not built: run 'make recovery-decider' (or 'make test-recovery')"
command -v java >/dev/null || die "java missing (the operator's decision runs in Java)"
DECIDER_CP="$DECIDER_CLASSES:$(cat "$DECIDER_CP_FILE")"

need_tools
stop_all 2>/dev/null || true
rm -rf "$BASE"; mkdir -p "$BASE"
chown mysql:mysql "$BASE"
RESULTS="$BASE/results.txt"; : >"$RESULTS"
cleanup() {
  local rc=$?
  if [ "$FAILED" -gt 0 ] || [ $rc -ne 0 ]; then dump_logs; fi
  [ "${KEEP:-0}" = 1 ] || stop_all
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the operator's decision (Java) and its execution -------------------------------------------
# decide [--force POD]: every agent's /state (a missing answer: "did not answer") -> FullCrashRecovery.decide.
# Prints "OUTCOME POD REASON MESSAGE".
decide() {
  local i args=()
  for i in 0 1 2; do
    curl -s -f -m 2 -o "$BASE/state$i.json" "http://127.0.0.1:${AGENT_PORTS[$i]}/state" || rm -f "$BASE/state$i.json"
    args+=("ms-db-$i=$BASE/state$i.json")
  done
  java -cp "$DECIDER_CP" io.messagestack.operator.database.RecoveryDecisionCli "$@" "${args[@]}"
}
ordinal_of() { echo "${1##*-}"; }
# operator_step [--force POD]: one reconcile: decide; on BOOTSTRAP, POST /bootstrap to that pod's agent.
# Appends "OUTCOME REASON [POD HTTP]" to $BASE/operator.log; prints the short form "OUTCOME:REASON[:POD:CODE]".
operator_step() {
  local line outcome pod reason code=""
  line=$(decide "$@") || { log "decider failed"; echo "ERROR"; return 0; }
  read -r outcome pod reason _ <<<"$line"
  if [ "$outcome" = BOOTSTRAP ]; then code=$(post_bootstrap "$(ordinal_of "$pod")"); fi
  echo "$(date +%T) $line${code:+ -> POST /bootstrap $code}" >>"$BASE/operator.log"
  if [ "$outcome" = BOOTSTRAP ]; then echo "$outcome:$pod:$code"; else echo "$outcome:$reason"; fi
}
# settled: every agent answers and each node either waits with a position, needs an SST, or has no data.
settled() {
  local i s
  for i in 0 1 2; do
    s=$(curl -s -f -m 2 "http://127.0.0.1:${AGENT_PORTS[$i]}/state") || return 1
    jq -e '(.recovered.state == "waiting" or .recovered.state == "needs-sst" or (.hasData == false and .recovered == null)) and (.running | not)' \
      <<<"$s" >/dev/null || return 1
  done
}
# kubelet: a database container whose start exited (a failed SST exits 134, the watchdog's limit exits 1)
# is started again, as the kubelet restarts the container in the same pod. Only while recovering,
# when every node is meant to run.
kubelet() {
  local i
  for i in 0 1 2; do
    alive "$(node_dir "$i")/start.pid" && continue
    # PID 1 of the container exited: the runtime ends the rest of the container (an orphaned mariadbd
    # would go on serving as a Primary component), then the kubelet starts it again.
    kill_node "$i"
    log "kubelet: node $i's start exited; restarting it"
    echo "$CASE $i $(date +%T)" >>"$BASE/restarts.txt"
    start_node "$i"
  done
}
# operate_until_whole TIMEOUT [--force POD]: reconcile every 2 s until all three are Synced in one
# component; prints the distinct short decisions in order.
operate_until_whole() {
  local timeout=$1 t=$SECONDS seen="" last="" d; shift
  while ! all_healthy 0 1 2; do
    [ $((SECONDS - t)) -lt "$timeout" ] || { log "timed out after ${timeout}s waiting for one Synced cluster of 3" >&2; break; }
    kubelet >&2
    d=$(operator_step "$@")
    case $d in NONE:NoRecovery|NONE:PrimaryComponent|WAIT:WaitingForBootstrap) ;; *) [ "$d" = "$last" ] || seen+="$d "; last=$d ;; esac
    sleep 2
  done
  echo "${seen% }"
}

# --- the client ------------------------------------------------------------------------------------
ACKED="$BASE/acked.txt"; : >"$ACKED"       # tokens of acknowledged INSERTs
UNACKED="$BASE/unacked.txt"; : >"$UNACKED" # failed ones: may or may not have committed, never twice
CASE=setup
WRITER_NO=0
# writer_start i: autocommit INSERTs to node i, one per client call, until writer_stop. Each INSERT
# carries a token unique in the run (case, writer number, sequence), so a duplicate is visible.
writer_start() {
  local port=${MYSQL_PORTS[$1]}
  WRITER_NO=$((WRITER_NO + 1))
  rm -f "$BASE/stop-writer"
  (
    set +e
    n=0
    while [ ! -e "$BASE/stop-writer" ]; do
      n=$((n + 1)); tok="$CASE-w$WRITER_NO-$n"
      if sql_app "$port" "INSERT INTO acked (token) VALUES ('$tok')" 2>/dev/null; then echo "$tok" >>"$ACKED"; else echo "$tok" >>"$UNACKED"; fi
    done
  ) &
  WRITER_PID=$!
}
writer_stop() { touch "$BASE/stop-writer"; wait "$WRITER_PID" 2>/dev/null || true; }
# write_for i SECONDS: writes to node i for that long (at least one acknowledged write required).
write_for() { local before; before=$(wc -l <"$ACKED"); writer_start "$1"; sleep "$2"; writer_stop; [ "$(wc -l <"$ACKED")" -gt "$before" ] || fail "$CASE: no write acknowledged by node $1"; }
# kill_under_writes i: SIGKILL node i while the client writes to it.
kill_under_writes() { writer_start "$1"; sleep 1; kill_node "$1"; writer_stop; }

# check_rows: every acknowledged token of the whole run is on every node exactly once, unacknowledged
# ones at most once. Sets ACK, PRESENT (the smallest count over the nodes), DUPS (the largest).
check_rows() {
  local i counts missing dups
  ACK=$(sort -u "$ACKED" | wc -l); PRESENT=$ACK; DUPS=0
  for i in 0 1 2; do
    counts="$BASE/counts$i.txt"
    if ! sql_root "$i" "SELECT token, COUNT(*) FROM $APP_DB.acked GROUP BY token" >"$counts" 2>"$BASE/counts$i.err"; then
      log "node $i: cannot read the table: $(cat "$BASE/counts$i.err")"; PRESENT=0; continue
    fi
    missing=$(comm -23 <(sort -u "$ACKED") <(cut -f1 "$counts" | sort -u) | wc -l)
    dups=$(awk -F'\t' '$2 > 1' "$counts" | wc -l)
    [ $((ACK - missing)) -lt "$PRESENT" ] && PRESENT=$((ACK - missing))
    [ "$dups" -gt "$DUPS" ] && DUPS=$dups
    [ "$missing" = 0 ] || log "node $i lacks $missing acknowledged writes: $(comm -23 <(sort -u "$ACKED") <(cut -f1 "$counts" | sort -u) | head -5 | tr '\n' ' ')"
    [ "$dups" = 0 ] || log "node $i has duplicated tokens: $(awk -F'\t' '$2 > 1' "$counts" | head -5 | tr '\n' ' ')"
  done
}
# mark_logs: from here on, bootstraps_since_start counts (at the start of each case, and again in a case
# that bootstraps a cluster on purpose before its crash).
mark_logs() { local i; for i in 0 1 2; do stat -c %s "$(node_dir "$i")/start.log" >"$BASE/case-offset$i"; done; }
# bootstraps_since_start: bootstrap decisions logged by the three starts since mark_logs (a start the
# kubelet restarted included).
bootstraps_since_start() {
  local i n=0 off
  for i in 0 1 2; do
    off=$(cat "$BASE/case-offset$i" 2>/dev/null || echo 0)
    n=$((n + $(tail -c +"$((off + 1))" "$(node_dir "$i")/start.log" | grep -c 'decision="bootstrap' || true)))
  done
  echo "$n"
}

# report NAME EXPECTED OBSERVED [extra condition: 0 = ok]: the case's line, from the decision and the data.
report() {
  local name=$1 expected=$2 observed=$3 ok=${4:-0} verdict=PASS p
  if ! wait_until 60 "one Synced cluster of 3 after case $name" all_healthy 0 1 2; then
    ok=1
    # the case failed; act as a person (the force annotation) so the next cases start from a whole cluster
    for p in 0 1 2; do
      log "repair after case $name: forcing ms-db-$p"
      operate_until_whole 60 --force "ms-db-$p" >/dev/null
      all_healthy 0 1 2 && break
    done
  fi
  sleep 1
  check_rows
  [ "$expected" = "$observed" ] || verdict=FAIL
  [ "$ok" = 0 ] && [ "$PRESENT" = "$ACK" ] && [ "$DUPS" = 0 ] || verdict=FAIL
  observed=$(squash "$observed")
  local line="case $name: $expected -> $observed; acknowledged=$ACK present=$PRESENT duplicates=$DUPS: $verdict"
  echo "$line" | tee -a "$RESULTS"
  if [ $verdict = PASS ]; then pass "$name"; else fail "$name"; fi
}
squash() { echo "$1" | tr ' ' '\n' | awk 'NF && $0 != prev {print} {prev=$0}' | paste -sd' '; }   # a b b c -> a b c
run_case() { # NAME FUNCTION
  if [ -n "${CASES:-}" ] && [[ " $CASES " != *" $1 "* ]]; then return 0; fi
  CASE=$1; phase "case $1"
  local t=$SECONDS
  mark_logs
  "$2"
  log "case $1 took $((SECONDS - t))s"
  echo "$1 $((SECONDS - t))" >>"$BASE/case-times.txt"
}
start_all() { local i; for i in 0 1 2; do start_node "$i"; done; }
kill_all() { local i pids=(); for i in "$@"; do kill_node "$i" & pids+=($!); done; wait "${pids[@]}"; }   # at the same moment
cluster_size_is() { [ "$(status_var "$1" wsrep_cluster_size 2>/dev/null)" = "$2" ]; }
# newest_after NEWEST KILLED STOPPED: a full crash after which NEWEST alone holds the last commits:
# KILLED is SIGKILLed under writes, STOPPED leaves gracefully (NEWEST stays Primary alone), NEWEST takes
# more writes and is SIGKILLed under writes.
newest_after() {
  local newest=$1 killed=$2 stopped=$3
  kill_under_writes "$killed"
  wait_until 30 "node $newest sees the cluster shrink to 2" cluster_size_is "$newest" 2 || true
  write_for "$newest" 1
  stop_node "$stopped"
  wait_until 30 "node $newest alone in the Primary component" cluster_size_is "$newest" 1 || true
  write_for "$newest" 2
  kill_under_writes "$newest"
}
move_volume_aside() { # i: a replaced disk: the old datadir is kept aside (never deleted), an empty one takes its place
  local d; d=$(node_dir "$1")
  mv "$d/data" "$d/data.replaced-$CASE"
  install -d -o mysql -g mysql "$d/data"
}

# --- the cases -----------------------------------------------------------------------------------
# mariadb-operator 1108/1701: a node whose state transfer was killed holds a partial copy; it must
# never be the source, nor block the others. Node 2 is SIGKILLed while it receives an SST, then node 1
# leaves and node 0, the newest, crashes.
# early: node 2's volume is replaced and it is killed 0.5 s after its joiner SST script starts; Galera
#   has only created an empty grastate.dat (measured: it stays empty during the whole mariabackup SST).
# zero-uuid: node 2 keeps its data but is too far behind for IST (it was down while nodes 1 and 0 were
#   restarted one by one, which empties their gcache); Galera writes the zero uuid into its
#   grastate.dat before it requests the SST, and the old InnoDB files stay: --wsrep-recover would give
#   a real-looking position (mariadb-operator 1108). (A SIGTERM during the SST does not do it: the
#   server waits for the transfer to finish and writes the real position.)
aborted_sst() { # MODE: early | zero-uuid
  local mode=$1 g; g="$(node_dir 2)/data/grastate.dat"
  stop_node 2
  if [ "$mode" = early ]; then
    move_volume_aside 2
  else
    write_for 0 1
    local i; for i in 1 0; do
      stop_node "$i"; start_node "$i"
      wait_until 120 "node $i restarted and Synced (its gcache now starts after node 2's position)" all_healthy "$i" || true
    done
    write_for 0 1
  fi
  writer_start 0
  start_node 2
  local t=$SECONDS sst="" seen=""
  while [ $((SECONDS - t)) -lt 60 ]; do
    if pgrep -f -- "wsrep_sst_.*joiner.*$(node_dir 2)/data" >/dev/null; then
      sst=running
      [ "$mode" = early ] || grep -q '^uuid: *00000000-0000-0000-0000-000000000000' "$g" 2>/dev/null && { sleep 0.5; break; }
    fi
    sleep 0.05
  done
  kill_node 2
  grep -q '^uuid: *00000000-0000-0000-0000-000000000000' "$g" 2>/dev/null && seen=zero-uuid
  writer_stop
  local gs; gs=$(grep -E '^(uuid|seqno)' "$g" 2>/dev/null | tr '\n' ' ' || true)
  log "node 2: SST ${sst:-never seen} when killed; grastate.dat: ${gs:-empty or missing} ($(stat -c %s "$g" 2>/dev/null || echo -) bytes)"
  local ok=0
  [ "$sst" = running ] || ok=1
  if [ "$mode" = zero-uuid ]; then [ "$seen" = zero-uuid ] || ok=1; else [ -z "$gs" ] || ok=1; fi
  wait_until 30 "node 0 sees the cluster shrink to 2" cluster_size_is 0 2 || true
  write_for 0 1
  stop_node 1
  wait_until 30 "node 0 alone in the Primary component" cluster_size_is 0 1 || true
  write_for 0 1
  kill_under_writes 0
  start_all
  wait_until 90 "every agent settled (positions, needs-sst, no data)" settled || true
  local s2; s2=$(state_field 2 '[.recovered.state, .hasData, (.errors // [] | join(";"))] | map(tostring) | join(",")')
  log "node 2 publishes (recovered.state, hasData, errors): $s2"
  local obs; obs=$(operate_until_whole 120)
  [ "$(decision_of 2)" = join ] || ok=1
  report "aborted-sst-$mode" "BOOTSTRAP:ms-db-0:202" "$obs" "$ok"
}
case_aborted_sst_early() { aborted_sst early; }
case_aborted_sst_zero_uuid() { aborted_sst zero-uuid; }

# The old rule ranked an unknown position last and bootstrapped the best known node (node 1 here):
# node 0 holds the newest commits but its --wsrep-recover fails while another process holds its
# InnoDB lock (a force-deleted pod still dying on the volume). The decision must wait, then choose it.
case_unknown_newest() {
  newest_after 0 2 1
  python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "r+"); fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB); print("locked", flush=True); time.sleep(20)' \
    "$(node_dir 0)/data/ibdata1" >"$BASE/lock-holder.log" 2>&1 &
  local lock=$!
  wait_until 5 "a process holds node 0's InnoDB lock" grep -q locked "$BASE/lock-holder.log" || true
  start_all
  wait_until 30 "node 0 publishes state recovering" bash -c "[ \"\$(curl -s http://127.0.0.1:${AGENT_PORTS[0]}/state | jq -r .recovered.state)\" = recovering ]" || true
  wait_until 30 "nodes 1 and 2 wait with a position" bash -c "for i in 1 2; do [ \"\$(curl -s http://127.0.0.1:\$((${AGENT_PORTS[0]} + i))/state | jq -r .recovered.state)\" = waiting ] || exit 1; done" || true
  local first; first=$(operator_step)
  log "while node 0 is recovering: $first"
  wait "$lock" 2>/dev/null || true
  local ok=0; [ "$(bootstraps_since_start)" = 0 ] || ok=1
  wait_until 90 "every agent settled" settled || true
  local rest; rest=$(operate_until_whole 180)
  report unknown-newest "WAIT:WaitingForPositions BOOTSTRAP:ms-db-0:202" "$first $rest" "$ok"
}

# SIGKILL of the whole start (and its mariadbd --wsrep-recover) while it recovers the newest node's
# position; the restarted node recovers it again, and nothing is decided in between.
case_sigkill_recover() {
  newest_after 1 0 2
  start_node 0; start_node 2
  start_node 1
  local t=$SECONDS caught=""
  while [ $((SECONDS - t)) -lt 30 ]; do
    if pgrep -f -- "--defaults-file=$(node_dir 1)/run/my.cnf.*--wsrep-recover" >/dev/null; then caught=yes; break; fi
    sleep 0.05
  done
  kill_node 1
  log "node 1's --wsrep-recover ${caught:+caught and }SIGKILLed"
  wait_until 30 "nodes 0 and 2 wait with a position" bash -c "for i in 0 2; do [ \"\$(curl -s http://127.0.0.1:\$((${AGENT_PORTS[0]} + i))/state | jq -r .recovered.state)\" = waiting ] || exit 1; done" || true
  local first; first=$(operator_step)
  log "with node 1's recovery killed: $first"
  start_node 1
  wait_until 90 "every agent settled" settled || true
  local ok=0; [ "$caught" = yes ] || ok=1
  local rest; rest=$(operate_until_whole 180)
  report sigkill-recover "WAIT:WaitingForPositions BOOTSTRAP:ms-db-1:202" "$first $rest" "$ok"
}

# The newest node's agent does not answer (SIGSTOP: its connections hang, like a network cut) in the
# middle of the recovery, then answers again. The others' agents cannot hear it object either, so only
# the decision's wait protects its commits.
case_network_back() {
  newest_after 1 2 0
  local ap; ap=$(cat "$(node_dir 1)/agent.pid")
  kill -STOP "$ap"
  start_all
  wait_until 60 "nodes 0 and 2 wait with a position" bash -c "for i in 0 2; do [ \"\$(curl -s http://127.0.0.1:\$((${AGENT_PORTS[0]} + i))/state | jq -r .recovered.state)\" = waiting ] || exit 1; done" || true
  sleep 3
  local first; first=$(operator_step)
  log "with node 1's agent unreachable: $first"
  kill -CONT "$ap"
  local ok=0; [ "$(bootstraps_since_start)" = 0 ] || ok=1
  wait_until 60 "every agent settled" settled || true
  local rest; rest=$(operate_until_whole 180)
  report network-back "WAIT:WaitingForPositions BOOTSTRAP:ms-db-1:202" "$first $rest" "$ok"
}

# A replaced disk on ordinal 0 (the node that creates new clusters) beside nodes with data: it must
# neither create a new cluster nor count; node 1 (the most advanced) bootstraps, node 0 joins by SST.
case_empty_volume() {
  kill_under_writes 2
  wait_until 30 "node 0 sees the cluster shrink to 2" cluster_size_is 0 2 || true
  write_for 0 1
  writer_start 0; sleep 1
  kill_all 0 1
  writer_stop
  move_volume_aside 0
  start_all
  wait_until 90 "every agent settled" settled || true
  local ok=0
  grep -q 'peers hold data of an existing cluster' "$(node_dir 0)/start.log" || { ok=1; log "node 0 did not say it waits for the peers' data"; }
  local obs; obs=$(operate_until_whole 180)
  # nodes 0 and 1 were killed at the same moment: either may have the last commit; node 0 has no data now.
  [ "$(decision_of 0)" = join ] || ok=1
  report empty-volume "BOOTSTRAP:ms-db-1:202" "$obs" "$ok"
}

# The newest node (0) on the old history beside two nodes on a newer, shorter one (a new cluster made
# by nodes 1 and 2 on replaced disks, as ordinal 0 of a second stack, while node 0 was down): the
# majority must not outvote it. The operator refuses; a person forces node 0 (the annotation); nodes 1
# and 2 join it by SST (their own history is given up by that choice).
case_minority_history() {
  newest_after 0 2 1
  move_volume_aside 1; move_volume_aside 2
  local two="127.0.0.1:${GCOMM_PORTS[1]},127.0.0.1:${GCOMM_PORTS[2]}"
  start_node 1 ORDINAL=0 GALERA_PEERS="$two" GALERA_PEER_AGENTS="127.0.0.1:${AGENT_PORTS[2]}"
  start_node 2 GALERA_PEERS="$two" GALERA_PEER_AGENTS="127.0.0.1:${AGENT_PORTS[1]}"
  wait_until 120 "nodes 1 and 2 form their own cluster" all_healthy 1 2 || true
  local u0 u1; u0=$(grep '^uuid' "$(node_dir 0)/data/grastate.dat" | awk '{print $2}'); u1=$(state_field 1 .clusterStateUUID)
  log "history of node 0: $u0; of nodes 1 and 2: $u1"
  kill_all 1 2
  mark_logs
  start_all
  wait_until 90 "every agent settled" settled || true
  local first; first=$(operator_step)
  log "three nodes, two histories: $first"
  local ok=0; [ -n "$u1" ] && [ "$u0" != "$u1" ] || ok=1
  [ "$(bootstraps_since_start)" = 0 ] || ok=1
  local rest; rest=$(operate_until_whole 180 --force ms-db-0)
  report minority-history "REFUSE:HistoriesDisagree BOOTSTRAP:ms-db-0:202" "$first $rest" "$ok"
}

# The operator is killed between its decision and the join: the marker is written, the decider gone.
# The chosen node bootstraps by itself, the others join, and the next leader decides nothing new.
case_decider_killed() {
  newest_after 2 1 0
  start_all
  wait_until 90 "every agent settled" settled || true
  rm -f "$BASE/decided"
  ( while ! [ -e "$BASE/decided" ]; do
      d=$(operator_step)
      # decided and posted: this leader now "works" until it is killed, before anything else
      if [[ $d == BOOTSTRAP:* ]]; then echo "$d" >"$BASE/decided.tmp"; mv "$BASE/decided.tmp" "$BASE/decided"; while :; do sleep 1; done; fi
      sleep 1
    done ) &
  local leader=$!
  wait_until 60 "the first leader decided and posted" test -e "$BASE/decided" || true
  kill -KILL "$leader" 2>/dev/null || true; wait "$leader" 2>/dev/null || true
  local first; first=$(cat "$BASE/decided" 2>/dev/null || echo none)
  log "first leader: $first, then SIGKILLed"
  # the next leader reconciles until the cluster is whole; its decisions, all of them
  local lines_before; lines_before=$(wc -l <"$BASE/operator.log")
  local rest; rest=$(operate_until_whole 180)
  local posts; posts=$(tail -n +"$((lines_before + 1))" "$BASE/operator.log" | grep -c 'POST /bootstrap' || true)
  log "second leader: ${rest:-only WaitingForBootstrap/PrimaryComponent}, $posts POST /bootstrap"
  local ok=0; [ "$posts" = 0 ] && [ -z "$rest" ] || ok=1
  [ "$(bootstraps_since_start)" = 1 ] || ok=1
  report decider-killed "BOOTSTRAP:ms-db-2:202 then-nothing" "$first then-${rest:-nothing}" "$ok"
}

# Two POST /bootstrap at the same moment to two nodes at the same position (all three SIGKILLed at
# once after the writes replicated): the operator's choice and a second requester's request to another
# node race; at most one is accepted, exactly one Primary component forms.
case_concurrent_bootstrap() {
  write_for 0 2
  sleep 1
  kill_all 0 1 2
  start_all
  wait_until 90 "every agent settled" settled || true
  local line outcome pod; line=$(decide); read -r outcome pod _ <<<"$line"
  log "operator: $line"
  local a; a=$(ordinal_of "$pod"); [[ $a =~ ^[0-2]$ ]] || a=0
  local b=$(( (a + 1) % 3 )) p1 p2
  post_bootstrap "$a" >"$BASE/post-a" & p1=$!
  post_bootstrap "$b" >"$BASE/post-b" & p2=$!
  wait "$p1" "$p2" || true
  local r1 r2; r1=$(cat "$BASE/post-a"); r2=$(cat "$BASE/post-b")
  log "concurrent POST /bootstrap: ms-db-$a -> $r1, ms-db-$b -> $r2"
  local accepted=0; [ "$r1" = 202 ] && accepted=$((accepted + 1)); [ "$r2" = 202 ] && accepted=$((accepted + 1))
  # both may withdraw (each saw the other's claim): the operator then asks again at its next reconcile
  operate_until_whole 180 >/dev/null
  local sizes; sizes="$(status_var 0 wsrep_cluster_size)$(status_var 1 wsrep_cluster_size)$(status_var 2 wsrep_cluster_size)"
  report concurrent-bootstrap "BOOTSTRAP accepted<=1 bootstraps=1 size=333" \
    "$outcome accepted$([ "$accepted" -le 1 ] && echo '<=1' || echo "=$accepted") bootstraps=$(bootstraps_since_start) size=$sizes"
}

# seqno 0 is a position (mariadb-operator 959). This product cannot make a real history that stays at
# seqno 0 (its first bootstrap commits the users), so this is the one constructed state: a clean full
# shutdown, then every grastate.dat's seqno line set to 0 (nothing else changed). The last node to stop
# is safe_to_bootstrap and must be chosen; nobody may stall or treat 0 as unknown.
case_seqno_0() {
  write_for 0 2
  stop_node 2; stop_node 0; stop_node 1
  local i; for i in 0 1 2; do sed -i 's/^seqno: *[0-9-]*/seqno:   0/' "$(node_dir "$i")/data/grastate.dat"; done
  start_all
  wait_until 90 "every agent settled" settled || true
  local seqs; seqs=$(for i in 0 1 2; do state_field "$i" .recovered.seqno; done | tr '\n' ,)
  log "published positions: $seqs"
  local ok=0; [ "$seqs" = 0,0,0, ] || ok=1
  local obs; obs=$(operate_until_whole 180)
  report seqno-0 "BOOTSTRAP:ms-db-1:202" "$obs" "$ok"
}

# --- run -------------------------------------------------------------------------------------------
phase "setup: build the agent, start three agents and a new cluster"
SUITE_T0=$SECONDS
build_agent
write_agent_token
for i in 0 1 2; do write_node_conf "$i"; start_agent "$i"; done
start_all
wait_until 180 "a new cluster of 3, Synced" all_healthy 0 1 2 || die "the new cluster did not form"
sql_app "${MYSQL_PORTS[0]}" "CREATE TABLE acked (pk BIGINT AUTO_INCREMENT PRIMARY KEY, token VARCHAR(60) NOT NULL, KEY (token))"
log "setup took $((SECONDS - SUITE_T0))s"

run_case aborted-sst-early case_aborted_sst_early
run_case aborted-sst-zero-uuid case_aborted_sst_zero_uuid
run_case unknown-newest case_unknown_newest
run_case sigkill-recover case_sigkill_recover
run_case network-back case_network_back
run_case empty-volume case_empty_volume
run_case minority-history case_minority_history
run_case decider-killed case_decider_killed
run_case concurrent-bootstrap case_concurrent_bootstrap
run_case seqno-0 case_seqno_0

echo
echo "=== recovery regression suite: $PASSED passed, $FAILED failed, total $((SECONDS - SUITE_T0))s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
cat "$RESULTS"
if [ -s "$BASE/restarts.txt" ]; then echo "kubelet restarts (case node time): $(paste -sd';' "$BASE/restarts.txt")"; else echo "kubelet restarts: none"; fi
[ "$FAILED" = 0 ] && [ "$PASSED" -gt 0 ]
