#!/usr/bin/env bash
# Restore time by data size (issue 14): on the kind lab, through the operator, with the lab's object store.
#   1. a source stack of its own (namespace messagestack-bench, one unsafe single database node: only the data
#      matters here; deleteWithStack: true so that deleting it at the end removes its volume too)
#   2. for each size N (ascending): the messages table topped up to N rows (INSERT ... SELECT in chunks of 50,000,
#      a 162-character hex body per row, so the backup does not compress to nothing), then a MessageStackBackup
#   3. for each backup: a NEW stack restored from it (spec.database.restore.backup; BENCH_DB_REPLICAS database
#      nodes, default 3 like a real stack; one proxy/API/frontend pod; deleteWithStack: true), timed:
#        restore   node 0's `restore` init container (download, SHA-256, zstd, mbstream, prepare), from its state
#        database  creation -> DatabaseReady (incl. the other nodes' SST)
#        ready     creation -> Ready (the whole stack)
#      then the row count on every restored node must be N; the restored stack is deleted before the next size
#   4. a table: rows, datadir, backup size, backup time, restore, database, ready; the host's load average
# The backups (records and objects, prefix restore-bench) are kept: nothing here deletes a backup.
# usage: bench/restore-time.sh [ROWS...]   (default 10000 100000 1000000; env BENCH_DB_REPLICAS=3, BENCH_KEEP=1
#        keeps the source stack, BENCH_NS=messagestack-bench)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=hack/operator/lib.sh
source "$REPO/hack/operator/lib.sh"
# shellcheck source=hack/backup/lib.sh
source "$REPO/hack/backup/lib.sh"
NS=${BENCH_NS:-messagestack-bench}
SRC=rbench
STORE_NS=messagestack-objectstore
BUCKET=${LAB_BUCKET:-messagestack-backups}
REPLICAS=${BENCH_DB_REPLICAS:-3}
SIZES=("$@")
(( ${#SIZES[@]} > 0 )) || SIZES=(10000 100000 1000000)
RUN=$(date -u +%H%M%S)
OUT=${BENCH_OUT:-/tmp/messagestack-restore-bench/$RUN}
mkdir -p "$OUT"
kn() { k -n "$NS" "$@"; }
need jq "apt-get install jq"
require_cluster
load() { cut -d' ' -f1-3 /proc/loadavg; }
now_ms() { date +%s%3N; }
# sql POD QUERY: one query as root inside the pod's database container (the password stays in the pod).
sql() {
  # shellcheck disable=SC2016  # expanded by the pod's shell, from its own environment
  kn exec "$1" -c database -- sh -c 'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" exec mariadb -uroot -N -B "$APP_DATABASE" -e "$0"' "$2"
}
cond() { kn get messagestack "$1" -o jsonpath="{.status.conditions[?(@.type==\"$2\")].status}"; }
# wait_cond STACK TYPE SECONDS: until the condition is True; dies on RestoreFailed.
wait_cond() {
  local deadline=$((SECONDS + $3))
  until [[ $(cond "$1" "$2") == True ]]; do
    [[ $(kn get messagestack "$1" -o jsonpath='{.status.conditions[?(@.type=="DatabaseReady")].reason}') != RestoreFailed ]] \
      || die "$1: $(kn get messagestack "$1" -o jsonpath='{.status.conditions[?(@.type=="DatabaseReady")].message}')"
    (( SECONDS < deadline )) || die "$1: $2 not True after $3 s"
    sleep 1
  done
}
stack_yaml() { # NAME REPLICAS EXTRA-DATABASE-JSON
  jq -n --arg n "$1" --arg ns "$NS" --argjson r "$2" --argjson extra "$3" '{apiVersion: "messagestack.io/v1alpha1",
    kind: "MessageStack", metadata: {name: $n, namespace: $ns},
    spec: {database: ({engine: "mariadb-galera", replicas: $r, allowUnsafeSingleNode: ($r == 1),
             storage: {size: "2Gi", deleteWithStack: true},
             resources: {requests: {cpu: "100m", memory: "256Mi"}, limits: {memory: "768Mi"}}} + $extra),
           proxy: {replicas: 1}, api: {replicas: 1}, frontend: {replicas: 1}}}'
}

phase "1. source stack $NS/$SRC (1 database node, s3://$BUCKET/restore-bench), load $(load)"
k create namespace "$NS" --dry-run=client -o yaml | k apply -f - >/dev/null
k label namespace "$NS" --overwrite pod-security.kubernetes.io/enforce=restricted >/dev/null
echo "   Secret backup-s3: $(copy_store_credentials "$STORE_NS" "$NS")"
if ! kn get messagestack "$SRC" >/dev/null 2>&1; then
  stack_yaml "$SRC" 1 '{}' | k apply -f - >/dev/null
fi
# A merge patch every run: a kept source stack may have lost spec.backup (an older CRD applied since prunes it).
kn patch messagestack "$SRC" --type merge -p "{\"spec\":{\"backup\":{\"storage\":{\"s3\":{
  \"endpoint\":\"http://objectstore.$STORE_NS.svc:7070\",\"bucket\":\"$BUCKET\",\"prefix\":\"restore-bench\",
  \"credentialsSecret\":{\"name\":\"backup-s3\"}}}}}}" >/dev/null
wait_cond "$SRC" Ready 900
# The messages table is created by message-api's migration when it starts.
for _ in $(seq 1 60); do sql "$SRC-db-0" "SELECT 1 FROM message LIMIT 0" >/dev/null 2>&1 && break; sleep 2; done

declare -A BACKUP_OF=() BACKUP_MS=() BACKUP_SIZE=() DATADIR_KB=() ROWS_AT=()
phase "2. data and backups: ${SIZES[*]} rows"
for n in "${SIZES[@]}"; do
  have=$(sql "$SRC-db-0" "SELECT COUNT(*) FROM message")
  t0=$(now_ms)
  while (( have < n )); do
    step=$(( n - have < 50000 ? n - have : 50000 ))
    sql "$SRC-db-0" "SET SESSION max_recursive_iterations = 100000;
      INSERT INTO message (subject, body, created_at, idempotency_key)
      WITH RECURSIVE s(i) AS (SELECT $((have + 1)) UNION ALL SELECT i + 1 FROM s WHERE i < $((have + step)))
      SELECT CONCAT('bench row ', i), CONCAT_WS(' ', SHA2(i, 256), SHA2(i * 7, 256), MD5(i)), NOW(6), CONCAT('bench-', i) FROM s"
    have=$(( have + step ))
  done
  have=$(sql "$SRC-db-0" "SELECT COUNT(*) FROM message")
  (( have >= n )) || die "the source has $have rows, wanted $n"
  ROWS_AT[$n]=$have   # nothing else writes to the source: the backup holds exactly these
  DATADIR_KB[$n]=$(kn exec "$SRC-db-0" -c database -- du -sk /var/lib/mysql | cut -f1)
  echo "   $have rows (topped up in $(( ($(now_ms) - t0) / 1000 )) s), datadir ${DATADIR_KB[$n]} KB"
  b=rb-$RUN-$n
  t0=$(now_ms)
  kn create -f - >/dev/null <<<"{\"apiVersion\":\"messagestack.io/v1alpha1\",\"kind\":\"MessageStackBackup\",\"metadata\":{\"name\":\"$b\"},\"spec\":{\"stack\":\"$SRC\"}}"
  until [[ $(kn get msbackup "$b" -o jsonpath='{.status.phase}') =~ ^(Completed|Failed)$ ]]; do sleep 1; done
  [[ $(kn get msbackup "$b" -o jsonpath='{.status.phase}') == Completed ]] \
    || die "backup $b Failed: $(kn get msbackup "$b" -o jsonpath='{.status.reason}')"
  BACKUP_OF[$n]=$b; BACKUP_MS[$n]=$(( $(now_ms) - t0 )); BACKUP_SIZE[$n]=$(kn get msbackup "$b" -o jsonpath='{.status.size}')
  echo "   backup $b Completed in $(( BACKUP_MS[$n] / 1000 )) s, ${BACKUP_SIZE[$n]} bytes stored; load $(load)"
done

phase "3. restores into new stacks ($REPLICAS database nodes each)"
printf '%s\n' "rows datadir_kb backup_bytes backup_s restore_init_s database_ready_s ready_s load_at_start load_at_end" >"$OUT/results.txt"
for n in "${SIZES[@]}"; do
  name=rb-$n-$RUN
  l0=$(load)
  t0=$(now_ms)
  stack_yaml "$name" "$REPLICAS" "{\"restore\":{\"backup\":\"${BACKUP_OF[$n]}\"}}" | k create -f - >/dev/null
  wait_cond "$name" DatabaseReady 1800
  t_db=$(now_ms)
  wait_cond "$name" Ready 900
  t_ready=$(now_ms)
  init=$(kn get pod "$name-db-0" -o json | jq '.status.initContainerStatuses[] | select(.name == "restore")
    | .state.terminated // .lastState.terminated | ((.finishedAt | fromdateiso8601) - (.startedAt | fromdateiso8601))')
  for i in $(seq 0 $((REPLICAS - 1))); do
    got=$(sql "$name-db-$i" "SELECT COUNT(*) FROM message")
    [[ $got == "${ROWS_AT[$n]}" ]] || die "$name-db-$i has $got rows, the backup had ${ROWS_AT[$n]}"
  done
  l1=$(load)
  row="$n ${DATADIR_KB[$n]} ${BACKUP_SIZE[$n]} $(( BACKUP_MS[$n] / 1000 )) $init $(( (t_db - t0) / 1000 )) $(( (t_ready - t0) / 1000 )) ${l0%% *} ${l1%% *}"
  echo "$row" >>"$OUT/results.txt"
  echo "   $n rows: restore init ${init}s, DatabaseReady $(( (t_db - t0) / 1000 )) s, Ready $(( (t_ready - t0) / 1000 )) s; ${ROWS_AT[$n]} rows on each of $REPLICAS nodes; load $l0 -> $l1"
  kn delete messagestack "$name" --wait=true --timeout=300s >/dev/null
  for _ in $(seq 1 60); do [[ -z $(kn get pvc -l "app.kubernetes.io/instance=$name" -o name) ]] && break; sleep 2; done
  echo "   $name deleted; its volumes left: $(kn get pvc -l "app.kubernetes.io/instance=$name" -o name | tr '\n' ' ')(deleteWithStack: none)"
done

if [[ ${BENCH_KEEP:-0} != 1 ]]; then
  phase "4. the source stack $SRC deleted (deleteWithStack: its volume too); the backups stay"
  kn delete messagestack "$SRC" --wait=true --timeout=300s >/dev/null
fi
phase "restore time by size ($OUT/results.txt)"
column -t "$OUT/results.txt"
