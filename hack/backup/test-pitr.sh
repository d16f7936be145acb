#!/usr/bin/env bash
# make test-pitr: point-in-time recovery's first slice against real parts on loopback, no Kubernetes (docs/pitr.md):
#   a one-node MariaDB Galera with the operator's PITR settings (read from SpecLimits.PITR_CONFIG) and
#   versitygw (S3, posix backend) as plain processes. Then:
#   1. galera-agent binlog-archive follows the node's binary log into the bucket; a base backup (galera-agent backup);
#   2. a steady insert rate (PITR_RATE rows/s for PITR_SECONDS s), each row's acknowledgement time and GTID recorded:
#      the recovery point lag (segment uploaded - row acknowledged) measured for every row, max <= 5 s;
#   3. the archiver stopped (SIGTERM) and restarted while rows are written: it continues after the archive's last seqno;
#   4. the archive: every object is a segment name, the seqnos contiguous from 1 to the server's last one (no overlap),
#      each segment read by mariadb-binlog;
#   5. restore to a time T between two known rows (T, then rows and a DELETE FROM the table after it): the base
#      backup restored, galera-agent binlog-plan + mariadb-binlog --stop-datetime=T replayed into it: exactly the
#      rows acknowledged before T (count and checksum), none after;
#      5c. the same by `galera-agent restore` with RESTORE_TIME (the operator's restore init container): a refusal
#      (T after the archive) leaves the datadir empty, then exactly the rows before T;
#   6. refusals of binlog-plan: T before the first backup, T after the last archived transaction, a gap (one segment
#      missing, through the volume target).
#   7. a second node joins (rsync SST): both binary logs hold the same GTIDs; the archiver moved to it continues
#      the archive without a gap or an overlap.
#   8. archive retention: a second backup b2 after more rows; b1 deleted by the retention Job's command
#      (backup-delete with KEPT_BACKUPS = b2) on S3 and on a volume: exactly the segments wholly at or before b2's
#      seqno are gone, the rest (and a .partial, another history's folder) remain; a restore from b2 to a later T2
#      still plans and replays to exactly the rows before T2.
# Ports (override with env): SQL $PITR_SQL_PORT (26611), restored $PITR_RESTORE_PORT (26612), node 2
# $PITR_NODE2_PORT (26613), Galera $PITR_GCOMM_PORT (26621; node 2 +1..+3), S3 $PITR_S3_PORT (26670). Everything lives in $MS_TEST_RUN (default
# /tmp/messagestack-pitr-test); each run starts from an empty one. Processes are stopped on exit.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
export MS_TEST_RUN=${MS_TEST_RUN:-/tmp/messagestack-pitr-test}
# shellcheck source=hack/api/lib.sh
source "$REPO/hack/api/lib.sh"
# shellcheck source=hack/versions.env
source "$REPO/hack/versions.env"
# shellcheck source=hack/backup/lib.sh
source "$REPO/hack/backup/lib.sh"
MS_CACHE=${MS_CACHE:-$HOME/.cache/messagestack}
SQL_PORT=${PITR_SQL_PORT:-26611}
RESTORE_PORT=${PITR_RESTORE_PORT:-26612}
GCOMM_PORT=${PITR_GCOMM_PORT:-26621}
S3_PORT=${PITR_S3_PORT:-26670}
NODE2_PORT=${PITR_NODE2_PORT:-26613}
RATE=${PITR_RATE:-10}
SECONDS_STEADY=${PITR_SECONDS:-30}
MAX_LAG_MS=${PITR_MAX_LAG_MS:-5000}
VERSITYGW=${VERSITYGW_BIN:-$MS_CACHE/objectstore/$VERSITYGW_VERSION/versitygw}
BUCKET=ms-pitr-test
REGION=us-east-1
S3=http://127.0.0.1:$S3_PORT
FOLDER=lab/shop/demo

PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); say "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); say "FAIL $*"; }
expect() { if [ "$3" = "$2" ]; then pass "$1 ($3)"; else fail "$1: expected '$2', got '$3'"; fi; }

require_root_and_packages
for bin in mariadb-backup mariadb-binlog mbstream zstd curl jq awk go; do
  command -v "$bin" >/dev/null || die "$bin not found (make dataplane-deps)"
done
[ -e /usr/lib/galera/libgalera_smm.so ] || die "galera-4 missing: make dataplane-deps"

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do for _ in $(seq 1 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done; done
}
trap cleanup EXIT

