#!/usr/bin/env bash
# make test-backup-kind: a backup and a restore on the kind lab, as a user does them, with the operator, the
# sample stack and the lab's object store (issue 14). Steps, each printed as it runs:
#   1. credentials  Secret backup-s3 with the object store's keys in the stack's namespace and in the namespace
#                   the restore goes to, copied once from messagestack-objectstore/objectstore-credentials (never
#                   printed; an existing one is kept)
#   2. spec.backup  on the sample stack: the lab bucket, prefix kind-roundtrip (a merge patch: safe to repeat)
#   3. writes       20 messages through the page's address (nginx -> message-api -> HAProxy -> Galera)
#   4. checksum     row count and CRC of the messages table, on the database
#   5. backup       `kubectl messagestack backup --wait`: Completed; the stack's status names it as the last
#                   successful backup and BackupFailing is False
#   6. restore      `kubectl messagestack restore --target-namespace` into a new stack under another name in
#                   another namespace (read from the store by location; one proxy, API and frontend pod)
#   7. compare      once it is Ready, every restored database node has the same rows and checksum as step 4
#   8. cleanup      the restored MessageStack is deleted; its volumes stay (like every stack's: the operator
#                   never deletes data) and are listed for a person to remove
# Fails on the first check that does not hold. Needs `make up` (or deploy-sample) and `make kubectl-plugin`.
set -euo pipefail
# shellcheck source=hack/operator/lib.sh
source "$(dirname "$0")/../operator/lib.sh"
# shellcheck source=hack/backup/lib.sh
source "$(dirname "$0")/lib.sh"
PLUGIN_BIN="$MS_CACHE/k8s/$K8S_VERSION/bin"
export PATH="$PLUGIN_BIN:$PATH"
NS=$SAMPLE_NS
STACK=$SAMPLE_NAME
STORE_NS=messagestack-objectstore
BUCKET=${LAB_BUCKET:-messagestack-backups}
URL=${SAMPLE_URL:-http://127.0.0.1:8080}
RUN=$(date -u +%H%M%S)
BACKUP=rt-$RUN
RESTORED=$STACK-rt-$RUN
RESTORE_NS=${RESTORE_NS:-messagestack-restore}
kn() { k -n "$NS" "$@"; }
kr() { k -n "$RESTORE_NS" "$@"; }
need kubectl "run make toolchain"
need jq "apt-get install jq"
need kubectl-messagestack "run make kubectl-plugin"
require_cluster

# sql POD QUERY: one query as root inside the pod's database container (the password stays in the pod).
# (RESTORE_SQL=1: the pod is in the restore's namespace.)
sql() {
  local ns=$NS
  [[ -n ${RESTORE_SQL:-} ]] && ns=$RESTORE_NS
  # shellcheck disable=SC2016  # expanded by the pod's shell, from its own environment
  k -n "$ns" exec "$1" -c database -- sh -c 'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" exec mariadb -uroot -N -B "$APP_DATABASE" -e "$0"' "$2"
}
checksum() { sql "$1" "SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS(0x1f, id, subject, body, created_at))), 0) FROM message"; }

phase "1. credentials: Secret backup-s3 in $NS and $RESTORE_NS from $STORE_NS/objectstore-credentials"
k create namespace "$RESTORE_NS" --dry-run=client -o yaml | k apply -f - >/dev/null
k label namespace "$RESTORE_NS" --overwrite pod-security.kubernetes.io/enforce=restricted \
  pod-security.kubernetes.io/warn=restricted >/dev/null
for ns in "$NS" "$RESTORE_NS"; do
  creds=$(copy_store_credentials "$STORE_NS" "$ns") || die "could not create the Secret backup-s3 in $ns"
  echo "   $ns: $creds"
done

phase "2. spec.backup on $NS/$STACK: s3://$BUCKET/kind-roundtrip"
kn patch messagestack "$STACK" --type merge -p "{\"spec\":{\"backup\":{\"storage\":{\"s3\":{
  \"endpoint\":\"http://objectstore.$STORE_NS.svc:7070\",\"bucket\":\"$BUCKET\",\"prefix\":\"kind-roundtrip\",
  \"credentialsSecret\":{\"name\":\"backup-s3\"}}}}}}" >/dev/null
kn wait messagestack "$STACK" --for=condition=Ready --timeout=300s >/dev/null

phase "3. writes: 20 messages through $URL"
for i in $(seq 1 20); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -m 10 -H 'Content-Type: application/json' \
    -d "{\"subject\":\"round trip $RUN #$i\",\"body\":\"written before backup $BACKUP\"}" "$URL/api/messages/")
  [[ $code == 201 ]] || die "POST $URL/api/messages/ answered $code (want 201)"
