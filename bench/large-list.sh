#!/usr/bin/env bash
# The list under data growth (issue 17): a large table, many clients listing all of it at once.
#   1. the test MariaDB (hack/api/start-mariadb.sh), its own database messages_bench (kept
#      between runs, so the table is filled once; the tests' database is not touched);
#   2. the table filled to BENCH_ROWS messages with SQL, in batches of BENCH_INSERT_BATCH;
#   3. one message-api (the packaged fast-jar) with the JVM options the image gives a 384 MiB
#      container (-Xmx96m = 25 %, the Dockerfile's other flags, MALLOC_ARENA_MAX=2);
#   4. a baseline: single create + get of a message, one after the other;
#   5. BENCH_LIST_CLIENTS clients each listing everything (the plain GET /api/messages/)
#      BENCH_LIST_ROUNDS times at once, while the create + get probe keeps running;
#   6. peak RSS of the java process (VmHWM), its log checked for OutOfMemoryError.
# Prints every phase's numbers and error count; exits non-zero on any error in any phase
# (a failed insert, a list that is not 200 or not complete, a probe that fails, an
# OutOfMemoryError, RSS at or over the container limit).
# Knobs: BENCH_ROWS (1000000) BENCH_INSERT_BATCH (50000) BENCH_LIST_CLIENTS (16)
#        BENCH_LIST_ROUNDS (1) BENCH_PROBE_BASELINE (40) BENCH_LARGE_PORT (18190)
# The MariaDB port is shared with `make test-api`: run it as  flock /tmp/ms-test-api.lock bench/large-list.sh
set -euo pipefail
source "$(cd "$(dirname "$0")/.." && pwd)/hack/api/lib.sh"
root=$(repo_root)
ROWS=${BENCH_ROWS:-1000000}
BATCH=${BENCH_INSERT_BATCH:-50000}
CLIENTS=${BENCH_LIST_CLIENTS:-16}
ROUNDS=${BENCH_LIST_ROUNDS:-1}
BASELINE=${BENCH_PROBE_BASELINE:-40}
PORT=${BENCH_LARGE_PORT:-18190}
BENCH_DB=messages_bench
LIMIT_MIB=$(( ${API_MEMORY_LIMIT%m} ))
NAME=bench-large-list
URL=http://127.0.0.1:$PORT
work=$root/bench/results/large-list; rm -rf "$work"; mkdir -p "$work"
# The JVM runs with the image's options (start_api: message-api/src/main/docker/jvm.options and
# -XX:MaxRAM=384m for the container limit: 96 MiB of heap).
# Not the image's: a GC log, to see the pauses the other requests feel.
GC_LOG=$work/gc.log

declare -A errors=([fill]=0 [baseline]=0 [list]=0 [probe]=0 [api-log]=0 [rss]=0)
pids=()
# The MariaDB this run started is stopped at the end (its fixed port would otherwise stay taken);
# one that was already running stays.
mariadb_was_running=
pid_alive "$MS_TEST_RUN/mariadb/run/mysqld.pid" && mariadb_was_running=1
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  stop_api "$NAME" >/dev/null 2>&1 || true
  [[ -n $mariadb_was_running ]] || "$root/hack/api/stop-mariadb.sh" >/dev/null 2>&1 || true
}
trap cleanup EXIT