for pidfile in "$MS_TEST_RUN"/*/run/mysqld.pid "$MS_TEST_RUN"/s3.pid "$MS_TEST_RUN"/archiver.pid; do
  [ -e "$pidfile" ] && pid_alive "$pidfile" && { say "stopping a process of an earlier run (pid $(cat "$pidfile"))"; kill "$(cat "$pidfile")"; sleep 3; }
done
rm -rf "$MS_TEST_RUN"; mkdir -p "$MS_TEST_RUN/bin" "$MS_TEST_RUN/s3/buckets" "$MS_TEST_RUN/s3/meta"
chmod 755 "$MS_TEST_RUN"

say "building galera-agent"
(cd "$REPO/galera-agent" && CGO_ENABLED=0 go build -trimpath -o "$MS_TEST_RUN/bin/galera-agent" .)
AGENT=$MS_TEST_RUN/bin/galera-agent
start_loopback_s3 pt
expect "bucket $BUCKET created" 200 "$(s3 PUT "/$BUCKET")"

# --- the node, with the operator's PITR settings (SpecLimits.PITR_CONFIG, what MyCnfRenderer renders)
PITR_CNF=$(sed -n 's/^ *m\.put("\([a-z_]*\)", "\([^"]*\)");$/\1=\2/p' \
  "$REPO/operator/src/main/java/io/messagestack/operator/common/SpecLimits.java")
grep -q '^wsrep_gtid_mode=ON$' <<<"$PITR_CNF" || die "could not read PITR_CONFIG from SpecLimits.java"
DB=$MS_TEST_RUN/db
init_datadir "$DB"
{ base_cnf "$DB" "$SQL_PORT" 50
  cat <<CNF
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
sync_binlog=1
wsrep_on=ON
wsrep_provider=/usr/lib/galera/libgalera_smm.so
wsrep_cluster_address=gcomm://
wsrep_cluster_name=pitr-test
wsrep_node_address=127.0.0.1
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$GCOMM_PORT;gcache.size=64M"
$PITR_CNF
CNF
} >"$DB/my.cnf"
say "PITR settings from SpecLimits: $(tr '\n' ' ' <<<"$PITR_CNF")"
say "starting a one-node Galera cluster on 127.0.0.1:$SQL_PORT"
nohup mariadbd --defaults-file="$DB/my.cnf" --user=mysql --wsrep-new-cluster >>"$DB/stdout.log" 2>&1 &
PIDS+=("$!"); wait_sql "$DB" 90 $!
until [ "$(sql "$DB" "SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'" | cut -f2)" = Synced ]; do sleep 0.5; done
GALERA_UUID=$(sql "$DB" "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_state_uuid'" | cut -f2)

BACKUP_PASSWORD="bk-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# Quotes in the binlog user's password on purpose: they must survive the option file unchanged.
# shellcheck disable=SC2089,SC2090
BINLOG_PASSWORD="bl'\"$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# shellcheck disable=SC2090
export BACKUP_PASSWORD BINLOG_PASSWORD
SST_GRANTS=$(sed -n 's/^const sstGrants = "\(.*\)"$/\1/p' "$REPO/galera-agent/users.go")
BINLOG_GRANTS=$(sed -n 's/^const binlogArchiveGrants = "\(.*\)"$/\1/p' "$REPO/galera-agent/binlog_archive.go")
[ -n "$SST_GRANTS" ] && [ -n "$BINLOG_GRANTS" ] || die "could not read the grants from galera-agent"
# table_sum DIR: rows, max id and checksum of messages.m on the server of DIR, space separated.
table_sum() { sql "$1" "SELECT COUNT(*), MAX(id), SUM(CRC32(CONCAT_WS('|', id, body, created_at))) FROM messages.m" | tr '\t' ' '; }
# restore_point: a whole second (the binary log's granularity) between the rows written before and after it, RFC 3339.
restore_point() { local at; sleep 1.5; at=$(( $(date +%s) + 1 )); sleep 1.5; date -u -d "@$at" +%Y-%m-%dT%H:%M:%SZ; }
# take_backup NAME: galera-agent backup of the node to $FOLDER/backups/NAME (the backup Job's variables); its
# manifest in $MS_TEST_RUN/NAME.manifest.json.
take_backup() {
  local n=$1
  env STACK=demo NAMESPACE=shop BACKUP_NAME="$n" DB_POD=demo-db-0 DB_HOST=127.0.0.1 DB_PORT="$SQL_PORT" \
    DATADIR="$DB/data" BACKUP_TMPDIR="$MS_TEST_RUN" BACKUP_FOLDER="$FOLDER/backups/$n" \
    S3_ENDPOINT="$S3" S3_BUCKET="$BUCKET" S3_REGION="$REGION" TERMINATION_LOG="$MS_TEST_RUN/$n.term" \
    "$AGENT" backup >"$MS_TEST_RUN/$n.out" 2>"$MS_TEST_RUN/$n.log" || { tail "$MS_TEST_RUN/$n.log"; die "backup $n failed"; }
  expect "GET $n's manifest" 200 "$(s3 GET "/$BUCKET/$FOLDER/backups/$n/manifest.json")"
  cp "$MS_TEST_RUN/body" "$MS_TEST_RUN/$n.manifest.json"
}
# restore_by_hand DIR DATA_ZST PLAN LABEL: what a person does with binlog-plan's answer: extract and prepare the
# backup into DIR, start a server on it (pid in HAND_PID), replay the plan's segments up to its stop time with
# mariadb-binlog | mariadb (a pass or fail line named LABEL); the number of segments in HAND_SEGMENTS.
restore_by_hand() {
  local dir=$1 zst=$2 plan=$3 label=$4 segs
  mkdir -p "$dir/data" "$dir/run"
  zstd -dc "$zst" | mbstream -x -C "$dir/data"
  mariadb-backup --prepare --target-dir="$dir/data" >"$dir/prepare.log" 2>&1 || die "prepare failed ($label): $dir/prepare.log"
  chown -R mysql:mysql "$dir"
  base_cnf "$dir" "$RESTORE_PORT" 20 >"$dir/my.cnf"
  nohup mariadbd --defaults-file="$dir/my.cnf" --user=mysql >>"$dir/stdout.log" 2>&1 &
  HAND_PID=$!; PIDS+=("$HAND_PID"); wait_sql "$dir" 90 "$HAND_PID"
  mapfile -t segs < <(jq -r '.segments[]' "$plan")
  HAND_SEGMENTS=${#segs[@]}
  TZ=UTC mariadb-binlog --start-position="$(jq -r .startPosition "$plan")" --stop-datetime="$(jq -r .stopDatetime "$plan")" \
    "${segs[@]}" >"$dir/replay.sql" 2>"$dir/replay.err" || fail "mariadb-binlog ($label): $(tail -3 "$dir/replay.err")"
  if mariadb --no-defaults --socket="$dir/run/mysqld.sock" -uroot <"$dir/replay.sql" 2>"$dir/apply.err"; then
    pass "$label applied"; else fail "$label: $(tail -3 "$dir/apply.err")"; fi
}
sql_quote() { local s=${1//\\/\\\\}; s=${s//\'/\\\'}; printf "'%s'" "$s"; }
sql "$DB" "CREATE USER 'backup'@'%' IDENTIFIED BY $(sql_quote "$BACKUP_PASSWORD"); GRANT $SST_GRANTS ON *.* TO 'backup'@'%';
  CREATE USER 'binlog'@'%' IDENTIFIED BY $(sql_quote "$BINLOG_PASSWORD"); GRANT $BINLOG_GRANTS ON *.* TO 'binlog'@'%';
  CREATE DATABASE messages;
  CREATE TABLE messages.m (id INT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(200), created_at DATETIME(6)) ENGINE=InnoDB;
  INSERT INTO messages.m (body, created_at) SELECT CONCAT('seed ', seq), NOW(6) FROM messages.seq_1_to_1000;"
say "binlog user granted: $BINLOG_GRANTS; gtid_binlog_pos $(sql "$DB" "SELECT @@gtid_binlog_pos")"

# --- 1. the archiver, then a base backup
start_archiver() {
  env DB_HOST=127.0.0.1 DB_PORT="$SQL_PORT" BINLOG_USER=binlog BINLOG_FOLDER="$FOLDER/binlogs" \
    STAGING_DIR="$MS_TEST_RUN/staging" S3_ENDPOINT="$S3" S3_BUCKET="$BUCKET" S3_REGION="$REGION" \
    ARCHIVE_INTERVAL_MS=1000 "$AGENT" binlog-archive 2>>"$MS_TEST_RUN/archiver.log" &
  ARCHIVER=$!; echo "$ARCHIVER" >"$MS_TEST_RUN/archiver.pid"; PIDS+=("$ARCHIVER")
}
say "1. galera-agent binlog-archive to s3://$BUCKET/$FOLDER/binlogs/$GALERA_UUID/"
start_archiver
sleep 2
kill -0 "$ARCHIVER" 2>/dev/null && pass "the archiver runs" || { tail "$MS_TEST_RUN/archiver.log"; die "the archiver exited"; }
take_backup b1
expect "b1 data" 200 "$(s3 GET "/$BUCKET/$FOLDER/backups/b1/data.xbstream.zst")"
mv "$MS_TEST_RUN/body" "$MS_TEST_RUN/b1.data.zst"
say "base backup b1: GTID $(jq -r .position.gtid "$MS_TEST_RUN/b1.manifest.json"), ended $(jq -r .endTime "$MS_TEST_RUN/b1.manifest.json")"
sleep 1.2   # the rows below start in a later second than the backup's end

# insert_rows N RATE LABEL: N rows at RATE/s, one client call each; records "id gtid_seqno ack_ms" per row.
insert_rows() {
  local n=$1 rate=$2 label=$3 i out t0 next now
  t0=$(date +%s%3N)
  for i in $(seq 1 "$n"); do
    out=$(sql "$DB" "INSERT INTO messages.m (body, created_at) VALUES ('$label $i', NOW(6)); SELECT LAST_INSERT_ID(), @@last_gtid")
    printf '%s %s %s\n' "$(cut -f1 <<<"$out")" "$(cut -f2 <<<"$out" | cut -d- -f3)" "$(date +%s%3N)" >>"$MS_TEST_RUN/rows.$label"
    next=$((t0 + i * 1000 / rate)); now=$(date +%s%3N)
    if [ "$next" -gt "$now" ]; then sleep "$(awk -v ms=$((next - now)) 'BEGIN{printf "%.3f", ms/1000}')"; fi
  done
}

# --- 2. steady load: the recovery point lag of every row
say "2. steady load: $RATE rows/s for $SECONDS_STEADY s"
insert_rows $((RATE * SECONDS_STEADY)) "$RATE" steady
sleep 3
# lag per row: the first segment holding its seqno, uploaded at archived_at_ms, minus the row's acknowledgement
recovery_point_lags "$MS_TEST_RUN"
read -r LAG_ROWS LAG_MISSING LAG_MIN LAG_P50 LAG_P95 LAG_MAX <"$MS_TEST_RUN/lag.txt" || true
ACHIEVED=$(awk 'NR == 1 { a = $3 } { b = $3 } END { if (b > a) printf "%.1f", (NR - 1) * 1000 / (b - a); else print "-" }' "$MS_TEST_RUN/rows.steady")
say "recovery point lag over $LAG_ROWS rows at $RATE rows/s asked, $ACHIEVED rows/s achieved: min ${LAG_MIN} ms, p50 ${LAG_P50} ms, p95 ${LAG_P95} ms, max ${LAG_MAX} ms ($(wc -l <"$MS_TEST_RUN/segments.log") segments so far)"
expect "every acknowledged row is in an archived segment" 0 "$LAG_MISSING"
if [ "${LAG_MAX:-999999}" -le "$MAX_LAG_MS" ]; then pass "max recovery point lag ${LAG_MAX} ms <= $MAX_LAG_MS ms"
else fail "max recovery point lag ${LAG_MAX:-none} ms > $MAX_LAG_MS ms"; fi

# --- 3. the archiver stopped and started again while rows are written
say "3. SIGTERM to the archiver, rows written while it is down, then started again"
kill -TERM "$ARCHIVER"; rc=0; wait "$ARCHIVER" || rc=$?
expect "the archiver stops cleanly on SIGTERM" 0 "$rc"
insert_rows 10 20 down
# A statement that changes nothing still takes a seqno of the cluster's domain, and no node logs it (MariaDB
# 10.11): the archive must record the hole as not logged, not as a gap (galera-agent unloggedSegment).
NOOP_DDL="CREATE TABLE IF NOT EXISTS messages.m (id INT AUTO_INCREMENT PRIMARY KEY)"
sql "$DB" "$NOOP_DDL"
# Account statements are replicated and archived like any other (galera-agent runs some at every node start):
# the restore's replay server (--skip-grant-tables) must apply them, not stop on them.
sql "$DB" "CREATE USER IF NOT EXISTS 'pitr_reader'@'%' IDENTIFIED BY 'r-1'; GRANT SELECT ON messages.* TO 'pitr_reader'@'%'"
insert_rows 10 20 down2
start_archiver
sleep 3
grep -q '"msg":"archiving binary logs"' "$MS_TEST_RUN/archiver.log" &&
  say "   resumed: $(grep '"msg":"archiving binary logs"' "$MS_TEST_RUN/archiver.log" | tail -1 | jq -c '{archived_through, start_file}')"
sql "$DB" "FLUSH BINARY LOGS"   # a rotation while it runs: the next file is followed
sql "$DB" "$NOOP_DDL"           # before the new file's first transaction: its Gtid_list says what came before
insert_rows 20 20 rotated

# --- 5a. the restore point: T between the rows above and the rows below
T=$(restore_point)
BEFORE_T=$(table_sum "$DB")
say "restore point T = $T; the table before T: rows, max id, checksum = $BEFORE_T"
insert_rows 10 20 after
sql "$DB" "DELETE FROM messages.m"   # the mistake
sleep 3

# --- 4. the archive
LAST_SEQ=$(sql "$DB" "SELECT @@gtid_binlog_pos" | tr ',' '\n' | awk -F- '$1 == 1 {print $3}')
expect "GET the archive's listing" 200 "$(s3 GET "/$BUCKET?list-type=2&prefix=${FOLDER//\//%2F}%2Fbinlogs%2F$GALERA_UUID%2F")"
grep -o '<Key>[^<]*</Key>' "$MS_TEST_RUN/body" | sed 's/<[^>]*>//g; s|.*/||' | sort >"$MS_TEST_RUN/archive.names"
say "4. the archive holds $(wc -l <"$MS_TEST_RUN/archive.names") objects; the server's last seqno of domain 1 is $LAST_SEQ"
expect "every object is a segment" 0 "$(grep -cvE '^D1-[0-9]{20}-[0-9]{20}-[0-9]{10}-[0-9]{10}\.binlog$' "$MS_TEST_RUN/archive.names" || true)"
expect "seqnos contiguous from 1, no overlap, up to the server's last" "1..$LAST_SEQ ok" \
  "$(awk -F- '{f = $2 + 0; l = $3 + 0; if (NR == 1) { start = f; prev = f - 1 } if (f != prev + 1) { print "break at " f " after " prev; exit } prev = l }
    END { if (prev) print start ".." prev " ok" }' "$MS_TEST_RUN/archive.names" | tail -1)"
