#!/usr/bin/env bash
# Backups on kind beyond the S3 round trip (issue 14, part 7): the volume target, retention, and failures, through
# the operator, on a small stack of its own (namespace messagestack-backup-kind; the sample stack is not touched).
# Steps, each printed as it runs:
#   1. stack      `bt`: one unsafe single database node (the data is what matters), one proxy/API/frontend pod,
#                 spec.backup.storage.pvc.claimName bt-backups (a PVC created here), deleteWithStack: true
#   2. PVC        three MessageStackBackups to the volume (20 rows more before each): Completed, location pvc://
#   3. restore    a new stack `bt-r` from the first one (spec.database.restore.backup): Ready, same rows and checksum
#                 as at that backup; then deleted (deleteWithStack: its volume too)
#   4. retention  count 2: exactly the oldest backup goes (record deleted, its folder gone from the volume, the
#                 other two untouched); count 1 + maxAge 1d: nothing goes (a backup goes only when neither rule
#                 keeps it); maxAge 1m (the older one past it): it goes, the newest stays (always kept)
#   5. failures   retention removed first; wrong credentials (an S3 target with a Secret of wrong keys), then a
#                 bucket that does not exist (right keys), then an endpoint whose name does not resolve: each backup Failed with the store's reason, and the
#                 volume's backups, their records and the stack are untouched
#   6. cleanup    only `bt-r` (step 3). `bt`, its PVC bt-backups and the backup records stay (nothing here deletes a
#                 backup); `kubectl delete namespace messagestack-backup-kind` removes them all.
# Fails on the first check that does not hold. Safe to run again (a new run id each time; `bt` is reused).
set -euo pipefail
# shellcheck source=hack/operator/lib.sh
source "$(dirname "$0")/../operator/lib.sh"
# shellcheck source=hack/backup/lib.sh
source "$(dirname "$0")/lib.sh"
NS=${BACKUP_KIND_NS:-messagestack-backup-kind}
STACK=bt
CLAIM=bt-backups
STORE_NS=messagestack-objectstore
BUCKET=${LAB_BUCKET:-messagestack-backups}
RUN=$(date -u +%H%M%S)
kn() { k -n "$NS" "$@"; }
need jq "apt-get install jq"
require_cluster
PASSED=0
ok() { PASSED=$((PASSED + 1)); echo "   ok: $*"; }
# sql POD QUERY: one query as root inside the pod's database container (the password stays in the pod).
sql() {
  # shellcheck disable=SC2016  # expanded by the pod's shell, from its own environment
  kn exec "$1" -c database -- sh -c 'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" exec mariadb -uroot -N -B "$APP_DATABASE" -e "$0"' "$2"
}
sum() { sql "$1" "SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS('|', id, body))), 0) FROM bt_rows" | tr '\t' ' '; }
wait_ready() { kn wait messagestack "$1" --for=condition=Ready --timeout="${2:-900}s" >/dev/null || die "$1 not Ready: $(kn get messagestack "$1" -o jsonpath='{.status.conditions}')"; }
# backup NAME: a MessageStackBackup of bt, waited for; prints its phase.
backup() {
  kn create -f - >/dev/null <<<"{\"apiVersion\":\"messagestack.io/v1alpha1\",\"kind\":\"MessageStackBackup\",\"metadata\":{\"name\":\"$1\"},\"spec\":{\"stack\":\"$STACK\"}}"
  local deadline=$((SECONDS + 900)) p
  while :; do
    p=$(kn get msbackup "$1" -o jsonpath='{.status.phase}')
    [[ $p == Completed || $p == Failed ]] && { echo "$p"; return; }
    (( SECONDS < deadline )) || die "backup $1 still '$p' after 900 s"
    sleep 1
  done
}
# volume_listing: the backup folders on the claim, read by a pod that mounts it read-only (the database image).
volume_listing() {
  local pod=bt-ls-$RANDOM node
  node=$(kn get pod "$STACK-db-0" -o jsonpath='{.spec.nodeName}')
  # nodeSelector, not nodeName: a pod placed by the scheduler binds a WaitForFirstConsumer claim (see step 1).
  kn apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $pod}
spec:
  restartPolicy: Never
  nodeSelector: {kubernetes.io/hostname: $node}
  securityContext: {runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: ls
    image: messagestack/mariadb-galera:10.11
    imagePullPolicy: Never
    command: [sh, -c, 'cd /backups && find . -name manifest.json | sort']
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, readOnlyRootFilesystem: true}
    volumeMounts: [{name: b, mountPath: /backups, readOnly: true}]
  volumes: [{name: b, persistentVolumeClaim: {claimName: $CLAIM, readOnly: true}}]
