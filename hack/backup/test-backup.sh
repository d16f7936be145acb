#!/usr/bin/env bash
# make test-backup: `galera-agent backup` against real parts on loopback, no Kubernetes:
#   a one-node MariaDB Galera (mariadbd + galera-4, binary log on) with a table of ROWS rows,
#   versitygw (the lab's S3 server, posix backend) as a plain process,
#   the backup user created with the grants galera-agent gives it (users.go, sstGrants).
# Then:
#   1. galera-agent backup to S3 (multipart upload, SigV4); the result line and the termination message;
#   2. download manifest.json and the data object with an independent client (curl --aws-sigv4):
#      size and SHA-256 as the manifest says, the manifest in format version 1;
#   3. restore: zstd -d | mbstream -x, mariadb-backup --prepare, a mariadbd on the restored datadir:
#      the same row count and checksum as the source, the Galera position as the manifest says;
#   4. refused and failed runs leave nothing that looks complete: the same name again (refused,
#      the first backup untouched), a wrong S3 secret key, a missing bucket and an unreachable endpoint (each reason names its cause), a wrong backup password, an interrupted
#      backup (SIGTERM mid-stream): no manifest, no multipart upload left open;
#   5. the volume target (BACKUP_DIR): the same backup into a directory, then restored the same way;
#   6. as in the Job: the datadir as a read-only bind mount, galera-agent and mariadb-backup as the mysql user;
#   7. galera-agent backup-delete (retention): a complete backup is removed, manifest first; a folder without a
#      manifest and a wrong key are refused, and nothing else is touched;
#   8. galera-agent restore (the init container of a new stack): refusals (no manifest, other engine, newer
#      server, SHA-256 mismatch, non-empty datadir) leave the datadir untouched; b2 restored into an empty datadir
#      as the mysql user, then galera-agent start (galera-start.sh) of a NEW two-node stack: ordinal 0
#      bootstraps from the restored data, ordinal 1 joins by SST; rows and CHECKSUM TABLE = the source's.
# Ports (override with env): SQL $BK_SQL_PORT (26411), restored $BK_RESTORE_PORT (26412), Galera
# $BK_GCOMM_PORT (26511), S3 $BK_S3_PORT (27070); step 8's new stack uses SQL +2..+4 and Galera +10..+22. Everything lives in $MS_TEST_RUN (default
# /tmp/messagestack-backup-test); each run starts from an empty one. Processes are stopped on exit.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
export MS_TEST_RUN=${MS_TEST_RUN:-/tmp/messagestack-backup-test}
# shellcheck source=hack/api/lib.sh
source "$REPO/hack/api/lib.sh"
# shellcheck source=hack/versions.env
source "$REPO/hack/versions.env"
# shellcheck source=hack/backup/lib.sh
source "$REPO/hack/backup/lib.sh"
MS_CACHE=${MS_CACHE:-$HOME/.cache/messagestack}
SQL_PORT=${BK_SQL_PORT:-26411}
RESTORE_PORT=${BK_RESTORE_PORT:-26412}
GCOMM_PORT=${BK_GCOMM_PORT:-26511}
S3_PORT=${BK_S3_PORT:-27070}
ROWS=${ROWS:-50000}
BIG_ROWS=${BIG_ROWS:-400000}   # for the interrupted run: enough data that a SIGTERM lands mid-stream
VERSITYGW=${VERSITYGW_BIN:-$MS_CACHE/objectstore/$VERSITYGW_VERSION/versitygw}
BUCKET=ms-backup-test
REGION=us-east-1
S3=http://127.0.0.1:$S3_PORT

PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); say "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); say "FAIL $*"; }
expect() { if [ "$3" = "$2" ]; then pass "$1 ($3)"; else fail "$1: expected '$2', got '$3'"; fi; }

require_root_and_packages
for bin in mariadb-backup mbstream zstd curl jq sha256sum awk go; do
  command -v "$bin" >/dev/null || die "$bin not found (make dataplane-deps installs mariadb-backup; zstd, curl, jq from Debian)"
done
[ -e /usr/lib/galera/libgalera_smm.so ] || die "galera-4 missing: make dataplane-deps"