mkdir -p "$MS_TEST_RUN/archive"
bad=0
while read -r name; do
  [ "$(s3 GET "/$BUCKET/$FOLDER/binlogs/$GALERA_UUID/$name")" = 200 ] || { bad=$((bad + 1)); continue; }
  mv "$MS_TEST_RUN/body" "$MS_TEST_RUN/archive/$name"
  mariadb-binlog "$MS_TEST_RUN/archive/$name" >/dev/null 2>"$MS_TEST_RUN/archive/$name.err" || bad=$((bad + 1))
done <"$MS_TEST_RUN/archive.names"
expect "each segment read by mariadb-binlog on its own" 0 "$bad"
expect "the two statements that changed nothing: recorded as not logged, each one seqno" "2 2" \
  "$(grep -c '"msg":"seqnos the server did not log' "$MS_TEST_RUN/archiver.log" || true) $(grep '"msg":"seqnos the server did not log' "$MS_TEST_RUN/archiver.log" | jq -s '[.[] | select(.from == .to)] | length')"
expect "no gap reported by the archiver across them" 0 "$(grep -c 'binlog archive gap' "$MS_TEST_RUN/archiver.log" || true)"
expect "no secret in the archiver's log" 0 "$(grep -cF -e "$AWS_SECRET_ACCESS_KEY" -e "$BINLOG_PASSWORD" "$MS_TEST_RUN/archiver.log" || true)"