YAML
  for _ in $(seq 1 60); do
    [[ $(kn get pod "$pod" -o jsonpath='{.status.phase}') =~ ^(Succeeded|Failed)$ ]] && break
    sleep 1
  done
  kn logs "$pod"
  kn delete pod "$pod" --wait=false >/dev/null
}
records() { kn get msbackup -o json | jq -r --arg s "$STACK" '.items[] | select(.spec.stack == $s) | "msbackup/\(.metadata.name)"' | sort; }
completed() { kn get msbackup -o json | jq -r --arg s "$STACK" '[.items[] | select(.spec.stack == $s and .status.phase == "Completed") | .metadata.name] | sort | join(" ")'; }
# retention_wait SECONDS GONE...: until every named backup's record is gone (the deletion Job succeeded).
retention_wait() {
  local deadline=$((SECONDS + $1)) b left; shift
  while :; do
    left=""
    for b in "$@"; do kn get msbackup "$b" >/dev/null 2>&1 && left="$left $b"; done
    [[ -z $left ]] && return 0
    (( SECONDS < deadline )) || die "retention did not delete$left within the wait ($(completed))"
    sleep 3
  done
}

phase "1. stack $NS/$STACK with the volume target $CLAIM (load $(cut -d' ' -f1-3 /proc/loadavg))"
k create namespace "$NS" --dry-run=client -o yaml | k apply -f - >/dev/null
k label namespace "$NS" --overwrite pod-security.kubernetes.io/enforce=restricted >/dev/null
kn apply -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: $CLAIM}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
YAML
if ! kn get messagestack "$STACK" >/dev/null 2>&1; then
  kn apply -f - >/dev/null <<YAML
apiVersion: messagestack.io/v1alpha1
kind: MessageStack
metadata: {name: $STACK}
spec:
  database:
    engine: mariadb-galera
    replicas: 1
    allowUnsafeSingleNode: true
    storage: {size: 1Gi, deleteWithStack: true}
    resources: {requests: {cpu: 100m, memory: 256Mi}, limits: {memory: 768Mi}}
  proxy: {replicas: 1}
  api: {replicas: 1}
  frontend: {replicas: 1}
  backup:
    storage: {pvc: {claimName: $CLAIM}}
YAML
fi
kn patch messagestack "$STACK" --type json -p '[{"op": "remove", "path": "/spec/backup/retention"}]' >/dev/null 2>&1 || true
kn patch messagestack "$STACK" --type merge -p "{\"spec\":{\"backup\":{\"storage\":{\"s3\":null,\"pvc\":{\"claimName\":\"$CLAIM\"}}}}}" >/dev/null
wait_ready "$STACK"
# The claim is left unbound here when its class binds on first use (kind's local-path): the first backup Job's pod,
# placed by the scheduler on the database pod's node, binds it (it was pinned with spec.nodeName before, which
# skips the scheduler, and waited in Init for ever).
echo "   $CLAIM before the first backup: $(kn get pvc "$CLAIM" -o jsonpath='{.status.phase}')"
sql "$STACK-db-0" "CREATE TABLE IF NOT EXISTS bt_rows (id INT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(100)) ENGINE=InnoDB"