command -v curl >/dev/null || die "curl not found: run 'make api-deps'"
ensure_app_jar
say "phase: MariaDB (machine load now: $(cut -d' ' -f1-3 /proc/loadavg))"
"$root/hack/api/start-mariadb.sh" >/dev/null
dbdir=$MS_TEST_RUN/mariadb
sql "$dbdir" "CREATE DATABASE IF NOT EXISTS \`$BENCH_DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
  GRANT ALL PRIVILEGES ON \`$BENCH_DB\`.* TO '$APP_USER'@'%';"
bsql() { mariadb --no-defaults --socket="$dbdir/run/mysqld.sock" -uroot -N -B "$BENCH_DB" -e "$1"; }

say "phase: message-api ($NAME, @$API_JVM_OPTIONS -XX:MaxRAM=$API_MEMORY_LIMIT)"
API_LOG=$work/api.log start_api "$NAME" "$PORT" "jdbc:mysql://127.0.0.1:$SINGLE_PORT/$BENCH_DB" \
  "-Xlog:gc:file=$GC_LOG"
api_pid=$(cat "$MS_TEST_RUN/api/$NAME.pid")

say "phase: fill the table to $ROWS messages (batches of $BATCH, plain SQL)"
have=$(bsql "SELECT COUNT(*) FROM message")
fill_started=$(date +%s.%N)
run=$(date +%s)
inserted=0
while (( have + inserted < ROWS )); do
  n=$(( ROWS - have - inserted )); (( n > BATCH )) && n=$BATCH
  # One statement (one transaction) per batch; bodies of about 100 characters.
  if ! bsql "INSERT INTO message (subject, body, created_at, idempotency_key)
      SELECT CONCAT('bench message ', seq), CONCAT('a message body of about one hundred characters, stored with SQL for the large-list benchmark, ', seq),
             NOW(6), CONCAT('bench-$run-', seq) FROM seq_$(( inserted + 1 ))_to_$(( inserted + n ))"; then
    errors[fill]=$(( errors[fill] + 1 )); break
  fi
  inserted=$(( inserted + n ))
  (( inserted % (BATCH * 4) == 0 )) && say "  inserted $inserted"
done
fill_s=$(awk -v a="$fill_started" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
bsql "ANALYZE TABLE message" >/dev/null
rows=$(bsql "SELECT COUNT(*) FROM message")
table_mib=$(bsql "SELECT ROUND((DATA_LENGTH + INDEX_LENGTH) / 1048576) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$BENCH_DB' AND TABLE_NAME = 'message'")
say "table: $rows messages ($table_mib MiB in InnoDB); inserted $inserted in $fill_s s"

# probe OUT SECONDS|COUNT N: create a message, then get it back; one "create_ms get_ms status" line each.
probe_once() {
  local out=$1 key c g pk
  key=probe-$(date +%s%N)
  c=$(curl -sS -o "$work/probe-body" -w '%{http_code} %{time_total}' --max-time 30 -H 'Content-Type: application/json' \
      -H "Idempotency-Key: $key" -d '{"subject":"probe","body":"a single create while the table is listed"}' "$URL/api/messages/") || c="000 30"
  pk=$(sed -nE 's/.*"pk":([0-9]+).*/\1/p' "$work/probe-body" 2>/dev/null || true)
  if [[ ${c%% *} != 201 || -z $pk ]]; then echo "create-failed ${c}" >> "$out"; return; fi
  g=$(curl -sS -o /dev/null -w '%{http_code} %{time_total}' --max-time 30 "$URL/api/messages/$pk/") || g="000 30"
  [[ ${g%% *} == 200 ]] || { echo "get-failed ${g}" >> "$out"; return; }
  echo "ok $(awk -v c="${c#* }" -v g="${g#* }" 'BEGIN{printf "%.1f %.1f", c * 1000, g * 1000}')" >> "$out"
}
# stats FILE COLUMN: n p50 p99 max of the "ok" lines' column (ms)
stats() {
  awk -v col="$2" '$1 == "ok" {print $col}' "$1" | sort -n | awk '{v[NR] = $1} END {
    if (NR == 0) { print "n=0"; exit }
    p50 = v[int((NR - 1) * 0.50) + 1]; p99 = v[int((NR - 1) * 0.99) + 1];
    printf "n=%d p50=%.1f p99=%.1f max=%.1f", NR, p50, p99, v[NR] }'
}
probe_errors() { grep -vc '^ok ' "$1" || true; }

say "phase: baseline, $BASELINE x (create + get), no other load"
: > "$work/probe-baseline.txt"
for _ in $(seq 1 "$BASELINE"); do probe_once "$work/probe-baseline.txt"; done
errors[baseline]=$(probe_errors "$work/probe-baseline.txt")
say "baseline create: $(stats "$work/probe-baseline.txt" 2)  get: $(stats "$work/probe-baseline.txt" 3)  errors=${errors[baseline]}"

say "phase: $CLIENTS clients x $ROUNDS list(s) of everything, with the create + get probe running"
rss_log=$work/rss.log; : > "$rss_log"
( while kill -0 "$api_pid" 2>/dev/null; do
    awk '/VmRSS/{print $2}' "/proc/$api_pid/status" >> "$rss_log" 2>/dev/null || true
    sleep 0.5
  done ) & pids+=($!)
list_client() { # N: one line per list in lists.txt: "curl_exit http_code bytes seconds last_byte"
  local n=$1 r rc meta tailf
  for r in $(seq 1 "$ROUNDS"); do
    meta=$work/meta-$n-$r tailf=$work/tail-$n-$r
    if [[ $n == 1 && $r == 1 ]]; then
      # The first client also counts the messages it received.
      curl -sS --max-time 1800 -w '%{stderr}%{http_code} %{size_download} %{time_total}\n' "$URL/api/messages/" 2>"$meta" \
        | tee >(grep -o '"pk":' | wc -l > "$work/count-1") | tail -c 1 > "$tailf"
      rc=${PIPESTATUS[0]}
      sleep 1 # the counting process substitution finishes
    else
      curl -sS --max-time 1800 -w '%{stderr}%{http_code} %{size_download} %{time_total}\n' "$URL/api/messages/" 2>"$meta" \
        | tail -c 1 > "$tailf"
      rc=${PIPESTATUS[0]}
    fi
    grep -v '^[0-9]\{3\} ' "$meta" >> "$work/curl-errors.txt" || true
    echo "$rc $(grep '^[0-9]\{3\} ' "$meta" | tail -1 || echo '000 0 0') $(cat "$tailf" 2>/dev/null)" >> "$work/lists.txt"
  done
}
rows_before=$(bsql "SELECT COUNT(*) FROM message")
: > "$work/lists.txt"; : > "$work/probe-load.txt"
load_started=$(date +%s.%N)
gc_lines_before=$(wc -l < "$GC_LOG")
clients=()
for n in $(seq 1 "$CLIENTS"); do list_client "$n" & clients+=($!); done
( while :; do probe_once "$work/probe-load.txt"; sleep 0.25; done ) & probe_pid=$!; pids+=($probe_pid)
for p in "${clients[@]}"; do wait "$p" || true; done
kill "$probe_pid" 2>/dev/null || true
load_s=$(awk -v a="$load_started" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
peak_kib=$(awk '/VmHWM/{print $2}' "/proc/$api_pid/status" 2>/dev/null || echo 0)
sampled_kib=$(sort -n "$rss_log" | tail -1)

# A list is good when curl succeeded, the status is 200 and the array was closed.
lists_total=$(wc -l < "$work/lists.txt")
lists_ok=$(awk '$1 == 0 && $2 == 200 && $5 == "]"' "$work/lists.txt" | wc -l)
errors[list]=$(( CLIENTS * ROUNDS - lists_ok ))
counted=$(cat "$work/count-1" 2>/dev/null || echo 0)
# The probe's creates during the lists may or may not be in a list (the chunks are separate
# reads): client 1 must have received between the rows before the lists and the rows after.
rows_after=$(bsql "SELECT COUNT(*) FROM message")
(( counted >= rows_before && counted <= rows_after )) \
  || { say "client 1 received $counted messages; the table had $rows_before before the lists, $rows_after after"; errors[list]=$(( errors[list] + 1 )); }
list_stats=$(awk '$1 == 0 && $2 == 200 {print $4, $3}' "$work/lists.txt" | sort -n | awk '{t[NR] = $1; b += $2} END {
  if (NR == 0) { print "none"; exit } printf "n=%d fastest=%.1fs median=%.1fs slowest=%.1fs MiB_each=%.0f", NR, t[1], t[int((NR + 1) / 2)], t[NR], b / NR / 1048576 }')
errors[probe]=$(probe_errors "$work/probe-load.txt")
kill -0 "$api_pid" 2>/dev/null || { say "message-api exited during the load"; errors[api-log]=$(( errors[api-log] + 1 )); }
oom=$(grep -c 'OutOfMemoryError' "$work/api.log" || true)
unexpected=$(grep -c 'event=unexpected_error\|event=list_stream_failed' "$work/api.log" || true)
errors[api-log]=$(( errors[api-log] + oom + unexpected ))
peak_mib=$(( peak_kib / 1024 ))
# GC pauses during the lists: young and full collections, the longest pause.
gc_stats=$(tail -n +"$(( gc_lines_before + 1 ))" "$GC_LOG" | awk '/Pause Young/ {y++} /Pause Full/ {f++}
  /Pause/ {ms = $NF; sub(/ms$/, "", ms); if (ms + 0 > max) max = ms + 0}
  END {printf "young=%d full=%d longest_pause=%.0fms", y, f, max}')
(( peak_mib < LIMIT_MIB )) || errors[rss]=1
streamed=$(curl -s "$URL/q/metrics" | awk '/^messagestack_list_streams_total/ {printf "%s ", $0}')

total_errors=0; for k in "${!errors[@]}"; do total_errors=$(( total_errors + errors[$k] )); done
{
  echo "message-api large-list benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "command: flock /tmp/ms-test-api.lock bench/large-list.sh  (BENCH_ROWS=$ROWS BENCH_LIST_CLIENTS=$CLIENTS BENCH_LIST_ROUNDS=$ROUNDS)"
  echo "JVM: $(grep -v '^#' "$API_JVM_OPTIONS" | tr '\n' ' ')-XX:MaxRAM=$API_MEMORY_LIMIT MALLOC_ARENA_MAX=2; container limit to stay under: $LIMIT_MIB MiB"
  echo "fill:      $rows messages in the table ($table_mib MiB InnoDB), $inserted inserted now in $fill_s s; errors=${errors[fill]}"
  echo "baseline:  create $(stats "$work/probe-baseline.txt" 2) ms | get $(stats "$work/probe-baseline.txt" 3) ms; errors=${errors[baseline]}"
  echo "lists:     $lists_ok of $(( CLIENTS * ROUNDS )) complete (200, array closed) in $load_s s: $list_stats; client 1 counted $counted messages (table: $rows_before before, $rows_after after); errors=${errors[list]}"
  echo "probe:     during the lists create $(stats "$work/probe-load.txt" 2) ms | get $(stats "$work/probe-load.txt" 3) ms; errors=${errors[probe]}"
  echo "memory:    peak RSS (VmHWM) $peak_mib MiB, highest sample $(( ${sampled_kib:-0} / 1024 )) MiB (limit $LIMIT_MIB); errors=${errors[rss]}"
  echo "gc:        during the lists $gc_stats (-Xlog:gc, $GC_LOG)"
  echo "api log:   OutOfMemoryError=$oom unexpected/failed streams=$unexpected; errors=${errors[api-log]}"
  echo "metrics:   $streamed"
  echo "errors by phase: fill=${errors[fill]} baseline=${errors[baseline]} list=${errors[list]} probe=${errors[probe]} rss=${errors[rss]} api-log=${errors[api-log]}  total=$total_errors"
} | tee "$work/summary.txt"
[[ -s $work/curl-errors.txt ]] && { say "curl errors:"; sort "$work/curl-errors.txt" | uniq -c | head; }
(( total_errors == 0 )) || die "$total_errors error(s); details in $work"
say "no errors"