# --- 5b. restore b1, replay to T
plan() {  # plan LABEL RESTORE_TIME [VAR=value ...]: galera-agent binlog-plan; the result line in LABEL.plan; the exit code
  local label=$1 t=$2; shift 2; local rc=0
  env BINLOG_FOLDER="$FOLDER/binlogs" BASE_MANIFESTS="$MS_TEST_RUN/b1.manifest.json" RESTORE_TIME="$t" \
    OUTPUT_DIR="$MS_TEST_RUN/replay-$label" S3_ENDPOINT="$S3" S3_BUCKET="$BUCKET" S3_REGION="$REGION" "$@" \
    "$AGENT" binlog-plan >"$MS_TEST_RUN/$label.plan" 2>"$MS_TEST_RUN/$label.plan.log" || rc=$?
  echo "$rc"
}
say "5. restore b1 and replay the archive to $T"
expect "binlog-plan to T" 0 "$(plan t "$T")"
say "   plan: $(jq -c '{base, startPosition, stopDatetime, segments: (.segments | length)}' "$MS_TEST_RUN/t.plan")"
R=$MS_TEST_RUN/restore
t0=$(date +%s.%N)
restore_by_hand "$R" "$MS_TEST_RUN/b1.data.zst" "$MS_TEST_RUN/t.plan" replay
RPID=$HAND_PID
RESTORE_SECS=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
AFTER_RESTORE=$(table_sum "$R")
say "   restored in ${RESTORE_SECS}s (extract, prepare, start, replay of $HAND_SEGMENTS segments): $AFTER_RESTORE"
expect "restored to T: rows, max id, checksum = the source's before T" "$BEFORE_T" "$AFTER_RESTORE"
expect "no row written after T" 0 "$(sql "$R" "SELECT COUNT(*) FROM messages.m WHERE body LIKE 'after %'")"
expect "every row acknowledged before T is there" "$(cat "$MS_TEST_RUN"/rows.{steady,down,down2,rotated} | wc -l)" \
  "$(sql "$R" "SELECT COUNT(*) FROM messages.m WHERE body NOT LIKE 'seed %'")"

