#!/usr/bin/env bash
# Benchmark of the whole request path on this machine:
#   wrk -> nginx -> two message-api instances -> HAProxy (single writer) -> 3-node Galera
# and, in the same run, the database's own ceiling: plain JDBC inserts of the same rows into
# the same table through the same HAProxy at the same concurrency.
# Prints requests/s and p50/p99 for list and create, the create/JDBC ratio, the peak RSS
# of the API processes, and every phase's error count (warm-up included); exits non-zero when
# any phase had an error. Results: bench/results/latest.txt (not committed; copy into
# docs/benchmarks.md with the command).
# Knobs: BENCH_CONCURRENCY (16), BENCH_SECONDS (30), BENCH_WARMUP_SECONDS (90),
# BENCH_LIST_RATE_DELAY_MS (19, with 4 connections about 200 requests/s).
set -euo pipefail
source "$(cd "$(dirname "$0")/.." && pwd)/hack/api/lib.sh"
root=$(repo_root)
C=${BENCH_CONCURRENCY:-16}
SECS=${BENCH_SECONDS:-30}
DELAY=${BENCH_LIST_RATE_DELAY_MS:-19}
NGINX_PORT=18180 API1_PORT=18181 API2_PORT=18182
RUN_ID=$(date +%H%M%S)
out=$root/bench/results; mkdir -p "$out"
result=$out/latest.txt
# The API processes run with the image's JVM options (start_api: message-api/src/main/docker/jvm.options
# and -XX:MaxRAM=384m for the container limit), nothing added.

command -v wrk >/dev/null || die "wrk not found: run 'make api-deps'"
ensure_app_jar
connector=$(ls "$root"/message-api/target/quarkus-app/lib/main/com.mysql.mysql-connector-j-*.jar 2>/dev/null | head -1)
[[ -n $connector ]] || die "MySQL Connector/J not found in message-api/target/quarkus-app/lib/main: build message-api"

sampler_pid=
# The Galera cluster this run started is stopped at the end (its fixed ports would otherwise stay
# taken); one that was already running (make api-servers-up) stays.
galera_was_running=
pid_alive "$MS_TEST_RUN/galera/node0/start.pid" && galera_was_running=1
cleanup() {
  [[ -n $sampler_pid ]] && kill "$sampler_pid" 2>/dev/null || true
  stop_nginx bench >/dev/null 2>&1 || true
  stop_api bench-api-1 >/dev/null 2>&1 || true
  stop_api bench-api-2 >/dev/null 2>&1 || true
  [[ -n $galera_was_running ]] || "$root/hack/api/stop-galera.sh" >/dev/null 2>&1 || true
}
trap cleanup EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
say "phase: Galera + HAProxy (machine load now: $load_before)"
"$root/hack/api/start-galera.sh"
sqlh() { mariadb --no-defaults -h127.0.0.1 -P"$HAPROXY_PORT" -u"$APP_USER" -p"$APP_PASSWORD" -N -B "$APP_DB" -e "$1"; }

say "phase: two message-api instances and nginx"
start_api bench-api-1 $API1_PORT "jdbc:mysql://127.0.0.1:$HAPROXY_PORT/$APP_DB"
start_api bench-api-2 $API2_PORT "jdbc:mysql://127.0.0.1:$HAPROXY_PORT/$APP_DB"
start_nginx bench $NGINX_PORT $API1_PORT $API2_PORT
URL=http://127.0.0.1:$NGINX_PORT/

# Peak resident memory of each API process, sampled every second.
rss_log=$out/rss.log; : > "$rss_log"
( while true; do
    for n in 1 2; do
      pid=$(cat "$MS_TEST_RUN/api/bench-api-$n.pid" 2>/dev/null) || continue
      awk -v n="$n" '/VmRSS/{print n, $2}' "/proc/$pid/status" 2>/dev/null
    done >> "$rss_log"
    sleep 1
  done ) &
sampler_pid=$!

run_wrk() { # NAME CONNECTIONS SECONDS MODE [DELAY]
  local name=$1 conns=$2 secs=$3 mode=$4 delay=${5:-0} line script=bench.lua
  (( delay > 0 )) && script=bench-rate.lua
  line=$(wrk -t2 -c"$conns" -d"${secs}s" --timeout 10s -s "$root/bench/wrk/$script" "$URL" -- "$mode" "$RUN_ID" "$delay" \
    | grep '^RESULT') || die "wrk $name failed"
  echo "${line#RESULT }"
}
field() { sed -E "s/.*(^| )$2=([^ ]*).*/\2/" <<<"$1"; }

# Every phase's errors (non-2xx answers and socket errors of wrk, failed JDBC inserts), the
# warm-up's included: they are printed by phase and any of them fails the run at the end.
declare -A phase_errors=()
phase_order=()
count_errors() { # PHASE RESULT_LINE
  local n
  n=$(( $(field "$2" non2xx) + $(field "$2" socket_errors) ))
  [[ -v phase_errors[$1] ]] || phase_order+=("$1")
  phase_errors[$1]=$(( ${phase_errors[$1]:-0} + n ))
  (( n == 0 )) || say "phase $1: $n error(s): $2"
}

