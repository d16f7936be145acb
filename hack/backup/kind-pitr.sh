#!/usr/bin/env bash
# Point-in-time recovery on the kind lab (issue 14, part 4; docs/pitr.md), through the operator and the plugin,
# with the lab's object store. Steps, each printed as it runs:
#   1. credentials  Secret backup-s3 in the stack's namespace from messagestack-objectstore (kept when it exists)
#   2. PITR on      spec.backup (the lab bucket) and spec.backup.pointInTimeRecovery.enabled on the sample stack
#                   (a merge patch; the database nodes roll once onto the binary log settings); wait for Ready and
#                   for the archiver Deployment
#   3. load         the chaos load client against the page's address for the whole run (both clients)
#   4. backup       `kubectl messagestack backup --wait`: the base
#   5. probe rows   PITR_ROWS rows at PITR_RATE/s into messages.pitr_probe on the writer, each with its GTID and
#                   acknowledgement time (inside the pod, the same clock as the archiver's pod)
#   6. RPO          per probe row: the archiver's upload of the segment holding its GTID minus its acknowledgement
#   6b. faults      only with PITR_FAULTS (e.g. "switchover archiver-node full-crash"): a planned writer move, the
#                   deletion of the node the archiver follows, every database pod force-deleted at once; after each,
#                   Ready again and 20 more probe rows on the writer of that moment. The restore below must bring
#                   them all back and PointInTimeRecoveryGap must stay False: the archive has no gap across them
#   7. T            a restore point between two groups of probe rows; rows after it, then DELETE FROM pitr_probe
#   8. restore      `kubectl messagestack restore --to-time T` into a new stack (same namespace; one proxy, API and
#                   frontend pod; its own archiver off); RTO = creation to Ready
#   9. compare      every restored node: exactly the probe rows before T (count, max id, checksum), none after
#  10. cleanup      the restored stack deleted (its volumes stay, listed); the load client stopped and its summary
# PITR stays on for the sample stack unless PITR_OFF_AFTER=1. Fails on the first check that does not hold.
set -euo pipefail
# shellcheck source=hack/operator/lib.sh
source "$(dirname "$0")/../operator/lib.sh"
# shellcheck source=hack/backup/lib.sh
source "$(dirname "$0")/lib.sh"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PLUGIN_BIN="$MS_CACHE/k8s/$K8S_VERSION/bin"
export PATH="$PLUGIN_BIN:$PATH"
NS=$SAMPLE_NS
STACK=$SAMPLE_NAME
STORE_NS=messagestack-objectstore
BUCKET=${LAB_BUCKET:-messagestack-backups}
URL=${SAMPLE_URL:-http://127.0.0.1:8080}
RATE=${PITR_RATE:-10}
ROWS=${PITR_ROWS:-300}
RUN=$(date -u +%H%M%S)
BACKUP=pitr-$RUN
RESTORED=$STACK-pitr-$RUN
OUT=${PITR_OUT:-/tmp/messagestack-kind-pitr/$RUN}
CHAOS_JAR=${CHAOS_JAR:-$REPO/chaos/load-client/target/chaos-load-client.jar}
PLUGIN=${KUBECTL_MESSAGESTACK:-kubectl-messagestack}   # the plugin (make kubectl-plugin), or another build of it
mkdir -p "$OUT"
kn() { k -n "$NS" "$@"; }
need kubectl "run make toolchain"
need jq "apt-get install jq"
need "$PLUGIN" "run make kubectl-plugin"
require_cluster

# sql POD QUERY: one query as root inside the pod's database container (the password stays in the pod).
sql() {
  # shellcheck disable=SC2016  # expanded by the pod's shell, from its own environment
  kn exec "$1" -c database -- sh -c 'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" exec mariadb -uroot -N -B "$APP_DATABASE" -e "$0"' "$2"
}
# explain_gap: what a person needs to find why the archive reports a break: the gap in the status, the archiver's
# own lines about it, and each database node's binary log events around the missing seqnos (which node logged
# them, in which domain, as what statement).
explain_gap() {
  local gap from to dom pod dir
  gap=$(kn get messagestack "$STACK" -o jsonpath='{.status.pointInTimeRecovery.gap}')
  echo "   the gap in the status: $gap"
  kn logs "deploy/$STACK-binlog-archiver" --tail=400 2>/dev/null | grep -E 'gap|domain|outside' | tail -10 | sed 's/^/   archiver: /' || true
  from=$(jq -r '.fromSeqno // empty' <<<"$gap"); to=$(jq -r '.toSeqno // empty' <<<"$gap"); dom=$(jq -r '.domain // 1' <<<"$gap")
  [[ -n $from && -n $to ]] || return 0
  for pod in $(kn get pods -l "app.kubernetes.io/instance=$STACK,app.kubernetes.io/component=database" -o name); do
    pod=${pod#pod/}
    dir=$(sql "$pod" "SELECT @@datadir" 2>/dev/null) || continue
    echo "   $pod: binary log events from GTID $dom-1-$((from - 1)) to $dom-1-$((to + 1)) (any domain, 6 lines each):"
    # shellcheck disable=SC2016  # expanded by the pod's shell
    kn exec "$pod" -c database -- sh -c 'mariadb-binlog --base64-output=decode-rows -v "$0"/mysql-bin.[0-9]* 2>/dev/null \
      | grep -A6 -E "GTID [0-9]+-[0-9]+-($1|$2|$3)( |$)" | head -80' "$dir" "$((from - 1))" "$from" "$((to + 1))" \
      | sed 's/^/     /' || true
  done
}
# wait_db_rolled GENERATION SECONDS: the operator rolled the database nodes onto a StatefulSet newer than
# GENERATION one at a time (a partition), every pod runs the newest revision and is Ready, and the stack is Ready.
wait_db_rolled() {
  local deadline=$((SECONDS + $2)) s
  while :; do
    s=$(kn get sts "$STACK-db" -o json | jq -r --argjson g "$1" '[.metadata.generation > $g,
      .status.observedGeneration == .metadata.generation, .status.currentRevision == .status.updateRevision,
      (.status.updatedReplicas // 0) == .spec.replicas, (.status.readyReplicas // 0) == .spec.replicas] | all')
    if [[ $s == true ]] && kn wait messagestack "$STACK" --for=condition=Ready --timeout=5s >/dev/null 2>&1; then
      return 0
    fi
    (( SECONDS < deadline )) || return 1
    sleep 3
  done
}
probe_sum() { sql "$1" "SELECT COUNT(*), COALESCE(MAX(id), 0), COALESCE(SUM(CRC32(CONCAT_WS('|', id, body, created_at))), 0) FROM pitr_probe" | tr '\t' ' '; }

phase "1. credentials: Secret backup-s3 in $NS from $STORE_NS/objectstore-credentials"
creds=$(copy_store_credentials "$STORE_NS" "$NS") || die "could not create the Secret backup-s3 in $NS"
echo "   $creds"

phase "2. PITR on $NS/$STACK: spec.backup.pointInTimeRecovery.enabled (s3://$BUCKET/kind-pitr)"
t_on=$SECONDS
if [[ -z $(kn get messagestack "$STACK" -o jsonpath='{.spec.backup.storage.s3.bucket}') ]]; then
  kn patch messagestack "$STACK" --type merge -p "{\"spec\":{\"backup\":{\"storage\":{\"s3\":{
    \"endpoint\":\"http://objectstore.$STORE_NS.svc:7070\",\"bucket\":\"$BUCKET\",\"prefix\":\"kind-pitr\",
    \"credentialsSecret\":{\"name\":\"backup-s3\"}}}}}}" >/dev/null
fi
gen=$(kn get sts "$STACK-db" -o jsonpath='{.metadata.generation}')
if [[ $(kn get messagestack "$STACK" -o jsonpath='{.spec.backup.pointInTimeRecovery.enabled}') == true ]]; then
  # Already on (an earlier run without PITR_OFF_AFTER): nothing rolls; the stack must be Ready.
  kn wait messagestack "$STACK" --for=condition=Ready --timeout=600s >/dev/null || die "$STACK is not Ready"
  echo "   PITR was already on for $STACK: nothing to roll"
else
  kn patch messagestack "$STACK" --type merge -p '{"spec":{"backup":{"pointInTimeRecovery":{"enabled":true}}}}' >/dev/null
  wait_db_rolled "$gen" 900 || die "the database nodes did not roll onto the PITR settings (or $STACK is not Ready)"
fi
for _ in $(seq 1 120); do
  kn get deploy "$STACK-binlog-archiver" >/dev/null 2>&1 && break
  sleep 2
done
kn rollout status "deploy/$STACK-binlog-archiver" --timeout=300s >/dev/null || die "the archiver did not start"
echo "   Ready with PITR and the archiver running $((SECONDS - t_on)) s after the patch; it follows" \
  "$(kn get deploy "$STACK-binlog-archiver" -o json | jq -r '.spec.template.spec.containers[0].env[] | select(.name == "DB_POD") | .value')"
sql "$STACK-db-0" "SELECT @@log_bin, @@log_slave_updates, @@wsrep_gtid_mode, @@wsrep_gtid_domain_id, @@gtid_domain_id" \
  | sed 's/^/   node 0: log_bin, log_slave_updates, wsrep_gtid_mode, wsrep_gtid_domain_id, gtid_domain_id = /'

LOAD_PID=
if [[ -f $CHAOS_JAR ]]; then
  phase "3. load: the chaos load client against $URL (careful 4 x 5/s, plain 2), log $OUT/requests.jsonl"
  java -jar "$CHAOS_JAR" load --base-url "$URL" --run-id "pitr$RUN" --writers 4 --rate 5 --duration 3600s \
    --timeout 2s --retries 3 --client careful,plain --plain-writers 2 --plain-timeout 5s \
    --stop-file "$OUT/stop" --out "$OUT/requests.jsonl" >"$OUT/load.log" 2>&1 &
  LOAD_PID=$!
  sleep 10
else
  phase "3. load: $CHAOS_JAR missing (make chaos-client): no load client"
fi
stop_load() { [[ -n $LOAD_PID ]] || return 0; touch "$OUT/stop"; wait "$LOAD_PID" || true; LOAD_PID=; tail -n 1 "$OUT/load.log" | sed 's/^/   load: /'; }
trap stop_load EXIT

phase "4. backup: kubectl messagestack backup $STACK --name $BACKUP --wait"
"$PLUGIN" backup "$STACK" -n "$NS" --context "kind-$CLUSTER_NAME" --name "$BACKUP" --wait --timeout 10m \
  || die "backup $BACKUP did not complete"
echo "   ended $(kn get msbackup "$BACKUP" -o jsonpath='{.status.endTime}'), GTID $(kn get msbackup "$BACKUP" -o jsonpath='{.status.position.gtid}')"
sleep 1.5

# current_writer: the database pod HAProxy writes to now (status.writer, node 0 when the status names none).
current_writer() { local w; w=$(kn get messagestack "$STACK" -o jsonpath='{.status.writer.pod}'); echo "${w:-$STACK-db-0}"; }
writer=$(current_writer)
# probe_rows N RATE LABEL: N rows at RATE/s on the writer, one client call each; "id seqno ack_ms" per row.
probe_rows() {
  # shellcheck disable=SC2016  # the loop runs in the pod's shell
  kn exec "$writer" -c database -- bash -c '
    n=$1 rate=$2 label=$3; t0=$(date +%s%3N)
    for i in $(seq 1 "$n"); do
      out=$(MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mariadb -uroot -N -B "$APP_DATABASE" -e "INSERT INTO pitr_probe (body, created_at) VALUES (\"$label $i\", NOW(6)); SELECT LAST_INSERT_ID(), @@last_gtid")
      printf "%s %s %s\n" "$(cut -f1 <<<"$out")" "$(cut -f2 <<<"$out" | cut -d- -f3)" "$(date +%s%3N)"
      next=$((t0 + i * 1000 / rate)); now=$(date +%s%3N)
      if [ "$next" -gt "$now" ]; then sleep "$(awk -v ms=$((next - now)) "BEGIN{printf \"%.3f\", ms/1000}")"; fi
    done' probe "$1" "$2" "$3"
}
phase "5. probe rows: $ROWS at $RATE/s on the writer $writer (messages.pitr_probe)"
sql "$writer" "CREATE TABLE IF NOT EXISTS pitr_probe (id INT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(200), created_at DATETIME(6)) ENGINE=InnoDB"
probe_rows "$ROWS" "$RATE" "steady-$RUN" >"$OUT/rows.steady"
sleep 4

phase "6. recovery point per probe row (the archiver's upload of its GTID minus the row's acknowledgement)"
kn logs "deploy/$STACK-binlog-archiver" -c archiver --since=1h >"$OUT/archiver.log"
recovery_point_lags "$OUT"
read -r LAG_ROWS LAG_MISSING LAG_MIN LAG_P50 LAG_P95 LAG_MAX <"$OUT/lag.txt"
ACHIEVED=$(awk 'NR == 1 { a = $3 } { b = $3 } END { if (b > a) printf "%.1f", (NR - 1) * 1000 / (b - a); else print "-" }' "$OUT/rows.steady")
echo "   $LAG_ROWS rows at $ACHIEVED rows/s: lag min $LAG_MIN ms, p50 $LAG_P50 ms, p95 $LAG_P95 ms, max $LAG_MAX ms; not archived: $LAG_MISSING"
[[ $LAG_MISSING == 0 ]] || die "$LAG_MISSING acknowledged probe rows are in no archived segment"
(( LAG_MAX <= 5000 )) || die "max recovery point lag $LAG_MAX ms > 5000 ms"

pod_uid() { kn get pod "$1" -o jsonpath='{.metadata.uid}' 2>/dev/null; }
# replaced POD OLD-UID: the pod exists again with another UID (the deletion really happened).
replaced() { local u; u=$(pod_uid "$1"); [[ -n $u && $u != "$2" ]]; }
wait_ready_again() {   # after a fault: not Ready may come late, so wait for Ready with every database pod Ready
  kn wait messagestack "$STACK" --for=condition=Ready --timeout="${1}s" >/dev/null \
    && kn wait pod -l "app.kubernetes.io/instance=$STACK,app.kubernetes.io/component=database" --for=condition=Ready --timeout="${1}s" >/dev/null
}
for fault in ${PITR_FAULTS:-}; do
  phase "6b. fault the archive must ride through: $fault"
  t_fault=$SECONDS
  case $fault in
    switchover)
      target=$(kn get pods -l "app.kubernetes.io/instance=$STACK,app.kubernetes.io/component=database" -o name \
        | sed 's|pod/||' | grep -vx "$writer" | sort | head -1)
      kn annotate messagestack "$STACK" "messagestack.io/switchover-to=$target" --overwrite >/dev/null
      for _ in $(seq 1 90); do [[ $(current_writer) == "$target" ]] && break; sleep 2; done
      [[ $(current_writer) == "$target" ]] || die "switchover to $target: status.writer is still $(current_writer)"
      echo "   writer moved $writer -> $target" ;;
    archiver-node)
      followed=$(kn get deploy "$STACK-binlog-archiver" -o json | jq -r '.spec.template.spec.containers[0].env[] | select(.name == "DB_POD") | .value')
      declare -A uid=(["$followed"]=$(pod_uid "$followed"))
      kn delete pod "$followed" --wait=false >/dev/null
      echo "   deleted $followed (the node the archiver follows), graceful" ;;
    full-crash)
      declare -A uid=()
      for p in $(kn get pods -l "app.kubernetes.io/instance=$STACK,app.kubernetes.io/component=database" -o name); do
        uid[${p#pod/}]=$(pod_uid "${p#pod/}")
      done
      kn delete pod "${!uid[@]}" --grace-period=0 --force --wait=false >/dev/null 2>&1
      echo "   every database pod force-deleted at once (${!uid[*]})" ;;
    *) die "PITR_FAULTS: unknown fault '$fault' (switchover, archiver-node, full-crash)" ;;
  esac
  sleep 10
  wait_ready_again 600 || die "$STACK not Ready within 600 s after $fault"
  if [[ $fault != switchover ]]; then
    for p in "${!uid[@]}"; do replaced "$p" "${uid[$p]}" || die "$fault: $p was not replaced (same UID or gone): the fault did not happen"; done
    unset uid
  fi
  writer=$(current_writer)
  probe_rows 20 10 "fault-$fault-$RUN" >>"$OUT/rows.faults"
  echo "   Ready again and 20 probe rows on $writer $((SECONDS - t_fault)) s after the fault;" \
    "PointInTimeRecoveryGap=$(kn get messagestack "$STACK" -o jsonpath='{.status.conditions[?(@.type=="PointInTimeRecoveryGap")].status}')"
done

phase "7. the restore point T, rows after it, then DELETE FROM pitr_probe"
T_EPOCH=$(( $(date +%s) + 1 )); sleep 1.5
T=$(date -u -d "@$T_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
BEFORE_T=$(probe_sum "$writer")
echo "   T = $T; pitr_probe before T: rows, max id, checksum = $BEFORE_T"
probe_rows 10 20 "after-$RUN" >/dev/null
sql "$writer" "DELETE FROM pitr_probe"
echo "   after T: 10 rows, then DELETE FROM pitr_probe ($(probe_sum "$writer"))"
# The operator refuses a T after status.pointInTimeRecovery.lastArchivedTime: wait until the status shows T
# archived (the stack is reconciled about once a minute when Ready).
for _ in $(seq 1 90); do
  last=$(kn get messagestack "$STACK" -o jsonpath='{.status.pointInTimeRecovery.lastArchivedTime}')
  [[ -n $last && $(date -u -d "$last" +%s) -ge $T_EPOCH ]] && break
  sleep 2
done
echo "   status.pointInTimeRecovery: $(kn get messagestack "$STACK" -o jsonpath='{.status.pointInTimeRecovery}')"
echo "   PointInTimeRecoveryGap: $(kn get messagestack "$STACK" -o jsonpath='{.status.conditions[?(@.type=="PointInTimeRecoveryGap")].status} {.status.conditions[?(@.type=="PointInTimeRecoveryGap")].message}')"
if [[ -n ${PITR_FAULTS:-} ]]; then
  if [[ $(kn get messagestack "$STACK" -o jsonpath='{.status.conditions[?(@.type=="PointInTimeRecoveryGap")].status}') != False ]]; then
    explain_gap
    die "after the faults ($PITR_FAULTS) the archive reports a gap"
  fi
fi

phase "8. restore: kubectl messagestack restore $RESTORED --from-backup $BACKUP --to-time $T"
t_restore=$SECONDS
"$PLUGIN" restore "$RESTORED" -n "$NS" --context "kind-$CLUSTER_NAME" --from-backup "$BACKUP" --to-time "$T" --dry-run \
  | grep -v '^#' | k create --dry-run=client -f - -o json \
  | jq '.spec.proxy.replicas = 1 | .spec.api.replicas = 1 | .spec.frontend.replicas = 1
        | .spec.backup.pointInTimeRecovery.enabled = false' \
  | k create -f - >/dev/null
kn wait messagestack "$RESTORED" --for=condition=Ready --timeout=900s >/dev/null \
  || die "the restored stack $NS/$RESTORED is not Ready: kubectl messagestack status $RESTORED -n $NS"
RTO=$((SECONDS - t_restore))
echo "   $NS/$RESTORED Ready $RTO s after it was created"
kn logs "$RESTORED-db-0" -c restore 2>/dev/null | jq -c 'select(.msg == "replayed" or .msg == "restored" or .msg == "point-in-time plan")' | sed 's/^/   /' || true

phase "9. compare: every database node of $RESTORED against pitr_probe before T"
for pod in $(kn get pods -l "app.kubernetes.io/instance=$RESTORED,app.kubernetes.io/component=database" -o name); do
  got=$(probe_sum "${pod#pod/}")
  after=$(sql "${pod#pod/}" "SELECT COUNT(*) FROM pitr_probe WHERE body LIKE 'after-%'")
  [[ $got == "$BEFORE_T" && $after == 0 ]] || die "${pod#pod/}: rows, max id, checksum = $got and $after rows after T; before T the source had $BEFORE_T"
  echo "   ${pod#pod/}: $got, 0 rows after T (same)"
done

phase "10. cleanup: delete $NS/$RESTORED (its volumes stay); stop the load"
kn delete messagestack "$RESTORED" --wait=true --timeout=300s >/dev/null
echo "   volumes left for a person to remove: $(kn get pvc -l "app.kubernetes.io/instance=$RESTORED" -o name | tr '\n' ' ')"
stop_load
if [[ ${PITR_OFF_AFTER:-0} == 1 ]]; then
  gen=$(kn get sts "$STACK-db" -o jsonpath='{.metadata.generation}')
  kn patch messagestack "$STACK" --type merge -p '{"spec":{"backup":{"pointInTimeRecovery":{"enabled":false}}}}' >/dev/null
  wait_db_rolled "$gen" 900 || die "the database nodes did not roll back off the PITR settings"
  echo "   PITR turned off again on $STACK (the nodes rolled once more)"
fi
phase "PITR on kind passed: RPO p50 $LAG_P50 ms p95 $LAG_P95 ms max $LAG_MAX ms over $LAG_ROWS rows at $ACHIEVED rows/s; restore to $T Ready in $RTO s with exactly the rows before T"