# --- 5c. the same through galera-agent restore with RESTORE_TIME: what the operator's restore init container runs
say "5c. galera-agent restore of b1 to $T (RESTORE_TIME, the init container's path) into an empty datadir"
R2=$MS_TEST_RUN/restore-agent
kill "$RPID"; for _ in $(seq 1 60); do kill -0 "$RPID" 2>/dev/null || break; sleep 0.5; done   # its port is reused below
mkdir -p "$R2/data" "$R2/run"; chown -R mysql:mysql "$R2"
agent_restore() {  # agent_restore RESTORE_TIME: galera-agent restore as the database's user into $R2/data; the exit code
  local rc=0
  runuser -u mysql -- env ENGINE=mariadb-galera ORDINAL=0 DATADIR="$R2/data" BACKUP_NAME=b1 \
    BACKUP_FOLDER="$FOLDER/backups/b1" BINLOG_FOLDER="$FOLDER/binlogs" RESTORE_TIME="$1" \
    S3_ENDPOINT="$S3" S3_BUCKET="$BUCKET" S3_REGION="$REGION" TERMINATION_LOG="$R2/term" \
    "$AGENT" restore >"$R2/restore.out" 2>>"$R2/restore.log" || rc=$?
  echo "$rc"
}
expect "T one hour after the last archived transaction: refused" 1 "$(agent_restore "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)")"
say "   $(jq -r .error "$R2/restore.out")"
expect "the refusal left the datadir empty" "" "$(ls -A "$R2/data")"
t0=$(date +%s.%N)
expect "galera-agent restore to T" 0 "$(agent_restore "$T")"
AGENT_RESTORE_SECS=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
say "   $(jq -c '.restored | {pointInTime, replayedSegments, gtid}' "$R2/restore.out") in ${AGENT_RESTORE_SECS}s"
expect "the marker names the point in time" "$T" "$(jq -r .pointInTime "$R2/data/messagestack-restored")"
expect "no staging or replay folder left" "no no" \
  "$([ -e "$R2/data/.messagestack-restore" ] && echo yes || echo no) $([ -e "$R2/data/.messagestack-restore-replay" ] && echo yes || echo no)"
base_cnf "$R2" "$RESTORE_PORT" 20 >"$R2/my.cnf"
nohup mariadbd --defaults-file="$R2/my.cnf" --user=mysql >>"$R2/stdout.log" 2>&1 &
R2PID=$!; PIDS+=("$R2PID"); wait_sql "$R2" 90 "$R2PID"
expect "restored by the agent to T: rows, max id, checksum = the source's before T" "$BEFORE_T" \
  "$(table_sum "$R2")"
expect "restored by the agent: the account statements before T replayed" 1 \
  "$(sql "$R2" "SELECT COUNT(*) FROM mysql.user WHERE user = 'pitr_reader'")"
expect "restored by the agent: no row written after T" 0 "$(sql "$R2" "SELECT COUNT(*) FROM messages.m WHERE body LIKE 'after %'")"
expect "no secret in the restore's output" 0 "$(cat "$R2/restore.out" "$R2/restore.log" | grep -cF -e "$AWS_SECRET_ACCESS_KEY" -e "$BINLOG_PASSWORD" || true)"
kill "$R2PID"; for _ in $(seq 1 60); do kill -0 "$R2PID" 2>/dev/null || break; sleep 0.5; done