done

writer=$STACK-db-0
phase "4. checksum of the messages table on $writer"
before=$(checksum "$writer")
echo "   rows, crc: $before"

phase "5. backup: kubectl messagestack backup $STACK --name $BACKUP --wait"
kubectl-messagestack backup "$STACK" -n "$NS" --context "kind-$CLUSTER_NAME" --name "$BACKUP" --wait --timeout 10m \
  || die "backup $BACKUP did not complete: kubectl -n $NS describe msbackup $BACKUP"
for _ in $(seq 1 60); do
  last=$(kn get messagestack "$STACK" -o jsonpath='{.status.backup.lastSuccessfulBackup}')
  [[ $last == "$BACKUP" ]] && break
  sleep 1
done
[[ $last == "$BACKUP" ]] || die "status.backup.lastSuccessfulBackup is '$last', want $BACKUP"
failing=$(kn get messagestack "$STACK" -o jsonpath='{.status.conditions[?(@.type=="BackupFailing")].status}')
[[ $failing == False ]] || die "condition BackupFailing is '$failing' after a completed backup, want False"
echo "   status.backup.lastSuccessfulBackup=$last, BackupFailing=$failing"

phase "6. restore: kubectl messagestack restore $RESTORED --from-backup $BACKUP --target-namespace $RESTORE_NS"
t_restore=$SECONDS
kubectl-messagestack restore "$RESTORED" -n "$NS" --context "kind-$CLUSTER_NAME" --from-backup "$BACKUP" \
  --target-namespace "$RESTORE_NS" --dry-run \
  | grep -v '^#' | k create --dry-run=client -f - -o json \
  | jq '.spec.proxy.replicas = 1 | .spec.api.replicas = 1 | .spec.frontend.replicas = 1' \
  | k create -f - >/dev/null
kr wait messagestack "$RESTORED" --for=condition=Ready --timeout=900s >/dev/null \
  || die "the restored stack $RESTORE_NS/$RESTORED is not Ready: kubectl messagestack status $RESTORED -n $RESTORE_NS"
echo "   $RESTORE_NS/$RESTORED Ready $((SECONDS - t_restore)) s after it was created"

phase "7. compare: every database node of $RESTORE_NS/$RESTORED against step 4"
for pod in $(kr get pods -l "app.kubernetes.io/instance=$RESTORED,app.kubernetes.io/component=database" -o name); do
  got=$(RESTORE_SQL=1 checksum "${pod#pod/}")
  [[ $got == "$before" ]] || die "${pod#pod/}: rows, crc = $got; the source had $before"
  echo "   ${pod#pod/}: $got (same)"
done

phase "8. cleanup: delete MessageStack $RESTORE_NS/$RESTORED (its volumes stay)"
kr delete messagestack "$RESTORED" --wait=true --timeout=300s >/dev/null
echo "   volumes left for a person to remove (kubectl -n $RESTORE_NS delete pvc ...): $(kr get pvc -l "app.kubernetes.io/instance=$RESTORED" -o name | tr '\n' ' ')"
phase "round trip passed: backup $BACKUP of $NS/$STACK restored as $RESTORE_NS/$RESTORED, $(cut -f1 <<<"$before") rows identical on every node"