# CPU time (user+system, ms) used so far by the processes of each tier, to compare the cost of
# a request independently of what else this machine is running.
tier_pids() {
  case $1 in
    api) cat "$MS_TEST_RUN"/api/bench-api-{1,2}.pid ;;
    nginx) local m; m=$(cat "$MS_TEST_RUN/nginx-bench/nginx.pid"); echo "$m"; pgrep -P "$m" ;;
    haproxy) cat "$MS_TEST_RUN/galera/haproxy.pid" ;;
    galera) cat "$MS_TEST_RUN"/galera/node{0,1,2}/run/mysqld.pid ;;
  esac
}
cpu_ms() {
  local ticks=0 p
  for p in $(tier_pids "$1"); do
    [[ -r /proc/$p/stat ]] && ticks=$(( ticks + $(awk '{print $14 + $15}' "/proc/$p/stat") ))
  done
  echo $(( ticks * 1000 / $(getconf CLK_TCK) ))
}
cpu_snapshot() { local t; for t in api nginx haproxy galera; do printf '%s=%s ' "$t" "$(cpu_ms "$t")"; done; }
# cpu_per_request BEFORE AFTER REQUESTS [EXTRA_CLIENT_MS]: ms of CPU per request by tier
cpu_per_request() {
  local before=$1 after=$2 n=$3 client=${4:-} t total=0 out= d
  for t in api nginx haproxy galera; do
    d=$(( $(field "$after" "$t") - $(field "$before" "$t") ))
    [[ -n $client && $t == api ]] && d=$client
    total=$(( total + d ))
    out+="$( [[ -n $client && $t == api ]] && echo jdbc-client || echo "$t")=$(awk -v d="$d" -v n="$n" 'BEGIN{printf "%.2f", d/n}') "
  done
  echo "${out}total=$(awk -v d="$total" -v n="$n" 'BEGIN{printf "%.2f", d/n}')"
}

# On two shared cores C2 needs a minute or more of load before the hot code is compiled.
WARM=${BENCH_WARMUP_SECONDS:-90}
say "phase: warm-up (JIT), $WARM s of creates and lists"
warm_create=$(run_wrk warmup-create "$C" $(( WARM * 2 / 3 )) create)
say "warm-up create: $warm_create"
count_errors warmup-create "$warm_create"
warm_list=$(run_wrk warmup-list "$C" $(( WARM / 3 )) list)
say "warm-up list: $warm_list"
count_errors warmup-list "$warm_list"

say "phase: list of 20 messages"
sqlh "DELETE FROM message"
phase_order+=(seed); phase_errors[seed]=0
for i in $(seq 1 20); do
  # A failed attempt is counted (it is an error like any other), then resent with the same
  # Idempotency-Key, so each seed message is stored once.
  for attempt in 1 2 3 4 5; do
    curl -fsS -o /dev/null -H 'Content-Type: application/json' \
      -H "Idempotency-Key: seed-$RUN_ID-$i" -d "{\"subject\":\"seed $i\",\"body\":\"a message of the list benchmark\"}" "${URL}api/messages/" \
      && break
    phase_errors[seed]=$(( phase_errors[seed] + 1 )); say "phase seed: message $i attempt $attempt failed"
    # Given up after 5: the run goes on (every phase's count is printed) and fails at the end.
    if (( attempt < 5 )); then sleep 1; fi
  done
done
list_rate=$(run_wrk list-rate 4 "$SECS" list "$DELAY")
say "list at a fixed rate: $list_rate"
count_errors list-rate "$list_rate"
list_max=$(run_wrk list-max "$C" "$SECS" list)
say "list at concurrency $C: $list_max"
count_errors list-max "$list_max"

say "phase: create at concurrency $C"
before=$(sqlh "SELECT COUNT(*) FROM message")
cpu_before=$(cpu_snapshot)
create=$(run_wrk create "$C" "$SECS" create)
cpu_after=$(cpu_snapshot)
after=$(sqlh "SELECT COUNT(*) FROM message")
create_cpu=$(cpu_per_request "$cpu_before" "$cpu_after" "$(field "$create" requests)")
say "create: $create (rows stored: $(( after - before )))"
count_errors create "$create"
# Every acknowledged create must be stored (more rows than acknowledgements is fine: requests in
# flight when wrk stopped); one missing is an error of its own phase.
acked=$(( $(field "$create" requests) - $(field "$create" non2xx) ))
phase_order+=(create-stored); phase_errors[create-stored]=$(( acked > after - before ? acked - (after - before) : 0 ))
(( phase_errors[create-stored] == 0 )) || say "phase create-stored: $acked creates acknowledged, only $(( after - before )) rows stored"
say "create CPU ms per request: $create_cpu"

