#!/usr/bin/env bash
# The restore drill (issue 14, part 5; docs/pitr.md, docs/backup.md): proves, against the load client's own record,
# that a backup plus the binary log archive bring back exactly what was acknowledged before a point in time T.
#   0. PITR on     spec.backup (the lab's object store; kept when the stack has one) and
#                  spec.backup.pointInTimeRecovery.enabled on the stack, before the load (the nodes roll once; left on)
#   1. load        both clients (careful, plain) through the page's address for the whole run
#   2. backup      a MessageStackBackup under the load: the fault window (target: no failed request)
#   3. writes      DRILL_WRITES_AFTER_BACKUP seconds more, then T (a whole second, the restore's granularity)
#   4. mistake     just after T, the run's own rows are deleted on the writer (the mistaken DELETE of the issue,
#                  limited to this run's rows: the lab's stack is shared); writes go on for DRILL_WRITES_AFTER_T s
#   5. restore     once the archive reaches T: a NEW stack with spec.database.restore {backup, pointInTime: T}
#                  (kubectl messagestack restore --to-time, one proxy/API/frontend pod, no backup spec of its own,
#                  deleteWithStack: true so that deleting it removes its own volumes); RTO = creation to Ready
#   6. RPO         per acknowledged write up to T: the archiver's upload of the segment holding its GTID (found in
#                  the source's binary log by its subject) minus its acknowledgement
#   7. check       the load client's record against the restored stack: every write acknowledged at or before T
#                  present once, none sent after T, in-flight ones either way (verify --restore-point-ms)
#   8. cleanup     the restored stack deleted (with its volumes: deleteWithStack); the source's backups, archive
#                  and volumes are never touched
# The object store's memory (VmRSS, peak VmHWM) and disk are read before and after.
# usage: chaos/scenarios/restore-drill.sh     (env: DRILL_WRITES_AFTER_BACKUP=20 DRILL_WRITES_AFTER_T=10
#        DRILL_RESTORE_TIMEOUT=900 DRILL_KEEP_RESTORED=0 KUBECTL_MESSAGESTACK=kubectl-messagestack)
set -euo pipefail
# shellcheck source=chaos/lib.sh
source "$(dirname "$0")/../lib.sh"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=hack/backup/lib.sh
source "$REPO/hack/backup/lib.sh"
# shellcheck disable=SC1091
source "$REPO/hack/versions.env"
export PATH="${MS_CACHE:-$HOME/.cache/messagestack}/k8s/$K8S_VERSION/bin:$PATH"
PLUGIN=${KUBECTL_MESSAGESTACK:-kubectl-messagestack}
STORE_NS=${STORE_NS:-messagestack-objectstore}
BUCKET=${LAB_BUCKET:-messagestack-backups}
WRITES_AFTER_BACKUP=${DRILL_WRITES_AFTER_BACKUP:-20}
WRITES_AFTER_T=${DRILL_WRITES_AFTER_T:-10}
RESTORE_TIMEOUT=${DRILL_RESTORE_TIMEOUT:-900}
STAMP=$(date -u +%H%M%S)
BACKUP=drill-$STAMP
RESTORED=$MS_NAME-drill-$STAMP
RESTORED_CREATED=
T_EPOCH=
command -v "$PLUGIN" >/dev/null || die "$PLUGIN not found: run 'make kubectl-plugin'"

# sql POD QUERY: one query as root inside the pod's database container (the password stays in the pod).
sql() {
  # shellcheck disable=SC2016  # expanded by the pod's shell, from its own environment
  kc exec "$1" -c "$DB_CONTAINER" -- sh -c 'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" exec mariadb -uroot -N -B "$APP_DATABASE" -e "$0"' "$2"
}
ms_json() { kc get "$MS_RESOURCE" "$1" -o json; }
condition() { ms_json "$1" | jq -r --arg t "$2" '.status.conditions[]? | select(.type == $t) | "\(.status) \(.reason) \(.message)"'; }