# --- 6. refusals
say "6. refusals"
B1_START=$(jq -r .startTime "$MS_TEST_RUN/b1.manifest.json")
expect "T before the first backup: refused" 1 "$(plan early "$(date -u -d "$B1_START - 1 hour" +%Y-%m-%dT%H:%M:%SZ)")"
say "   $(jq -r .error "$MS_TEST_RUN/early.plan")"
expect "T after the last archived transaction: refused" 1 "$(plan late "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)")"
say "   $(jq -r .error "$MS_TEST_RUN/late.plan")"
# the volume target, with one segment after the backup taken away
GAPDIR=$MS_TEST_RUN/gap-volume/$FOLDER/binlogs/$GALERA_UUID
mkdir -p "$GAPDIR"; cp "$MS_TEST_RUN"/archive/*.binlog "$GAPDIR/"
VICTIM=$(ls "$GAPDIR" | sed -n "$(( $(ls "$GAPDIR" | wc -l) / 2 ))p")
rm "$GAPDIR/$VICTIM"
expect "a gap before T: refused" 1 "$(plan gap "$T" S3_ENDPOINT= BINLOG_DIR="$MS_TEST_RUN/gap-volume")"
say "   (removed $VICTIM) $(jq -r .error "$MS_TEST_RUN/gap.plan")"
grep -q '"error":".*gap: seqnos' "$MS_TEST_RUN/gap.plan" && pass "the refusal names the missing seqnos" || fail "gap reason: $(cat "$MS_TEST_RUN/gap.plan")"
mkdir -p "$MS_TEST_RUN/archive-volume/x/$GALERA_UUID"; cp "$MS_TEST_RUN"/archive/*.binlog "$MS_TEST_RUN/archive-volume/x/$GALERA_UUID/"
expect "the volume target without a gap: the same plan" "$(jq -c '.segments | map(split("/") | last)' "$MS_TEST_RUN/t.plan")" \
  "$(plan vol "$T" S3_ENDPOINT= BINLOG_DIR="$MS_TEST_RUN/archive-volume" BINLOG_FOLDER=x >/dev/null; jq -c '.segments | map(split("/") | last)' "$MS_TEST_RUN/vol.plan")"

# --- 7. a second node: the same GTIDs in both binary logs, and the archiver moved to it continues the archive
say "7. a second node joins (rsync SST); writes on both nodes; the archiver moves to the new node"
DB2=$MS_TEST_RUN/db2
init_datadir "$DB2"
sed -e "s|$DB/|$DB2/|g" -e "s|^port=.*|port=$NODE2_PORT|" -e "s|^wsrep_cluster_address=.*|wsrep_cluster_address=gcomm://127.0.0.1:$GCOMM_PORT|" \
  -e "s|gmcast.listen_addr=tcp://127.0.0.1:$GCOMM_PORT|gmcast.listen_addr=tcp://127.0.0.1:$((GCOMM_PORT + 1));ist.recv_addr=127.0.0.1:$((GCOMM_PORT + 2))|" \
  "$DB/my.cnf" >"$DB2/my.cnf"
printf 'wsrep_sst_method=rsync\nwsrep_sst_receive_address=127.0.0.1:%s\n' $((GCOMM_PORT + 3)) >>"$DB2/my.cnf"
nohup mariadbd --defaults-file="$DB2/my.cnf" --user=mysql >>"$DB2/stdout.log" 2>&1 &
PIDS+=("$!"); wait_sql "$DB2" 180 $!
for _ in $(seq 1 120); do [ "$(sql "$DB2" "SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'" | cut -f2)" = Synced ] && break; sleep 0.5; done
expect "node 2 Synced, cluster size 2" "Synced 2" "$(sql "$DB2" "SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'" | cut -f2) $(sql "$DB2" "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'" | cut -f2)"
for i in 1 2 3 4 5; do
  sql "$DB" "INSERT INTO messages.m (body, created_at) VALUES ('node1 $i', NOW(6))"
  sql "$DB2" "INSERT INTO messages.m (body, created_at) VALUES ('node2 $i', NOW(6))"
done
expect "both nodes: the same gtid_binlog_pos" "$(sql "$DB" "SELECT @@gtid_binlog_pos")" "$(sql "$DB2" "SELECT @@gtid_binlog_pos")"
gtids_of() { mariadb-binlog "$1"/data/mysql-bin.[0-9]* 2>/dev/null | sed -n 's/.*GTID \([0-9]*-[0-9]*-[0-9]*\).*/\1/p' | tail -10; }
expect "both nodes' binary logs: the same last 10 GTIDs" "$(gtids_of "$DB" | paste -sd,)" "$(gtids_of "$DB2" | paste -sd,)"
sleep 0.5
kill -TERM "$ARCHIVER"; wait "$ARCHIVER" || true
expect "a stopped archiver archived everything staged (through the last seqno)" \
  "$(sql "$DB" "SELECT @@gtid_binlog_pos" | tr ',' '\n' | awk -F- '$1 == 1 {print $3}')" \
  "$(grep '"msg":"binary log archiving stopped"' "$MS_TEST_RUN/archiver.log" | tail -1 | jq -r .archived_through)"
SQL_PORT_SAVED=$SQL_PORT; SQL_PORT=$NODE2_PORT
rm -rf "$MS_TEST_RUN/staging"
start_archiver
SQL_PORT=$SQL_PORT_SAVED
sleep 2
insert_rows 20 20 moved
sleep 3
LAST_SEQ=$(sql "$DB" "SELECT @@gtid_binlog_pos" | tr ',' '\n' | awk -F- '$1 == 1 {print $3}')
s3 GET "/$BUCKET?list-type=2&prefix=${FOLDER//\//%2F}%2Fbinlogs%2F$GALERA_UUID%2F" >/dev/null
grep -o '<Key>[^<]*</Key>' "$MS_TEST_RUN/body" | sed 's/<[^>]*>//g; s|.*/||' | sort >"$MS_TEST_RUN/archive2.names"
say "   the archiver on node 2: $(grep '"msg":"archiving binary logs"' "$MS_TEST_RUN/archiver.log" | tail -1 | jq -c '{archived_through, start_file}')"
expect "after the move: seqnos contiguous from 1 to the cluster's last, no overlap" "1..$LAST_SEQ ok" \
  "$(awk -F- '{f = $2 + 0; l = $3 + 0; if (NR == 1) { start = f; prev = f - 1 } if (f != prev + 1) { print "break at " f " after " prev; exit } prev = l }
    END { if (prev) print start ".." prev " ok" }' "$MS_TEST_RUN/archive2.names" | tail -1)"
expect "no gap reported by the archiver" 0 "$(grep -c 'binlog archive gap' "$MS_TEST_RUN/archiver.log" || true)"