kill "$sampler_pid" 2>/dev/null || true; sampler_pid=
peak_rss=$(awk '{ if ($2 > max[$1]) max[$1] = $2 } END { for (n in max) printf "bench-api-%s %.0f MiB  ", n, max[n] / 1024 }' "$rss_log")

say "phase: plain JDBC insert ceiling, $C connections, $SECS s (API instances idle)"
cpu_before=$(cpu_snapshot)
jdbc=$(java -cp "$connector" "$root/bench/JdbcInsertCeiling.java" "jdbc:mysql://127.0.0.1:$HAPROXY_PORT/$APP_DB?cachePrepStmts=true" \
  "$APP_USER" "$APP_PASSWORD" "$C" "$SECS" | grep '^RESULT') || die "the JDBC insert client failed or printed no RESULT line"
cpu_after=$(cpu_snapshot)
jdbc=${jdbc#RESULT }
# The JDBC run includes a 3 s warm-up: count its inserts over the whole run for CPU per insert.
jdbc_all=$(awk -v r="$(field "$jdbc" rps)" -v s="$SECS" 'BEGIN{printf "%d", r * (s + 3)}')
jdbc_cpu=$(cpu_per_request "$cpu_before" "$cpu_after" "$jdbc_all" "$(field "$jdbc" client_cpu_ms)")
say "jdbc: $jdbc"
[[ -v phase_errors[jdbc] ]] || phase_order+=(jdbc)
phase_errors[jdbc]=$(field "$jdbc" errors)
say "jdbc CPU ms per insert (approx.): $jdbc_cpu"

ratio=$(awk -v a="$(field "$create" rps)" -v b="$(field "$jdbc" rps)" 'BEGIN { printf "%.2f", a / b }')
{
  echo "MessageStack message-api benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load before the run: $load_before"
  echo "path: wrk -> nginx -> 2 x message-api -> HAProxy (single writer) -> 3-node MariaDB Galera, all on loopback"
  echo "command: make bench-api  (BENCH_CONCURRENCY=$C BENCH_SECONDS=$SECS BENCH_WARMUP_SECONDS=$WARM BENCH_LIST_RATE_DELAY_MS=$DELAY)"
  echo "machine load (1/5/15 min) at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  printf '%-34s %10s %9s %9s %9s %s\n' "measurement" "req/s" "p50 ms" "p99 ms" "max ms" "errors"
  for row in "list, fixed rate (4 conns, ${DELAY} ms pause)|$list_rate" "list, $C connections|$list_max" "create, $C connections|$create"; do
    r=${row#*|}
    printf '%-34s %10s %9s %9s %9s %s\n' "${row%%|*}" "$(field "$r" rps)" "$(field "$r" p50_ms)" "$(field "$r" p99_ms)" "$(field "$r" max_ms)" \
      "non2xx=$(field "$r" non2xx) socket=$(field "$r" socket_errors)"
  done
  printf '%-34s %10s %9s %9s %9s %s\n' "plain JDBC insert, $C connections" "$(field "$jdbc" rps)" "$(field "$jdbc" p50_ms)" "$(field "$jdbc" p99_ms)" "-" "errors=$(field "$jdbc" errors)"
  echo
  echo "create / JDBC ceiling ratio: $ratio   (target >= 0.70)"
  echo "list p99 at ~$(field "$list_rate" rps) req/s: $(field "$list_rate" p99_ms) ms   (target < 20 ms at 200 req/s)"
  echo "API peak RSS during the HTTP runs: $peak_rss  (target < 256 MiB each)"
  echo
  echo "CPU ms per create  (by tier): $create_cpu"
  echo "CPU ms per JDBC insert      : $jdbc_cpu"
  echo "=> with $(nproc) cores fully used, the create path tops out near $(awk -v t="$(field "$create_cpu" total)" -v c="$(nproc)" 'BEGIN{printf "%.0f", c*1000/t}') req/s and plain JDBC near $(awk -v t="$(field "$jdbc_cpu" total)" -v c="$(nproc)" 'BEGIN{printf "%.0f", c*1000/t}') inserts/s"
  total_errors=0 by_phase=
  for p in "${phase_order[@]}"; do by_phase+="$p=${phase_errors[$p]} "; total_errors=$(( total_errors + phase_errors[$p] )); done
  echo
  echo "errors by phase (wrk: non-2xx + socket errors; seed: failed attempts; create-stored: acknowledged but not stored; jdbc: failed inserts): ${by_phase}total=$total_errors"
} | tee "$result"
total_errors=0
for p in "${phase_order[@]}"; do total_errors=$(( total_errors + phase_errors[$p] )); done
(( total_errors == 0 )) || die "$total_errors error(s) in the run (warm-up included); see the errors by phase above"