PIDS=()
cleanup() {
  if mountpoint -q "$MS_TEST_RUN/ro-datadir" 2>/dev/null; then umount "$MS_TEST_RUN/ro-datadir" || true; fi
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do for _ in $(seq 1 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done; done
}
trap cleanup EXIT

# A fresh run directory: nothing of an earlier run is reused (its processes are stopped first).
for pidfile in "$MS_TEST_RUN"/*/run/mysqld.pid "$MS_TEST_RUN"/s3.pid; do
  [ -e "$pidfile" ] && pid_alive "$pidfile" && { say "stopping a process of an earlier run (pid $(cat "$pidfile"))"; kill "$(cat "$pidfile")"; sleep 3; }
done
rm -rf "$MS_TEST_RUN"; mkdir -p "$MS_TEST_RUN/bin" "$MS_TEST_RUN/s3/buckets" "$MS_TEST_RUN/s3/meta"
chmod 755 "$MS_TEST_RUN"

say "building galera-agent"
(cd "$REPO/galera-agent" && CGO_ENABLED=0 go build -trimpath -o "$MS_TEST_RUN/bin/galera-agent" .)
AGENT=$MS_TEST_RUN/bin/galera-agent

# --- the object store: generated keys, known only to this script's environment
start_loopback_s3 bk
expect "bucket $BUCKET created" 200 "$(s3 PUT "/$BUCKET")"

# --- one Galera node with the binary log (the backup's GTID comes from it)
DB=$MS_TEST_RUN/db
init_datadir "$DB"
{ base_cnf "$DB" "$SQL_PORT" 50
  cat <<CNF
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
log_bin=$DB/data/mysql-bin
log_slave_updates=ON
server_id=1
wsrep_on=ON
wsrep_provider=/usr/lib/galera/libgalera_smm.so
wsrep_cluster_address=gcomm://
wsrep_cluster_name=backup-test
wsrep_node_address=127.0.0.1
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$GCOMM_PORT;gcache.size=64M"
CNF
} >"$DB/my.cnf"
say "starting a one-node Galera cluster on 127.0.0.1:$SQL_PORT"
nohup mariadbd --defaults-file="$DB/my.cnf" --user=mysql --wsrep-new-cluster >>"$DB/stdout.log" 2>&1 &
PIDS+=("$!"); wait_sql "$DB" 90 $!
until [ "$(sql "$DB" "SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'" | cut -f2)" = Synced ]; do sleep 0.5; done

# Quotes, a space and an @ in the password on purpose: it must survive the option file unchanged.
# shellcheck disable=SC2089,SC2090
BACKUP_PASSWORD="b@ck'up \"$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# shellcheck disable=SC2090
export BACKUP_PASSWORD
GRANTS=$(sed -n 's/^const sstGrants = "\(.*\)"$/\1/p' "$REPO/galera-agent/users.go")
[ -n "$GRANTS" ] || die "could not read sstGrants from galera-agent/users.go"
sql_quote() { local s=${1//\\/\\\\}; s=${s//\'/\\\'}; printf "'%s'" "$s"; }
sql "$DB" "CREATE USER 'backup'@'%' IDENTIFIED BY $(sql_quote "$BACKUP_PASSWORD"); GRANT $GRANTS ON *.* TO 'backup'@'%';
  CREATE DATABASE messages; CREATE TABLE messages.m (id INT PRIMARY KEY, body VARCHAR(200)) ENGINE=InnoDB;
  INSERT INTO messages.m SELECT seq, CONCAT('message ', seq, ' ', REPEAT(MD5(seq), 3)) FROM messages.seq_1_to_$ROWS;"
SRC_COUNT=$(sql "$DB" "SELECT COUNT(*) FROM messages.m")
SRC_SUM=$(sql "$DB" "CHECKSUM TABLE messages.m" | cut -f2)
say "source: $SRC_COUNT rows, CHECKSUM TABLE $SRC_SUM; backup user granted: $GRANTS"

# agent_backup NAME [VAR=value ...]: runs galera-agent backup to S3; stdout in $MS_TEST_RUN/NAME.out,
# its log in NAME.log, the termination message in NAME.term; prints the exit code.
agent_backup() {
  local name=$1; shift
  local rc=0
  env STACK=demo NAMESPACE=shop BACKUP_NAME="$name" DB_POD=demo-db-1 DB_HOST=127.0.0.1 DB_PORT="$SQL_PORT" \
    DATADIR="$DB/data" BACKUP_TMPDIR="$MS_TEST_RUN" BACKUP_FOLDER="lab/shop/demo/backups/$name" \
    S3_ENDPOINT="$S3" S3_BUCKET="$BUCKET" S3_REGION="$REGION" TERMINATION_LOG="$MS_TEST_RUN/$name.term" \
    "$@" "$AGENT" backup >"$MS_TEST_RUN/$name.out" 2>"$MS_TEST_RUN/$name.log" || rc=$?
  echo "$rc"
}
# open_uploads: how many multipart uploads the bucket holds open ("error" when the listing fails:
# curl 7.88 signs "?uploads" without the "=" S3 puts in the canonical query, so it must be "?uploads=").
open_uploads() {
  [ "$(s3 GET "/$BUCKET?uploads=")" = 200 ] && grep -q ListMultipartUploadsResult "$MS_TEST_RUN/body" || { echo error; return; }
  { grep -o '<UploadId>' "$MS_TEST_RUN/body" || true; } | wc -l
}

# --- 1. a backup to S3
say "1. galera-agent backup b1 to s3://$BUCKET/lab/shop/demo/backups/b1/"
t0=$(date +%s.%N)
rc=$(agent_backup b1)
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b - a}')
expect "backup b1 exit code" 0 "$rc"
[ "$rc" = 0 ] || { tail -20 "$MS_TEST_RUN/b1.log"; die "the backup failed; see $MS_TEST_RUN/b1.log"; }
say "backup took ${secs}s: $(jq -c '{size: .manifest.data.size, position: .manifest.position}' "$MS_TEST_RUN/b1.out")"
expect "termination message = the result line" "$(cat "$MS_TEST_RUN/b1.out")" "$(cat "$MS_TEST_RUN/b1.term")"
for secret in "$AWS_SECRET_ACCESS_KEY" "$BACKUP_PASSWORD"; do
  if grep -qF -- "$secret" "$MS_TEST_RUN/b1.out" "$MS_TEST_RUN/b1.log" "$MS_TEST_RUN/s3.log"; then
    fail "a secret appears in the backup's output or log"
  else pass "no secret in the backup's output and log"; fi
done

# --- 2. what is in the bucket, read by another client
P=/$BUCKET/lab/shop/demo/backups/b1
expect "GET manifest.json" 200 "$(s3 GET "$P/manifest.json")"
cp "$MS_TEST_RUN/body" "$MS_TEST_RUN/b1.manifest.json"
M=$MS_TEST_RUN/b1.manifest.json
expect "manifest formatVersion" 1 "$(jq -r .formatVersion "$M")"
expect "manifest backup name" b1 "$(jq -r .backup "$M")"
expect "manifest engine" mariadb-galera "$(jq -r .engine "$M")"
expect "manifest server version" "$(sql "$DB" "SELECT VERSION()")" "$(jq -r .serverVersion "$M")"
expect "manifest galera uuid = the cluster's" "$(sql "$DB" "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_state_uuid'" | cut -f2)" "$(jq -r .position.galeraUuid "$M")"
expect "manifest gtid = gtid_binlog_pos" "$(sql "$DB" "SELECT @@gtid_binlog_pos")" "$(jq -r .position.gtid "$M")"
expect "manifest = the result line's manifest" "$(jq -cS . "$M")" "$(jq -cS .manifest "$MS_TEST_RUN/b1.out")"
expect "the manifest is in the contract's key order" \
  "$(jq -r 'paths | map(tostring) | join(".")' "$REPO/operator/src/test/resources/backup/manifest-v1.json" | paste -sd,)" \
  "$(jq -r 'paths | map(tostring) | join(".")' "$M" | paste -sd,)"
expect "GET data.xbstream.zst" 200 "$(s3 GET "$P/data.xbstream.zst")"
mv "$MS_TEST_RUN/body" "$MS_TEST_RUN/b1.data.zst"
expect "data size = manifest data.size" "$(jq -r .data.size "$M")" "$(stat -c %s "$MS_TEST_RUN/b1.data.zst")"
expect "data SHA-256 = manifest data.sha256" "$(jq -r .data.sha256 "$M")" "$(sha256sum "$MS_TEST_RUN/b1.data.zst" | cut -d' ' -f1)"
expect "no multipart upload left open" 0 "$(open_uploads)"

# --- 3. restore it and count
# restore_and_check LABEL DATAFILE MANIFEST
restore_and_check() {
  local label=$1 data=$2 manifest=$3 r=$MS_TEST_RUN/restore-$1
  mkdir -p "$r/data" "$r/run"
  local t0; t0=$(date +%s.%N)
  zstd -dc "$data" | mbstream -x -C "$r/data" || { fail "$label: extract"; return; }
  mariadb-backup --prepare --target-dir="$r/data" >"$r/prepare.log" 2>&1 || { fail "$label: prepare (see $r/prepare.log)"; return; }
  say "$label: extracted and prepared in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b - a}')s ($(du -sh "$r/data" | cut -f1))"
  expect "$label: galera info in the backup = the manifest's position" \
    "$(jq -r '.position.galeraUuid + ":" + (.position.galeraSeqno|tostring)' "$manifest")" \
    "$(cut -d' ' -f1 "$r/data/xtrabackup_galera_info" | tr -d '\n')"
  chown -R mysql:mysql "$r"
  base_cnf "$r" "$RESTORE_PORT" 20 >"$r/my.cnf"
  nohup mariadbd --defaults-file="$r/my.cnf" --user=mysql >>"$r/stdout.log" 2>&1 &
  local pid=$!; PIDS+=("$pid")
  wait_sql "$r" 90 "$pid"
  expect "$label: restored row count" "$SRC_COUNT" "$(sql "$r" "SELECT COUNT(*) FROM messages.m")"
  expect "$label: restored CHECKSUM TABLE" "$SRC_SUM" "$(sql "$r" "CHECKSUM TABLE messages.m" | cut -f2)"
  if [ -n "${BIG_COUNT:-}" ]; then
    expect "$label: restored rows of the second table" "$BIG_COUNT" "$(sql "$r" "SELECT COUNT(*) FROM messages.big")"
  fi
  kill "$pid"; for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
}
say "3. restore b1: zstd -d | mbstream -x, mariadb-backup --prepare, mariadbd on it"
restore_and_check s3 "$MS_TEST_RUN/b1.data.zst" "$M"

# --- 4. refusals and failures leave nothing that looks complete
say "4. refused and failed runs"
rc=$(agent_backup b1)
expect "the same name again: refused" 1 "$rc"
grep -q "already holds a complete backup" "$MS_TEST_RUN/b1.out" && pass "the refusal says why" || fail "refusal reason: $(cat "$MS_TEST_RUN/b1.out")"
expect "the first backup's manifest is untouched" "$(sha256sum <"$M")" "$(s3 GET "$P/manifest.json" >/dev/null; sha256sum <"$MS_TEST_RUN/body")"

rc=$(agent_backup b-wrongkey AWS_SECRET_ACCESS_KEY=wrong-secret-key)
expect "wrong S3 secret key: fails" 1 "$rc"
say "   reason: $(jq -r .error "$MS_TEST_RUN/b-wrongkey.out")"
grep -q "check the credentials Secret" "$MS_TEST_RUN/b-wrongkey.out" && pass "wrong S3 secret key: the reason points at the credentials" \
  || fail "wrong S3 secret key: the reason does not name the credentials: $(cat "$MS_TEST_RUN/b-wrongkey.out")"
rc=$(agent_backup b-nobucket S3_BUCKET=messagestack-no-such-bucket)
expect "missing bucket: fails" 1 "$rc"
say "   reason: $(jq -r .error "$MS_TEST_RUN/b-nobucket.out")"
grep -q "the bucket does not exist" "$MS_TEST_RUN/b-nobucket.out" && pass "missing bucket: the reason says the bucket does not exist" \
  || fail "missing bucket: the reason does not say so: $(cat "$MS_TEST_RUN/b-nobucket.out")"
rc=$(agent_backup b-noendpoint S3_ENDPOINT=http://127.0.0.1:1)
expect "unreachable endpoint: fails" 1 "$rc"
say "   reason: $(jq -r .error "$MS_TEST_RUN/b-noendpoint.out")"
grep -q "the endpoint cannot be reached" "$MS_TEST_RUN/b-noendpoint.out" && pass "unreachable endpoint: the reason says so" \
  || fail "unreachable endpoint: the reason does not say so: $(cat "$MS_TEST_RUN/b-noendpoint.out")"
expect "wrong S3 secret key: no manifest" 404 "$(s3 HEAD "/$BUCKET/lab/shop/demo/backups/b-wrongkey/manifest.json" -I)"

rc=$(agent_backup b-wrongpw BACKUP_PASSWORD=not-the-password)
expect "wrong backup password: fails" 1 "$rc"
say "   reason: $(jq -r .error "$MS_TEST_RUN/b-wrongpw.out")"
expect "wrong backup password: no manifest" 404 "$(s3 HEAD "/$BUCKET/lab/shop/demo/backups/b-wrongpw/manifest.json" -I)"
expect "wrong backup password: no data object" 404 "$(s3 HEAD "/$BUCKET/lab/shop/demo/backups/b-wrongpw/data.xbstream.zst" -I)"

say "   adding $BIG_ROWS rows for the interrupted run"
sql "$DB" "CREATE TABLE messages.big (id INT PRIMARY KEY, body VARCHAR(250)) ENGINE=InnoDB;
  INSERT INTO messages.big SELECT seq, CONCAT(REPEAT(MD5(seq), 4), REPEAT(SHA1(seq), 2)) FROM messages.seq_1_to_$BIG_ROWS;"
env STACK=demo NAMESPACE=shop BACKUP_NAME=b-int DB_POD=demo-db-1 DB_HOST=127.0.0.1 DB_PORT="$SQL_PORT" \
  DATADIR="$DB/data" BACKUP_TMPDIR="$MS_TEST_RUN" BACKUP_FOLDER=lab/shop/demo/backups/b-int \
  S3_ENDPOINT="$S3" S3_BUCKET="$BUCKET" S3_REGION="$REGION" TERMINATION_LOG="$MS_TEST_RUN/b-int.term" \
  ZSTD_LEVEL=19 BACKUP_PART_MB=5 "$AGENT" backup >"$MS_TEST_RUN/b-int.out" 2>"$MS_TEST_RUN/b-int.log" &
agent_pid=$!
uploads=0
for _ in $(seq 1 300); do
  uploads=$(open_uploads)
  [ "$uploads" = 1 ] && break
  kill -0 "$agent_pid" 2>/dev/null || break
  sleep 0.1
done
sleep 2
if kill -0 "$agent_pid" 2>/dev/null && [ "$(open_uploads)" = 1 ]; then
  say "   SIGTERM to galera-agent backup (pid $agent_pid) mid-stream: its multipart upload is open"
  kill -TERM "$agent_pid"
  rc=0; wait "$agent_pid" || rc=$?
  expect "interrupted: exit code" 1 "$rc"
  say "   reason: $(jq -r .error "$MS_TEST_RUN/b-int.out")"
  expect "interrupted: no manifest" 404 "$(s3 HEAD "/$BUCKET/lab/shop/demo/backups/b-int/manifest.json" -I)"
  expect "interrupted: the multipart upload was aborted" 0 "$(open_uploads)"
  expect "interrupted: no data object" 404 "$(s3 HEAD "/$BUCKET/lab/shop/demo/backups/b-int/data.xbstream.zst" -I)"
  sleep 1
  if pgrep -f -- "--target-dir=$MS_TEST_RUN/galera-agent-backup-" >/dev/null; then fail "mariadb-backup still running after the agent stopped"; else pass "mariadb-backup stopped with the agent"; fi
else
  wait "$agent_pid" || true
  fail "interrupted run NOT exercised: the backup was not mid-stream when checked (open uploads: $uploads)"
fi

say "   b2: a backup of several parts (BACKUP_PART_MB=5)"
rc=$(agent_backup b2 BACKUP_PART_MB=5)
expect "backup b2 exit code" 0 "$rc"
expect "HEAD b2 data object" 200 "$(s3 HEAD "/$BUCKET/lab/shop/demo/backups/b2/data.xbstream.zst" -I -D "$MS_TEST_RUN/b2.headers")"
etag_parts=$(sed -n 's/^[Ee][Tt]ag: *"\{0,1\}[0-9a-f]*-\([0-9]*\)"\{0,1\}.*/\1/p' "$MS_TEST_RUN/b2.headers" | tr -d '\r')
size_mb=$(( $(jq -r .manifest.data.size "$MS_TEST_RUN/b2.out") / 1048576 ))
if [ -n "$etag_parts" ] && [ "$etag_parts" -ge 2 ]; then pass "b2 was stored in $etag_parts parts (${size_mb} MiB compressed)"; else fail "b2: expected a multipart ETag (-N, N >= 2), headers: $(tr -d '\r' <"$MS_TEST_RUN/b2.headers" | grep -i etag)"; fi
expect "GET b2 data" 200 "$(s3 GET "/$BUCKET/lab/shop/demo/backups/b2/data.xbstream.zst")"
mv "$MS_TEST_RUN/body" "$MS_TEST_RUN/b2.data.zst"
expect "b2 SHA-256 = manifest" "$(jq -r .manifest.data.sha256 "$MS_TEST_RUN/b2.out")" "$(sha256sum "$MS_TEST_RUN/b2.data.zst" | cut -d' ' -f1)"
jq .manifest "$MS_TEST_RUN/b2.out" >"$MS_TEST_RUN/b2.manifest.json"
BIG_COUNT=$(sql "$DB" "SELECT COUNT(*) FROM messages.big")

# --- 5. the volume target
say "5. galera-agent backup to a directory (BACKUP_DIR, the PVC target)"
mkdir -p "$MS_TEST_RUN/volume"
rc=0
env STACK=demo NAMESPACE=shop BACKUP_NAME=d1 DB_POD=demo-db-1 DB_HOST=127.0.0.1 DB_PORT="$SQL_PORT" \
  DATADIR="$DB/data" BACKUP_TMPDIR="$MS_TEST_RUN" BACKUP_FOLDER=shop/demo/backups/d1 BACKUP_DIR="$MS_TEST_RUN/volume" \
  TERMINATION_LOG="$MS_TEST_RUN/d1.term" AWS_SECRET_ACCESS_KEY= AWS_ACCESS_KEY_ID= \
  "$AGENT" backup >"$MS_TEST_RUN/d1.out" 2>"$MS_TEST_RUN/d1.log" || rc=$?
expect "backup d1 to a directory: exit code" 0 "$rc"
V=$MS_TEST_RUN/volume/shop/demo/backups/d1
expect "directory: files" "data.xbstream.zst manifest.json" "$(cd "$V" && echo *)"
expect "directory: SHA-256 = manifest" "$(jq -r .data.sha256 "$V/manifest.json")" "$(sha256sum "$V/data.xbstream.zst" | cut -d' ' -f1)"
restore_and_check dir "$V/data.xbstream.zst" "$V/manifest.json"
say "   restore b2 (several parts, both tables)"
restore_and_check s3-multipart "$MS_TEST_RUN/b2.data.zst" "$MS_TEST_RUN/b2.manifest.json"

# --- 6. as in the Job: the datadir mounted read-only, the agent and mariadb-backup as the mysql user
say "6. the Job's conditions: datadir read-only (a read-only bind mount), run as the mysql user"
RO=$MS_TEST_RUN/ro-datadir
mkdir -p "$RO" "$MS_TEST_RUN/mysql-tmp"; chown mysql:mysql "$MS_TEST_RUN/mysql-tmp"
if mount --bind "$DB/data" "$RO" && mount -o remount,ro,bind "$RO"; then
  if touch "$RO/.probe" 2>/dev/null; then rm -f "$RO/.probe"; fail "the bind mount is writable"; fi
  rc=$(agent_backup b-ro DATADIR="$RO" BACKUP_TMPDIR="$MS_TEST_RUN/mysql-tmp" \
    TERMINATION_LOG="$MS_TEST_RUN/mysql-tmp/b-ro.term" setpriv --reuid=mysql --regid=mysql --init-groups)
  umount "$RO"
  expect "backup from a read-only datadir as mysql: exit code" 0 "$rc"
  [ "$rc" = 0 ] || say "   reason: $(jq -r .error "$MS_TEST_RUN/b-ro.out" 2>/dev/null)"
  expect "b-ro: manifest stored" 200 "$(s3 HEAD "/$BUCKET/lab/shop/demo/backups/b-ro/manifest.json" -I)"
else
  fail "read-only case NOT exercised: mount --bind failed (needs root and a kernel that allows bind mounts)"
fi

# --- 7. retention's deletion: galera-agent backup-delete removes a complete backup (manifest first), refuses the rest
say "7. galera-agent backup-delete"
agent_delete() {
  local name=$1; shift
  local rc=0
  env BACKUP_NAME="$name" BACKUP_FOLDER="lab/shop/demo/backups/$name" S3_ENDPOINT="$S3" S3_BUCKET="$BUCKET" \
    S3_REGION="$REGION" TERMINATION_LOG="$MS_TEST_RUN/$name.delete.term" "$@" \
    "$AGENT" backup-delete >"$MS_TEST_RUN/$name.delete.out" 2>"$MS_TEST_RUN/$name.delete.log" || rc=$?
  echo "$rc"
}
expect "delete b1: exit code" 0 "$(agent_delete b1)"
expect "delete b1: manifest gone" 404 "$(s3 HEAD "/$BUCKET/lab/shop/demo/backups/b1/manifest.json" -I)"
expect "delete b1: data gone" 404 "$(s3 HEAD "/$BUCKET/lab/shop/demo/backups/b1/data.xbstream.zst" -I)"
expect "b2 is untouched" 200 "$(s3 HEAD "/$BUCKET/lab/shop/demo/backups/b2/manifest.json" -I)"
expect "delete a folder without manifest (b-int): refused" 1 "$(agent_delete b-int)"
say "   reason: $(jq -r .error "$MS_TEST_RUN/b-int.delete.out")"
expect "delete with a wrong secret key: fails" 1 "$(agent_delete b2 AWS_SECRET_ACCESS_KEY=wrong-secret-key)"
expect "delete with a wrong secret key: b2 still complete" 200 "$(s3 HEAD "/$BUCKET/lab/shop/demo/backups/b2/manifest.json" -I)"

# --- 8. restore into a NEW stack: galera-agent restore into ordinal 0's empty datadir, then galera-agent start
#        (through galera-start.sh, as in the pod) bootstraps a new two-node cluster from it; ordinal 1 joins by SST.
say "8. galera-agent restore into a new stack, then galera-agent start (new cluster from the backup, a joiner by SST)"
NEW_SQL=("$RESTORE_PORT" "$((SQL_PORT + 2))"); NEW_AGENT=("$((SQL_PORT + 3))" "$((SQL_PORT + 4))")
NEW_GCOMM=("$((GCOMM_PORT + 10))" "$((GCOMM_PORT + 20))")   # IST = +1, SST = +2
NEW_ROOT_PW="new-r00t_'$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"   # not the source's
NEW_APP_PW="new-app-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
for i in 0 1; do
  n=$MS_TEST_RUN/new$i; mkdir -p "$n/data" "$n/run" "$n/conf.d"
  cat >"$n/conf.d/50-loopback.cnf" <<CNF
[mysqld]
port=${NEW_SQL[$i]}
bind-address=127.0.0.1
socket=$n/run/mysqld.sock
wsrep_node_address=127.0.0.1:${NEW_GCOMM[$i]}
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:${NEW_GCOMM[$i]};ist.recv_addr=127.0.0.1:$(( ${NEW_GCOMM[$i]} + 1 ));gcache.size=64M"
wsrep_sst_receive_address=127.0.0.1:$(( ${NEW_GCOMM[$i]} + 2 ))
innodb_buffer_pool_size=64M
performance_schema=OFF
[client]
socket=$n/run/mysqld.sock
CNF
  chown -R mysql:mysql "$n"
done
N0=$MS_TEST_RUN/new0
listing() { find "$1" -mindepth 1 -printf '%P %s\n' | sort | sha256sum | cut -c1-16; }
EMPTY_LISTING=$(listing "$N0/data")
# agent_restore LABEL DATADIR [VAR=value ...]: galera-agent restore as the mysql user (as the init container);
# prints the exit code; result line in LABEL.restore.out, log in LABEL.restore.log.
agent_restore() {
  local label=$1 datadir=$2; shift 2
  local rc=0
  setpriv --reuid=mysql --regid=mysql --init-groups env BACKUP_NAME=b2 BACKUP_FOLDER=lab/shop/demo/backups/b2 \
    S3_ENDPOINT="$S3" S3_BUCKET="$BUCKET" S3_REGION="$REGION" DATADIR="$datadir" POD_NAME=new-db-0 \
    TERMINATION_LOG="$MS_TEST_RUN/mysql-tmp/$label.restore.term" "$@" \
    "$AGENT" restore >"$MS_TEST_RUN/$label.restore.out" 2>"$MS_TEST_RUN/$label.restore.log" || rc=$?
  echo "$rc"
}
reason() { jq -r .error "$MS_TEST_RUN/$1.restore.out" 2>/dev/null; }
# refused_untouched LABEL EXPECTED-TEXT DATADIR LISTING-BEFORE [VAR=value ...]
refused_untouched() {
  local label=$1 text=$2 dir=$3 before=$4; shift 4
  expect "restore $label: refused (exit 1)" 1 "$(agent_restore "$label" "$dir" "$@")"
  if reason "$label" | grep -qF -- "$text"; then pass "restore $label: reason names it: $(reason "$label")"; else fail "restore $label: reason '$(reason "$label")' lacks '$text'"; fi
  expect "restore $label: the datadir is untouched" "$before" "$(listing "$dir")"
}
# Backups that must be refused, on the volume target: copies of b2 with one fact of the manifest changed.
bad_copy() {
  local what=$1 filter=$2 d=$MS_TEST_RUN/bad-$1/lab/shop/demo/backups/b2
  mkdir -p "$d"; cp "$MS_TEST_RUN/b2.data.zst" "$d/data.xbstream.zst"
  jq "$filter" "$MS_TEST_RUN/b2.manifest.json" >"$d/manifest.json"
  chmod -R a+rX "$MS_TEST_RUN/bad-$what"; echo "$MS_TEST_RUN/bad-$what"
}
refused_untouched no-manifest "no manifest.json" "$N0/data" "$EMPTY_LISTING" \
  BACKUP_NAME=b-int BACKUP_FOLDER=lab/shop/demo/backups/b-int
refused_untouched engine "engine percona-xtradb-cluster" "$N0/data" "$EMPTY_LISTING" \
  S3_ENDPOINT= BACKUP_DIR="$(bad_copy engine '.engine = "percona-xtradb-cluster"')"
refused_untouched newer-server "newer than this image" "$N0/data" "$EMPTY_LISTING" \
  S3_ENDPOINT= BACKUP_DIR="$(bad_copy newer '.serverVersion = "10.11.99-MariaDB"')"
refused_untouched sha256 "does not match the manifest" "$N0/data" "$EMPTY_LISTING" \
  S3_ENDPOINT= BACKUP_DIR="$(bad_copy sha '.data.sha256 = ("0" * 64)')"
expect "sha256: no staging folder left" absent "$([ -e "$N0/data/.messagestack-restore" ] && echo present || echo absent)"
NONEMPTY=$MS_TEST_RUN/nonempty/data; mkdir -p "$NONEMPTY"; echo "someone's data" >"$NONEMPTY/keep-me"; chown -R mysql:mysql "$MS_TEST_RUN/nonempty"
refused_untouched non-empty "the datadir is not empty (keep-me)" "$NONEMPTY" "$(listing "$NONEMPTY")"
expect "non-empty: the file is unchanged" "someone's data" "$(cat "$NONEMPTY/keep-me")"
expect "after the refusals: b2 still complete in the store" 200 "$(s3 HEAD "/$BUCKET/lab/shop/demo/backups/b2/manifest.json" -I)"

t0=$(date +%s.%N)
rc=$(agent_restore ok "$N0/data")
expect "restore b2 into new-db-0's empty datadir: exit code" 0 "$rc"
[ "$rc" = 0 ] || { tail -5 "$MS_TEST_RUN/ok.restore.log"; die "the restore failed: $(reason ok)"; }
say "   restored in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')s ($(du -sh "$N0/data" | cut -f1)): $(cat "$MS_TEST_RUN/ok.restore.out")"
expect "termination message = the result line" "$(cat "$MS_TEST_RUN/ok.restore.out")" "$(cat "$MS_TEST_RUN/mysql-tmp/ok.restore.term")"
expect "marker messagestack-restored: backup and position" \
  "b2 $(jq -r '.position.galeraUuid + ":" + (.position.galeraSeqno|tostring)' "$MS_TEST_RUN/b2.manifest.json")" \
  "$(jq -r '.backup + " " + .galeraUuid + ":" + (.galeraSeqno|tostring)' "$N0/data/messagestack-restored")"
expect "grastate.dat: the backup's position" \
  "$(jq -r '.position.galeraUuid + " " + (.position.galeraSeqno|tostring)' "$MS_TEST_RUN/b2.manifest.json")" \
  "$(awk '/^uuid:/{u=$2} /^seqno:/{s=$2} END{print u " " s}' "$N0/data/grastate.dat")"
expect "no staging folder left" absent "$([ -e "$N0/data/.messagestack-restore" ] && echo present || echo absent)"
expect "datadir owned by mysql" mysql "$(stat -c %U "$N0/data/ibdata1")"
RESTORED_LISTING=$(listing "$N0/data")
expect "restore again (a pod restart): exit code" 0 "$(agent_restore again "$N0/data")"
expect "restore again: skipped" skip-restored "$(jq -r .action "$MS_TEST_RUN/again.restore.out")"
expect "restore again: datadir unchanged" "$RESTORED_LISTING" "$(listing "$N0/data")"
expect "ordinal 1: skipped (joins by SST)" skip-member \
  "$(agent_restore member "$MS_TEST_RUN/new1/data" POD_NAME=new-db-1 >/dev/null; jq -r .action "$MS_TEST_RUN/member.restore.out")"

# new_start i / new_agent i: galera-start.sh and galera-agent serve of the new stack's node i, as the mysql user.
# The mysql user runs a copy beside the agent: the checkout may sit where it cannot enter (a `mktemp -d` clone is 0700).
START_SCRIPT=$MS_TEST_RUN/bin/galera-start.sh
install -m 0755 "$REPO/operator/src/main/resources/dataplane/galera-start.sh" "$START_SCRIPT"
other_agent() { echo "127.0.0.1:${NEW_AGENT[$((1 - $1))]}"; }
new_start() {
  local i=$1 n=$MS_TEST_RUN/new$1
  setsid setpriv --reuid=mysql --regid=mysql --init-groups env -i PATH="$PATH" HOME=/tmp \
    POD_NAME="new-db-$i" CLUSTER_NAME=restore-test ENGINE=mariadb-galera \
    MYSQL_ROOT_PASSWORD="$NEW_ROOT_PW" MONITOR_USER=monitor MONITOR_PASSWORD=mon-pw SST_PASSWORD=sst-pw \
    GALERA_AGENT="$AGENT" APP_DATABASE=messages APP_USER=messageapp APP_PASSWORD="$NEW_APP_PW" \
    DATADIR="$n/data" CONF_DIR="$n/conf.d" RUN_DIR="$n/run" RECOVERY_POLL_SECONDS=1 \
    GALERA_PEERS="127.0.0.1:${NEW_GCOMM[0]},127.0.0.1:${NEW_GCOMM[1]}" GALERA_PEER_AGENTS="$(other_agent "$i")" \
    bash "$START_SCRIPT" >>"$n/start.log" 2>&1 </dev/null &
  PIDS+=("$!")
}
new_agent() {
  local i=$1 n=$MS_TEST_RUN/new$1
  setsid setpriv --reuid=mysql --regid=mysql --init-groups env -i POD_NAME="new-db-$i" MONITOR_USER=monitor \
    MONITOR_PASSWORD=mon-pw DATADIR="$n/data" PEER_AGENTS="$(other_agent "$i")" MYSQL_HOST=127.0.0.1 \
    MYSQL_PORT="${NEW_SQL[$i]}" AGENT_LISTEN="127.0.0.1:${NEW_AGENT[$i]}" \
    "$AGENT" >>"$n/agent.log" 2>&1 </dev/null &
  PIDS+=("$!")
}
new_sql() { mariadb --no-defaults -S "$MS_TEST_RUN/new$1/run/mysqld.sock" -uroot -p"$NEW_ROOT_PW" -N -B -e "$2" 2>/dev/null; }
synced() { [ "$(new_sql "$1" "SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'" | cut -f2)" = Synced ]; }
t0=$(date +%s)
new_agent 0; new_agent 1; new_start 1; new_start 0
for _ in $(seq 1 240); do synced 0 && synced 1 && break; sleep 1; done
if synced 0 && synced 1; then pass "new stack: both nodes Synced $(( $(date +%s) - t0 ))s after the start"; else
  fail "new stack: not Synced after 240 s"; tail -5 "$N0/start.log" "$MS_TEST_RUN/new1/start.log"; fi
expect "new-db-0 decided bootstrap-restored" 1 "$(grep -c 'decision="bootstrap-restored"' "$N0/start.log" || true)"
expect "new-db-1 decided join" 1 "$(grep -c 'decision="join"' "$MS_TEST_RUN/new1/start.log" || true)"
if grep -q "SST received: $(jq -r .position.galeraUuid "$MS_TEST_RUN/b2.manifest.json"):" "$MS_TEST_RUN/new1/start.log"; then
  pass "new-db-1 joined by a full state transfer (SST) in the restored history"; else fail "new-db-1: no 'SST received' in the backup's history uuid"; fi
expect "new stack: cluster size" 2 "$(new_sql 1 "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'" | cut -f2)"
SRC_BIG_SUM=$(sql "$DB" "CHECKSUM TABLE messages.big" | cut -f2)
for i in 0 1; do
  expect "new-db-$i: rows of messages.m" "$SRC_COUNT" "$(new_sql "$i" "SELECT COUNT(*) FROM messages.m")"
  expect "new-db-$i: CHECKSUM TABLE messages.m" "$SRC_SUM" "$(new_sql "$i" "CHECKSUM TABLE messages.m" | cut -f2)"
  expect "new-db-$i: rows of messages.big" "$BIG_COUNT" "$(new_sql "$i" "SELECT COUNT(*) FROM messages.big")"
  expect "new-db-$i: CHECKSUM TABLE messages.big" "$SRC_BIG_SUM" "$(new_sql "$i" "CHECKSUM TABLE messages.big" | cut -f2)"
done
expect "the new stack's app password works (the source's accounts were reset)" 1 \
  "$(mariadb --no-defaults -h127.0.0.1 -P"${NEW_SQL[0]}" -umessageapp -p"$NEW_APP_PW" -N -B -e 'SELECT 1' messages 2>&1)"
expect "the new stack accepts writes" 1 "$(new_sql 0 "INSERT INTO messages.m VALUES (0, 'after restore'); SELECT COUNT(*) FROM messages.m WHERE id = 0")"
expect "new-db-0 initialized (a restart is an ordinary restart now)" yes "$([ -e "$N0/data/messagestack-initialized" ] && echo yes || echo no)"
if grep -qF -- "$NEW_ROOT_PW" "$N0/start.log" "$MS_TEST_RUN/ok.restore.log" "$MS_TEST_RUN/ok.restore.out"; then fail "the root password appears in a log"; else pass "no password in the restore's and start's logs"; fi
expect "the init file with root's password is gone" absent "$([ -e "$N0/run/restore-init.sql" ] && echo present || echo absent)"

say "object store: versitygw RSS $(awk '/VmHWM/{print $2" "$3}' /proc/"$(cat "$MS_TEST_RUN/s3.pid")"/status) peak; bucket holds $(du -sh "$MS_TEST_RUN/s3/buckets/$BUCKET" | cut -f1)"
say "backup: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