# objectstore_numbers LABEL: the store's VmRSS, VmHWM (peak since the process started) and disk, as measurements.
objectstore_numbers() {
  local out rss hwm disk
  out=$("$REPO/hack/lab/objectstore.sh" measure 2>&1) || { say "object store not measured: $out"; return 0; }
  rss=$(awk '/VmRSS:/{print $2; exit}' <<<"$out"); hwm=$(awk '/VmHWM:/{print $2; exit}' <<<"$out")
  disk=$(awk -F': ' '/disk used by the PVC/{print $2; exit}' <<<"$out")
  [[ -n $rss ]] && measure "objectstoreRssKb_$1" "$rss"
  [[ -n $hwm ]] && measure "objectstorePeakRssKb_$1" "$hwm"
  [[ -n $disk ]] && measure "objectstoreDisk_$1" "\"$disk\""
  return 0
}

# wait_db_rolled GENERATION SECONDS: the database StatefulSet is newer than GENERATION, fully rolled and Ready.
wait_db_rolled() {
  local deadline=$(( $(date +%s) + $2 )) s
  while :; do
    s=$(kc get sts "$DB_STS" -o json | jq -r --argjson g "$1" '[.metadata.generation > $g,
      .status.observedGeneration == .metadata.generation, .status.currentRevision == .status.updateRevision,
      (.status.updatedReplicas // 0) == .spec.replicas, (.status.readyReplicas // 0) == .spec.replicas] | all')
    if [[ $s == true ]] && kc wait "$MS_RESOURCE/$MS_NAME" --for=condition=Ready --timeout=5s >/dev/null 2>&1; then return 0; fi
    (( $(date +%s) < deadline )) || return 1
    sleep 3
  done
}

# 0. PITR on, before the load (turning it on rolls the database nodes; that is not what the drill measures).
pitr_on() {
  local gen
  if [[ $(spec_get backup.pointInTimeRecovery.enabled) == true ]]; then
    say "PITR already on for $MS_NAME (storage $(ms_json "$MS_NAME" | jq -c '.spec.backup.storage'))"
  else
    if [[ -z $(spec_get backup.storage.s3.bucket) && -z $(spec_get backup.storage.pvc.claimName) ]]; then
      if ! kc get secret backup-s3 >/dev/null 2>&1; then
        say "Secret backup-s3 in $MS_NAMESPACE from $STORE_NS/objectstore-credentials (the keys are not printed)"
        kubectl -n "$STORE_NS" get secret objectstore-credentials -o json | jq --arg ns "$MS_NAMESPACE" \
          '{apiVersion: "v1", kind: "Secret", type: "Opaque",
            metadata: {name: "backup-s3", namespace: $ns, labels: {"app.kubernetes.io/part-of": "messagestack-lab"}},
            data: {AWS_ACCESS_KEY_ID: .data.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: .data.AWS_SECRET_ACCESS_KEY}}' \
          | kubectl apply -f - >/dev/null
      fi
      spec_patch backup.storage "{\"s3\":{\"endpoint\":\"http://objectstore.$STORE_NS.svc:7070\",\"bucket\":\"$BUCKET\",
        \"prefix\":\"restore-drill\",\"credentialsSecret\":{\"name\":\"backup-s3\"}}}"
    fi
    gen=$(kc get sts "$DB_STS" -o jsonpath='{.metadata.generation}')
    spec_patch backup.pointInTimeRecovery.enabled true
    say "waiting (up to 900 s) for the database nodes to roll onto the binary log settings"
    wait_db_rolled "$gen" 900 || die "the database nodes did not roll onto the PITR settings (or $MS_NAME is not Ready)"
  fi
  for _ in $(seq 1 120); do kc get deploy "$MS_NAME-binlog-archiver" >/dev/null 2>&1 && break; sleep 2; done
  kc rollout status "deploy/$MS_NAME-binlog-archiver" --timeout=300s >/dev/null || die "the binary log archiver is not running"
  say "archiver running; status.pointInTimeRecovery: $(ms_json "$MS_NAME" | jq -c '.status.pointInTimeRecovery // {}')"
}

# 2. The backup under load is the fault window.
inject() {
  local t0 phase deadline b
  objectstore_numbers before
  t0=$(now_ms)
  say "MessageStackBackup $BACKUP of $MS_NAME"
  run_fault kc create -f - <<<"{\"apiVersion\":\"messagestack.io/v1alpha1\",\"kind\":\"MessageStackBackup\",
    \"metadata\":{\"name\":\"$BACKUP\",\"namespace\":\"$MS_NAMESPACE\"},\"spec\":{\"stack\":\"$MS_NAME\"}}"
  deadline=$(( $(date +%s) + 900 ))
  while :; do
    phase=$(kc get msbackup "$BACKUP" -o jsonpath='{.status.phase}' 2>/dev/null || true)
    [[ $phase == Completed || $phase == Failed ]] && break
    (( $(date +%s) < deadline )) || die "backup $BACKUP not finished 900 s after it was created (phase '$phase')"
    sleep 0.5
  done
  fault_over
  b=$(kc get msbackup "$BACKUP" -o json)
  [[ $phase == Completed ]] || die "backup $BACKUP Failed: $(jq -r '.status.reason' <<<"$b")"
  measure backupMs $(( FAULT_END - t0 ))
  measure backupSizeBytes "$(jq '.status.size' <<<"$b")"
  measure backupNode "$(jq '.status.node' <<<"$b")"
  measure backupGtid "$(jq '.status.position.gtid // .status.position.galeraSeqno | tostring' <<<"$b")"
  measure backupJobSeconds "$(jq '((.status.endTime | fromdateiso8601) - (.status.startTime | fromdateiso8601))' <<<"$b")"
}

# 6. RPO per acknowledged write up to T: subject -> GTID from the source's own binary log (every node logs every
# transaction under the same GTID), GTID -> segment upload time from the archiver's log.
measure_rpo() {
  local dir=$RAW/rpo node since LC_ALL=C
  export LC_ALL
  mkdir -p "$dir"
  node=$(ms_json "$MS_NAME" | jq -r '.status.pointInTimeRecovery.followedNode // empty')
  node=${node:-$DB_STS-0}
  since=$(( LOAD_T0 / 1000 - 60 ))
  say "RPO: decoding the binary log of $node since the load started (subjects of run $RUN_ID -> GTID)"
  # shellcheck disable=SC2016  # runs in the pod
  kc exec "$node" -c "$DB_CONTAINER" -- sh -c 'cd /var/lib/mysql &&
      files=$(find . -maxdepth 1 -name "mysql-bin.[0-9]*" -newermt "@$0" | sort) &&
      [ -n "$files" ] && mariadb-binlog --base64-output=decode-rows -v $files 2>/dev/null |
      grep -E "GTID [0-9]+-[0-9]+-[0-9]+|@[0-9]+=.chaos-$1-"' "$since" "$RUN_ID" \
    | awk '/GTID [0-9]+-[0-9]+-[0-9]+/ { for (i = 1; i <= NF; i++) if ($i == "GTID") { split($(i + 1), g, "-"); seq = g[3] } next }
        { s = $0; sub(/^[^'\'']*'\''/, "", s); sub(/'\''.*$/, "", s); if (!(s in seen)) { seen[s] = 1; print s, seq } }' \
    | sort >"$dir/gtid.txt"
  jq -r --argjson t "$(( T_EPOCH * 1000 ))" 'select(.op == "create" and .status >= 200 and .status < 300)
      | (.startMs + (.latencyMs | round)) as $ack | select($ack <= $t) | "\(.subject) \($ack)"' "$RAW/requests.jsonl" \
    | sort -k1,1 -k2,2n | awk '!seen[$1]++' >"$dir/acks.txt"
  join "$dir/acks.txt" "$dir/gtid.txt" | awk '{ print $1, $3, $2 }' >"$dir/rows.steady"
  kc logs "deploy/$MS_NAME-binlog-archiver" -c archiver --since=2h >"$dir/archiver.log"
  recovery_point_lags "$dir"
  local rows missing min p50 p95 max
  read -r rows missing min p50 p95 max <"$dir/lag.txt"
  say "RPO over $rows acknowledged writes up to T (of $(wc -l <"$dir/acks.txt"); $(( $(wc -l <"$dir/acks.txt") - $(wc -l <"$dir/rows.steady") )) not found in the binary log): min $min p50 $p50 p95 $p95 max $max ms; not archived $missing"
  measure rpoWrites "$rows"
  measure rpoWritesNotInBinlog $(( $(wc -l <"$dir/acks.txt") - $(wc -l <"$dir/rows.steady") ))
  measure rpoNotArchived "$missing"
  if [[ $max != - ]]; then
    measure rpoP50Ms "$p50"; measure rpoP95Ms "$p95"; measure rpoMaxMs "$max"
  fi
  (( missing == 0 )) || note "$missing acknowledged writes before T are in no archived segment"
}

after_ready() {
  local writer deleted left last t_create ready_ms reason created restored_pw
  say "phase writes: ${WRITES_AFTER_BACKUP}s more under the load after the backup"
  sleep "$WRITES_AFTER_BACKUP"
  T_EPOCH=$(( $(date +%s) + 2 ))
  T=$(date -u -d "@$T_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
  # The mistake a little after T (the restore keeps what started before T): this run's rows only.
  left=$(( T_EPOCH * 1000 + 300 - $(now_ms) )); (( left > 0 )) && sleep "$(awk -v ms="$left" 'BEGIN{printf "%.3f", ms/1000}')"
  writer=$(status_writer); writer=${writer:-$DB_STS-0}
  deleted=$(sql "$writer" "DELETE FROM $CHAOS_DB_TABLE WHERE subject LIKE 'chaos-$RUN_ID-%'; SELECT ROW_COUNT()")
  measure restorePoint "\"$T\""
  measure deleteAtMs "$(now_ms)"
  measure deletedRows "${deleted:-0}"
  say "T = $T; just after it, on $writer: DELETE FROM $CHAOS_DB_TABLE of this run's rows ($deleted rows); ${WRITES_AFTER_T}s more writes"
  sleep "$WRITES_AFTER_T"

  say "waiting for the archive to reach T (status.pointInTimeRecovery.lastArchivedTime, written at each reconcile)"
  for _ in $(seq 1 90); do
    last=$(ms_json "$MS_NAME" | jq -r '.status.pointInTimeRecovery.lastArchivedTime // empty')
    [[ -n $last ]] && (( $(date -u -d "$last" +%s) >= T_EPOCH )) && break
    sleep 2
  done
  say "status.pointInTimeRecovery: $(ms_json "$MS_NAME" | jq -c '.status.pointInTimeRecovery // {}')"

  say "phase restore: $PLUGIN restore $RESTORED --from-backup $BACKUP --to-time $T (one proxy/API/frontend pod, deleteWithStack)"
  measure hostLoadAvg1mAtRestore "$(cut -d' ' -f1 /proc/loadavg)"
  t_create=$(now_ms)
  "$PLUGIN" restore "$RESTORED" -n "$MS_NAMESPACE" "${KUBE_CONTEXT_ARGS[@]}" --from-backup "$BACKUP" --to-time "$T" --dry-run \
    | grep -v '^#' | kubectl create --dry-run=client -f - -o json \
    | jq '.spec.proxy.replicas = 1 | .spec.api.replicas = 1 | .spec.frontend.replicas = 1 | del(.spec.backup)
          | .spec.database.storage.deleteWithStack = true' \
    | kubectl create -f - >/dev/null || die "could not create the restored stack $RESTORED"
  RESTORED_CREATED=1
  created=$(kc get "$MS_RESOURCE" "$RESTORED" -o jsonpath='{.metadata.creationTimestamp}')
  ready_ms=
  while (( $(now_ms) - t_create < RESTORE_TIMEOUT * 1000 )); do
    if [[ $(kc get "$MS_RESOURCE" "$RESTORED" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}') == True ]]; then
      ready_ms=$(now_ms); break
    fi
    reason=$(kc get "$MS_RESOURCE" "$RESTORED" -o jsonpath='{.status.conditions[?(@.type=="DatabaseReady")].reason}')
    [[ $reason == RestoreFailed ]] && break
    sleep 1
  done
  measure hostLoadAvg1mAfterRestore "$(cut -d' ' -f1 /proc/loadavg)"
  if [[ -z $ready_ms ]]; then
    kc logs "$RESTORED-db-0" -c restore >"$RAW/restore-init.log" 2>&1 || true
    ms_json "$RESTORED" >"$RAW/restored-stack.json" 2>&1 || true
    note "the restored stack $RESTORED was not Ready (its restore log and status in $RAW): $(condition "$RESTORED" DatabaseReady)"
    die "restore failed: $(condition "$RESTORED" DatabaseReady)"
  fi
  measure rtoMs $(( ready_ms - t_create ))
  measure restoredDatabaseReadyAfterS "$(ms_json "$RESTORED" | jq --arg c "$created" '[.status.conditions[] | select(.type == "DatabaseReady")][0].lastTransitionTime | fromdateiso8601 - ($c | fromdateiso8601)')"
  say "restored stack $RESTORED Ready $(( (ready_ms - t_create) / 1000 )) s after it was created"
  kc logs "$RESTORED-db-0" -c restore 2>/dev/null | jq -c 'select(.msg == "replayed" or .msg == "restored" or .msg == "point-in-time plan")' \
    | while read -r l; do say "restore log: $l"; done || true
  measure restoredMessageRows "$(sql "$RESTORED-db-0" "SELECT COUNT(*) FROM $CHAOS_DB_TABLE")"
  measure restoredDatadirKb "$(kc exec "$RESTORED-db-0" -c "$DB_CONTAINER" -- du -sk /var/lib/mysql | cut -f1)"

  measure_rpo
  objectstore_numbers after

  # 7. The write check goes to the restored stack, with T (these are read by chaos/lib.sh's verify_writes).
  # shellcheck disable=SC2034
  CHAOS_DB_SERVICE=$RESTORED-proxy
  # shellcheck disable=SC2034
  CHAOS_DB_USER=$(db_env APP_USER || echo messages)
  # shellcheck disable=SC2034
  CHAOS_DB_NAME=$(db_env APP_DATABASE || echo messages)
  restored_pw=$(kc get secret "$RESTORED-db-credentials" -o jsonpath='{.data.app}' | base64 -d)
  # shellcheck disable=SC2034
  CHAOS_DB_PASSWORD_OVERRIDE=$restored_pw
  # shellcheck disable=SC2034
  CHAOS_VERIFY_EXTRA=(--restore-point-ms "$(( T_EPOCH * 1000 ))")
}

# 8. Only the restored stack goes; its volumes go with it because it was created with deleteWithStack: true
# (the StatefulSet's PVC retention policy whenDeleted: Delete). Nothing of the source is touched.
heal() {
  [[ -n $RESTORED_CREATED ]] || return 0
  if [[ ${DRILL_KEEP_RESTORED:-0} == 1 ]]; then say "DRILL_KEEP_RESTORED=1: $RESTORED kept"; return 0; fi
  say "cleanup: kubectl delete $MS_RESOURCE $RESTORED (deleteWithStack: its own volumes go with it)"
  kc delete "$MS_RESOURCE" "$RESTORED" --wait=true --timeout=300s >/dev/null || { say "delete of $RESTORED did not finish"; return 1; }
  for _ in $(seq 1 60); do
    [[ -z $(kc get pvc -l "app.kubernetes.io/instance=$RESTORED" -o name) ]] && break
    sleep 2
  done
  say "volumes of $RESTORED left: $(kc get pvc -l "app.kubernetes.io/instance=$RESTORED" -o name | tr '\n' ' ')(none is right)"
  say "backup $BACKUP kept: $(kc get msbackup "$BACKUP" -o jsonpath='{.status.phase} {.status.location}')"
}

require_tools
require_stack
pitr_on
LOAD_T0=$(now_ms)
run_scenario restore-drill restore-drill "a backup under load, writes, T, the run's rows deleted after T, a new stack restored to T"