phase "2. three backups to the volume"
declare -a B=() SUMS=()
for i in 1 2 3; do
  sql "$STACK-db-0" "INSERT INTO bt_rows (body) WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 20)
    SELECT CONCAT('run $RUN backup $i row ', n) FROM s"
  SUMS[i]=$(sum "$STACK-db-0")
  b=bt-$RUN-$i
  p=$(backup "$b")
  [[ $p == Completed ]] || die "backup $b to the volume: $p ($(kn get msbackup "$b" -o jsonpath='{.status.reason}'))"
  loc=$(kn get msbackup "$b" -o jsonpath='{.status.location}')
  [[ $loc == pvc://$CLAIM/* ]] || die "backup $b location '$loc', want pvc://$CLAIM/..."
  B[i]=$b
  ok "$b Completed at $loc ($(kn get msbackup "$b" -o jsonpath='{.status.size}') bytes; rows, checksum at the backup: ${SUMS[i]})"
done
listing=$(volume_listing)
for i in 1 2 3; do grep -q "/${B[i]}/manifest.json" <<<"$listing" || die "${B[i]}/manifest.json not on the volume: $listing"; done
ok "the volume holds the three manifests"

phase "3. restore from the volume: a new stack $STACK-r from ${B[1]}"
kn delete messagestack "$STACK-r" --ignore-not-found --wait=true --timeout=300s >/dev/null
t0=$SECONDS
kn apply -f - >/dev/null <<YAML
apiVersion: messagestack.io/v1alpha1
kind: MessageStack
metadata: {name: $STACK-r}
spec:
  database:
    engine: mariadb-galera
    replicas: 1
    allowUnsafeSingleNode: true
    storage: {size: 1Gi, deleteWithStack: true}
    resources: {requests: {cpu: 100m, memory: 256Mi}, limits: {memory: 768Mi}}
    restore: {backup: ${B[1]}}
  proxy: {replicas: 1}
  api: {replicas: 1}
  frontend: {replicas: 1}
YAML
wait_ready "$STACK-r"
got=$(sum "$STACK-r-db-0")
[[ $got == "${SUMS[1]}" ]] || die "$STACK-r: rows, checksum = $got; at backup ${B[1]} the source had ${SUMS[1]}"
ok "$STACK-r Ready $((SECONDS - t0)) s after it was created; rows, checksum = $got (as at ${B[1]}); restore log: $(kn logs "$STACK-r-db-0" -c restore 2>/dev/null | jq -r 'select(.msg == "restored") | "\(.msg) \(.location // "")"' | head -1)"
kn delete messagestack "$STACK-r" --wait=true --timeout=300s >/dev/null
for _ in $(seq 1 60); do [[ -z $(kn get pvc -l "app.kubernetes.io/instance=$STACK-r" -o name) ]] && break; sleep 2; done
ok "$STACK-r deleted; its volumes left: '$(kn get pvc -l "app.kubernetes.io/instance=$STACK-r" -o name | tr '\n' ' ')' (deleteWithStack: none)"

phase "4. retention on $STACK"
before=$(completed)
echo "   Completed before: $before"
kn patch messagestack "$STACK" --type merge -p '{"spec":{"backup":{"retention":{"count":2}}}}' >/dev/null
# Retention counts every Completed backup of the stack: earlier runs' backups go first (oldest first).
keep2=$(kn get msbackup -o json | jq -r --arg s "$STACK" '[.items[] | select(.spec.stack == $s and .status.phase == "Completed")]
  | sort_by(.status.endTime, .metadata.name) | .[-2:] | map(.metadata.name) | sort | join(" ")')
mapfile -t gone < <(kn get msbackup -o json | jq -r --arg s "$STACK" '[.items[] | select(.spec.stack == $s and .status.phase == "Completed")]
  | sort_by(.status.endTime, .metadata.name) | .[:-2][] | .metadata.name')
retention_wait 300 "${gone[@]}"
[[ $(completed) == "$keep2" ]] || die "count 2 kept '$(completed)', want '$keep2'"
listing=$(volume_listing)
for b in "${gone[@]}"; do ! grep -q "/$b/manifest.json" <<<"$listing" || die "$b was deleted as a record but its manifest is still on the volume"; done
for b in $keep2; do grep -q "/$b/manifest.json" <<<"$listing" || die "$b is kept but its manifest is gone from the volume"; done
ok "count 2: deleted exactly ${gone[*]} (records and manifests), kept $keep2 on the volume"
kn get events --field-selector "involvedObject.name=$STACK,reason=BackupRetention" -o jsonpath='{range .items[*]}{.message}{"\n"}{end}' | tail -n "${#gone[@]}" | sed 's/^/   event: /'

kn patch messagestack "$STACK" --type merge -p '{"spec":{"backup":{"retention":{"count":1,"maxAge":"1d"}}}}' >/dev/null
sleep 75   # more than one reconcile of a Ready stack (about once a minute)
[[ $(completed) == "$keep2" ]] || die "count 1 + maxAge 1d deleted something: '$(completed)', want '$keep2'"
ok "count 1 + maxAge 1d: nothing deleted (maxAge keeps both), still $keep2"

newest=${B[3]}
older=${keep2/$newest/}; older=${older// /}
kn patch messagestack "$STACK" --type json -p '[{"op": "replace", "path": "/spec/backup/retention", "value": {"maxAge": "1m"}}]' >/dev/null
retention_wait 300 "$older"
[[ $(completed) == "$newest" ]] || die "maxAge 1m kept '$(completed)', want only the newest $newest"
listing=$(volume_listing)
grep -q "/$newest/manifest.json" <<<"$listing" || die "the newest backup $newest is gone from the volume"
ok "maxAge 1m: deleted $older, kept the newest $newest (always kept, whatever its age)"

phase "5. failures: retention off, then wrong credentials, a missing bucket and an unreachable endpoint (S3)"
kn patch messagestack "$STACK" --type json -p '[{"op": "remove", "path": "/spec/backup/retention"}]' >/dev/null
kn apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Secret
metadata: {name: bt-wrong-keys}
type: Opaque
stringData: {AWS_ACCESS_KEY_ID: not-a-key-$RUN, AWS_SECRET_ACCESS_KEY: not-a-secret-$RUN}
YAML
echo "   Secret backup-s3 (the right keys): $(copy_store_credentials "$STORE_NS" "$NS")"
sts_gen=$(kn get sts "$STACK-db" -o jsonpath='{.metadata.generation}')
records_before=$(records)
listing_before=$(volume_listing)
# Each case: label, Secret, bucket, and the words its reason must hold (the two causes told apart).
for case_ in "wrong-keys bt-wrong-keys $BUCKET credentials objectstore" "no-bucket backup-s3 messagestack-no-such-bucket-$RUN does-not-exist objectstore" \
             "no-endpoint backup-s3 $BUCKET unreachable objectstore-nowhere"; do
  read -r label secret bucket cause host <<<"$case_"
  kn patch messagestack "$STACK" --type merge -p "{\"spec\":{\"backup\":{\"storage\":{\"pvc\":null,\"s3\":{
    \"endpoint\":\"http://$host.$STORE_NS.svc:7070\",\"bucket\":\"$bucket\",\"prefix\":\"kind-targets\",
    \"credentialsSecret\":{\"name\":\"$secret\"}}}}}}" >/dev/null
  b=bt-$RUN-$label
  t0=$SECONDS
  p=$(backup "$b")
  reason=$(kn get msbackup "$b" -o jsonpath='{.status.reason}')
  [[ $p == Failed && -n $reason ]] || die "$label: backup $b ended '$p' with reason '$reason', want Failed with a reason"
  case $cause in
    credentials) grep -q "check the credentials Secret" <<<"$reason" || die "$label: the reason does not point at the credentials: $reason" ;;
    does-not-exist) grep -q "the bucket does not exist" <<<"$reason" || die "$label: the reason does not say the bucket is missing: $reason" ;;
    unreachable) grep -q "host name does not resolve\|cannot be reached" <<<"$reason" || die "$label: the reason does not say the endpoint is unreachable: $reason" ;;
  esac
  ! grep -q "not-a-secret" <<<"$reason$(kn get events --field-selector "involvedObject.name=$b" -o jsonpath='{.items[*].message}')" \
    || die "$label: the secret key appears in the reason or an event"
  failing=$(kn get messagestack "$STACK" -o jsonpath='{.status.conditions[?(@.type=="BackupFailing")].status}')
  ok "$label: $b Failed after $((SECONDS - t0)) s, reason: $reason; BackupFailing=$failing"
done
[[ $(kn get sts "$STACK-db" -o jsonpath='{.metadata.generation}') == "$sts_gen" ]] || die "the storage changes rolled the database StatefulSet"
for r in $records_before; do
  [[ $(kn get "$r" -o jsonpath='{.status.phase}') == Completed ]] || die "$r is no longer Completed after the failures"
done
kn patch messagestack "$STACK" --type merge -p "{\"spec\":{\"backup\":{\"storage\":{\"s3\":null,\"pvc\":{\"claimName\":\"$CLAIM\"}}}}}" >/dev/null
[[ $(volume_listing) == "$listing_before" ]] || die "the volume's backups changed during the failures"
ok "nothing touched: the volume's backups ($(wc -l <<<"$listing_before")), their records still Completed, the database StatefulSet not rolled (generation $sts_gen); storage back to the volume"

b=bt-$RUN-after
[[ $(backup "$b") == Completed ]] || die "a backup to the volume after the failures: $(kn get msbackup "$b" -o jsonpath='{.status.reason}')"
for _ in $(seq 1 60); do
  [[ $(kn get messagestack "$STACK" -o jsonpath='{.status.conditions[?(@.type=="BackupFailing")].status}') == False ]] && break
  sleep 2
done
ok "back on the volume: $b Completed, BackupFailing=$(kn get messagestack "$STACK" -o jsonpath='{.status.conditions[?(@.type=="BackupFailing")].status}') (one success clears it)"

phase "kind backup targets passed: $PASSED checks (the volume target, a restore from it, retention count/age, wrong keys, missing bucket, unreachable endpoint)"