# --- 8. archive retention: b2 after more rows; b1 deleted by the retention Job's command (backup-delete with
#        KEPT_BACKUPS = b2): exactly the segments wholly at or before b2's seqno go, on S3 and on the volume
say "8. archive retention: a second backup b2, then b1 deleted as the retention Job does it"
insert_rows 20 20 beforeb2
take_backup b2
B2_GTID=$(jq -r .position.gtid "$MS_TEST_RUN/b2.manifest.json")
B2_SEQ=$(tr ',' '\n' <<<"$B2_GTID" | awk -F- '$1 == 1 {print $3}')
expect "b2 is of the same Galera history" "$GALERA_UUID" "$(jq -r .position.galeraUuid "$MS_TEST_RUN/b2.manifest.json")"
say "   base backup b2: GTID $B2_GTID (domain 1 seqno $B2_SEQ), ended $(jq -r .endTime "$MS_TEST_RUN/b2.manifest.json")"
sleep 1.2
insert_rows 20 20 afterb2
T2=$(restore_point)
BEFORE_T2=$(table_sum "$DB")
say "   restore point T2 = $T2; the table before T2: rows, max id, checksum = $BEFORE_T2"
insert_rows 5 20 aftert2
sleep 3
archive_names() {  # archive_names UUID: the object names of one history's folder in the bucket, sorted
  [ "$(s3 GET "/$BUCKET?list-type=2&prefix=${FOLDER//\//%2F}%2Fbinlogs%2F$1%2F")" = 200 ] || die "listing the archive failed"
  grep -o '<Key>[^<]*</Key>' "$MS_TEST_RUN/body" | sed 's/<[^>]*>//g; s|.*/||' | sort
}
# objects retention must never delete: a .partial file named like an old segment, and another history's segment
OTHER_UUID=00000000-1111-2222-3333-444444444444
OLD_SEG=$(head -1 <(archive_names "$GALERA_UUID"))
printf 'not a segment' >"$MS_TEST_RUN/stranger"
expect "PUT a .partial object into the archive" 200 \
  "$(s3 PUT "/$BUCKET/$FOLDER/binlogs/$GALERA_UUID/$OLD_SEG.partial" --data-binary @"$MS_TEST_RUN/stranger")"
expect "PUT another history's segment" 200 \
  "$(s3 PUT "/$BUCKET/$FOLDER/binlogs/$OTHER_UUID/D1-00000000000000000001-00000000000000000001-0000000001-0000000001.binlog" --data-binary @"$MS_TEST_RUN/stranger")"
archive_names "$GALERA_UUID" >"$MS_TEST_RUN/retention.before"
# what the rule must delete: the segments of domain 1 whose last seqno <= b2's; all of them have a number > 0 on
# each side, else the test proves nothing
awk -F- -v s="$B2_SEQ" '/^D1-[0-9]{20}-[0-9]{20}-[0-9]{10}-[0-9]{10}\.binlog$/ && $3 + 0 <= s' \
  "$MS_TEST_RUN/retention.before" >"$MS_TEST_RUN/retention.expected"
grep -vxF -f "$MS_TEST_RUN/retention.expected" "$MS_TEST_RUN/retention.before" >"$MS_TEST_RUN/retention.kept" || true
say "   the archive before: $(wc -l <"$MS_TEST_RUN/retention.before") objects; wholly at or before seqno $B2_SEQ: $(wc -l <"$MS_TEST_RUN/retention.expected"); the rest: $(wc -l <"$MS_TEST_RUN/retention.kept")"
[ -s "$MS_TEST_RUN/retention.expected" ] && [ "$(grep -c '\.binlog$' "$MS_TEST_RUN/retention.kept")" -gt 0 ] ||
  die "the archive has no segment on one side of b2's seqno: nothing to prove"
# a copy of b1 and the archive on a volume, for the volume target below (before S3's copy is pruned)
VOL=$MS_TEST_RUN/retention-volume
mkdir -p "$VOL/$FOLDER/backups/b1" "$VOL/$FOLDER/binlogs/$GALERA_UUID" "$VOL/$FOLDER/binlogs/$OTHER_UUID"
cp "$MS_TEST_RUN/b1.manifest.json" "$VOL/$FOLDER/backups/b1/manifest.json"
cp "$MS_TEST_RUN/b1.data.zst" "$VOL/$FOLDER/backups/b1/data.xbstream.zst"
while read -r name; do
  [ "$(s3 GET "/$BUCKET/$FOLDER/binlogs/$GALERA_UUID/$name")" = 200 ] || die "GET $name failed"
  mv "$MS_TEST_RUN/body" "$VOL/$FOLDER/binlogs/$GALERA_UUID/$name"
done <"$MS_TEST_RUN/retention.before"
cp "$MS_TEST_RUN/stranger" "$VOL/$FOLDER/binlogs/$OTHER_UUID/D1-00000000000000000001-00000000000000000001-0000000001-0000000001.binlog"

KEPT="[{\"backup\":\"b2\",\"galeraUuid\":\"$GALERA_UUID\",\"gtid\":\"$B2_GTID\"}]"
retention_delete() {  # retention_delete LABEL [VAR=value ...]: galera-agent backup-delete of b1 with the Job's variables; the exit code
  local label=$1; shift; local rc=0
  env BACKUP_NAME=b1 BACKUP_FOLDER="$FOLDER/backups/b1" BINLOG_FOLDER="$FOLDER/binlogs" KEPT_BACKUPS="$KEPT" \
    TERMINATION_LOG="$MS_TEST_RUN/$label.term" S3_ENDPOINT="$S3" S3_BUCKET="$BUCKET" S3_REGION="$REGION" "$@" \
    "$AGENT" backup-delete >"$MS_TEST_RUN/$label.out" 2>"$MS_TEST_RUN/$label.log" || rc=$?
  echo "$rc"
}
deleted_by() { jq -r 'select(.msg == "archived segment deleted") | .segment' "$MS_TEST_RUN/$1.log" | sort; }
say "   8a. S3: backup-delete of b1, KEPT_BACKUPS=$KEPT"
expect "backup-delete of b1 (S3)" 0 "$(retention_delete ret-s3)"
say "   $(jq -c 'select(.msg == "binlog archive pruned") | {deleted, bytes, kept_from_seqno, objects_left}' "$MS_TEST_RUN/ret-s3.log")"
expect "b1's manifest is gone" 404 "$(s3 GET "/$BUCKET/$FOLDER/backups/b1/manifest.json")"
expect "b2's manifest is there" 200 "$(s3 GET "/$BUCKET/$FOLDER/backups/b2/manifest.json")"
expect "S3: exactly the $(wc -l <"$MS_TEST_RUN/retention.expected") segments wholly at or before b2's seqno were deleted (diff)" "" \
  "$(diff "$MS_TEST_RUN/retention.expected" <(deleted_by ret-s3) || true)"
expect "S3: the summary counts them" "$(wc -l <"$MS_TEST_RUN/retention.expected") $B2_SEQ" \
  "$(jq -r 'select(.msg == "binlog archive pruned") | "\(.deleted) \(.kept_from_seqno | capture("(^|,)1:(?<n>[0-9]+)").n)"' "$MS_TEST_RUN/ret-s3.log")"
archive_names "$GALERA_UUID" >"$MS_TEST_RUN/retention.after"
expect "S3: none of them is left" "" "$(grep -xF -f "$MS_TEST_RUN/retention.expected" "$MS_TEST_RUN/retention.after" || true)"
expect "S3: every other object is left (the segment holding seqno $((B2_SEQ + 1)), later ones, the .partial)" "" \
  "$(grep -vxF -f "$MS_TEST_RUN/retention.after" "$MS_TEST_RUN/retention.kept" || true)"
expect "S3: another history's folder is untouched" 1 "$(archive_names "$OTHER_UUID" | wc -l)"
expect "S3: the first segment left holds seqno $((B2_SEQ + 1))" yes \
  "$(grep -E '^D1-.*\.binlog$' "$MS_TEST_RUN/retention.after" | head -1 | awk -F- -v n=$((B2_SEQ + 1)) '{print ($2 + 0 <= n && $3 + 0 >= n) ? "yes" : "no: " $0}')"
# a restore from b2 to T2 (after the prune) still plans, from b2's position, without a gap
plan2() {  # plan2 LABEL [VAR=value ...]: binlog-plan from b2 to T2; the exit code
  local label=$1; shift; local rc=0
  env BINLOG_FOLDER="$FOLDER/binlogs" BASE_MANIFESTS="$MS_TEST_RUN/b2.manifest.json" RESTORE_TIME="$T2" \
    OUTPUT_DIR="$MS_TEST_RUN/replay-$label" S3_ENDPOINT="$S3" S3_BUCKET="$BUCKET" S3_REGION="$REGION" "$@" \
    "$AGENT" binlog-plan >"$MS_TEST_RUN/$label.plan" 2>"$MS_TEST_RUN/$label.plan.log" || rc=$?
  echo "$rc"
}
expect "S3: binlog-plan from b2 to $T2 after the prune" 0 "$(plan2 b2-s3)"
say "   plan: $(jq -c '{base, startPosition, stopDatetime, segments: (.segments | length)}' "$MS_TEST_RUN/b2-s3.plan")"
expect "the plan starts at b2's position" "b2 1-" "$(jq -r '.base + " " + (.startPosition | .[0:2])' "$MS_TEST_RUN/b2-s3.plan")"
# replayed into b2, the plan gives exactly the rows acknowledged before T2
R3=$MS_TEST_RUN/restore-b2
[ "$(s3 GET "/$BUCKET/$FOLDER/backups/b2/data.xbstream.zst")" = 200 ] || die "GET b2's data failed"
mv "$MS_TEST_RUN/body" "$MS_TEST_RUN/b2.data.zst"
restore_by_hand "$R3" "$MS_TEST_RUN/b2.data.zst" "$MS_TEST_RUN/b2-s3.plan" "replay from b2"
R3PID=$HAND_PID
expect "restored from b2 to T2: rows, max id, checksum = the source's before T2" "$BEFORE_T2" \
  "$(table_sum "$R3")"
expect "restored from b2 to T2: every row written before T2, none after" "$(cat "$MS_TEST_RUN"/rows.{afterb2,beforeb2} | wc -l) 0" \
  "$(sql "$R3" "SELECT SUM(body LIKE 'afterb2 %' OR body LIKE 'beforeb2 %'), SUM(body LIKE 'aftert2 %') FROM messages.m" | tr '\t' ' ')"
kill "$R3PID"; for _ in $(seq 1 60); do kill -0 "$R3PID" 2>/dev/null || break; sleep 0.5; done

say "   8b. the volume: backup-delete of b1 from BACKUP_DIR, the archive in BINLOG_DIR (the PVC Job's variables)"
expect "backup-delete of b1 (volume)" 0 "$(retention_delete ret-vol S3_ENDPOINT= BACKUP_DIR="$VOL" BINLOG_DIR="$VOL")"
say "   $(jq -c 'select(.msg == "binlog archive pruned") | {deleted, bytes, kept_from_seqno, objects_left}' "$MS_TEST_RUN/ret-vol.log")"
expect "volume: b1's folder holds no manifest" no "$([ -e "$VOL/$FOLDER/backups/b1/manifest.json" ] && echo yes || echo no)"
expect "volume: exactly the $(wc -l <"$MS_TEST_RUN/retention.expected") segments wholly at or before b2's seqno were deleted (diff)" "" \
  "$(diff "$MS_TEST_RUN/retention.expected" <(deleted_by ret-vol) || true)"
expect "volume: every other file is left, nothing else (diff)" "" \
  "$(diff "$MS_TEST_RUN/retention.kept" <(ls "$VOL/$FOLDER/binlogs/$GALERA_UUID" | sort) || true)"
expect "volume: another history's folder is untouched" 1 "$(ls "$VOL/$FOLDER/binlogs/$OTHER_UUID" | wc -l)"
expect "volume: binlog-plan from b2 to $T2 after the prune" 0 "$(plan2 b2-vol S3_ENDPOINT= BINLOG_DIR="$VOL")"
expect "volume: the same plan as S3's" "$(jq -c '.segments | map(split("/") | last)' "$MS_TEST_RUN/b2-s3.plan")" \
  "$(jq -c '.segments | map(split("/") | last)' "$MS_TEST_RUN/b2-vol.plan")"
expect "no secret in the deletions' output" 0 "$(cat "$MS_TEST_RUN"/ret-*.out "$MS_TEST_RUN"/ret-*.log | grep -cF -e "$AWS_SECRET_ACCESS_KEY" || true)"

kill -TERM "$ARCHIVER"; wait "$ARCHIVER" || true
say "result: $PASSED passed, $FAILED failed; lag p50 ${LAG_P50} ms max ${LAG_MAX} ms at $ACHIEVED rows/s; restore to T in ${RESTORE_SECS}s (by galera-agent restore: ${AGENT_RESTORE_SECS}s)"
[ "$FAILED" -eq 0 ]
