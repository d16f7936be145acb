#!/usr/bin/env bash
# message-api start and warm-up (issue 17 part 4), with the image's JVM options (jvm.options,
# -XX:MaxRAM=384m for the container limit, its class-data sharing archive):
#   1. start-to-ready, BENCH_STARTUP_RUNS times: from launching java to /q/health/ready answering
#      UP (polled every 50 ms), split into Quarkus' own "started in" and the rest (schema check
#      and the warm-up rounds readiness waits for); the median is what counts;
#   2. the warm-up curve: a fresh instance, then BENCH_STARTUP_SECONDS of creates from
#      BENCH_STARTUP_CONCURRENCY wrk connections at once; every 10 s the CPU the JVM used
#      (/proc/PID/stat utime+stime) divided by the creates stored in that window (rows counted in
#      the database); steady state = the mean of the last three windows; the target is every
#      window from 30 s on within 25 % of it.
# Exits non-zero when any request fails (wrk non-2xx or socket errors) or the service does not
# start; a missed target is printed, not an error (the machine is shared: see the load average).
# Knobs: BENCH_STARTUP_RUNS (5) BENCH_STARTUP_SECONDS (180; 0: starts only) BENCH_STARTUP_CONCURRENCY (16)
#        BENCH_STARTUP_PORT (18195) BENCH_STARTUP_JAVA_OPTS (added after jvm.options, e.g.
#        "-XX:TieredStopAtLevel=4" to compare with C2, or "-Xshare:off")
# The MariaDB port is shared with `make test-api`: run as  flock /tmp/ms-test-api.lock bench/startup.sh
set -euo pipefail
source "$(cd "$(dirname "$0")/.." && pwd)/hack/api/lib.sh"
root=$(repo_root)
RUNS=${BENCH_STARTUP_RUNS:-5}
SECS=${BENCH_STARTUP_SECONDS:-180}
C=${BENCH_STARTUP_CONCURRENCY:-16}
PORT=${BENCH_STARTUP_PORT:-18195}
read -r -a EXTRA <<<"${BENCH_STARTUP_JAVA_OPTS:-}"
DB=messages_startup
NAME=bench-startup
WINDOW=10
work=$root/bench/results/startup; mkdir -p "$work"
result=$work/latest.txt

# The MariaDB this run started is stopped at the end (its fixed port would otherwise stay taken:
# a later `make up` failed in api-image's smoke run); one that was already running stays.
mariadb_was_running=
pid_alive "$MS_TEST_RUN/mariadb/run/mysqld.pid" && mariadb_was_running=1
cleanup() {
  stop_api "$NAME" >/dev/null 2>&1 || true
  [[ -n $mariadb_was_running ]] || "$root/hack/api/stop-mariadb.sh" >/dev/null 2>&1 || true
}
trap cleanup EXIT

command -v wrk >/dev/null || die "wrk not found: run 'make api-deps'"
ensure_app_jar
"$root/hack/api/start-mariadb.sh" >/dev/null
dbdir=$MS_TEST_RUN/mariadb
# Its own database, so the tests' data is not touched; the service creates the table.
sql "$dbdir" "CREATE DATABASE IF NOT EXISTS \`$DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
  GRANT ALL PRIVILEGES ON \`$DB\`.* TO '$APP_USER'@'%';"
URL_DB="jdbc:mysql://127.0.0.1:$SINGLE_PORT/$DB"
# stored_since ID: "COUNT HIGHEST_ID" of the rows stored with an id above ID: a range scan of one
# window's rows (COUNT(*) of the whole growing table took seconds under load).
stored_since() { mariadb --no-defaults --socket="$dbdir/run/mysqld.sock" -uroot -N -B "$DB" \
  -e "SELECT COUNT(*), COALESCE(MAX(id), $1) FROM message WHERE id > $1"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
ms_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.0f", (b - a) * 1000}'; }

say "phase: start-to-ready, $RUNS runs (load now: $(load))"
ready_ms=() lines=()
for i in $(seq 1 "$RUNS"); do
  t0=$(date +%s.%N)
  API_READY_POLL=0.05 API_LOG=$work/start-$i.log start_api "$NAME" "$PORT" "$URL_DB" "${EXTRA[@]}" >/dev/null
  ms=$(ms_since "$t0")
  # The CPU the start took (user+system of the JVM until ready): what a start costs whatever
  # else the machine runs; wall time = this spread over at most 2 cores, plus waiting.
  pid=$(cat "$MS_TEST_RUN/api/$NAME.pid")
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f", ($14 + $15) * 1000 / hz}' "/proc/$pid/stat")
  # The JVM silently runs without its class-data sharing archive when it cannot map it.
  cds=off; grep -q 'app-cds.jsa' "/proc/$pid/maps" && cds=mapped
  # Where the time goes: Quarkus' boot ("started in", from its main), then the schema check
  # and the warm-up rounds that readiness waits for (WarmUp's total_ms).
  boot=$(grep -o 'started in [0-9.]*s' "$work/start-$i.log" | head -1 | grep -o '[0-9.]*' || echo '?')
  warm=$(grep -o 'event=warm_up_done.*total_ms=[0-9]*' "$work/start-$i.log" | grep -o 'total_ms=[0-9]*' | cut -d= -f2 || echo '?')
  stop_api "$NAME" >/dev/null
  ready_ms+=("$ms")
  lines+=("run $i: ready after ${ms} ms (Quarkus 'started in' ${boot} s, warm-up ${warm} ms; JVM CPU until ready ${cpu} ms; archive ${cds}), load $(load)")
  say "${lines[-1]}"
done
median_ready=$(printf '%s\n' "${ready_ms[@]}" | sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')

if (( SECS == 0 )); then
  { echo "message-api start, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load at the end: $(load)"
    echo "command: bench/startup.sh  (BENCH_STARTUP_RUNS=$RUNS BENCH_STARTUP_SECONDS=0 BENCH_STARTUP_JAVA_OPTS='${EXTRA[*]}')"
    printf '%s\n' "${lines[@]}"
    echo "start-to-ready median of $RUNS: ${median_ready} ms (target < 3000 ms); no warm-up curve (BENCH_STARTUP_SECONDS=0)"
  } | tee "$result"
  exit 0
fi

say "phase: warm-up curve, $SECS s of creates at concurrency $C on a fresh instance"
mariadb --no-defaults --socket="$dbdir/run/mysqld.sock" -uroot "$DB" -e "DELETE FROM message" 2>/dev/null || true
API_LOG=$work/curve.log start_api "$NAME" "$PORT" "$URL_DB" "${EXTRA[@]}" >/dev/null
pid=$(cat "$MS_TEST_RUN/api/$NAME.pid")
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
curve=$work/curve.txt; : > "$curve"
# wrk runs past the last window, so every window is full of load.
wrk -t2 -c"$C" -d"$(( SECS + 20 ))s" --timeout 10s -s "$root/bench/wrk/bench.lua" "http://127.0.0.1:$PORT/" -- create "startup-$(date +%H%M%S)" \
  > "$work/wrk.txt" 2>&1 &
wrk_pid=$!
read -r _ last_id <<<"$(stored_since 0)"
prev_t=$(ticks) t=0 start_s=$(date +%s.%N)
while (( t < SECS )); do
  kill -0 "$wrk_pid" 2>/dev/null || die "wrk stopped before the end of the windows: $(tail -5 "$work/wrk.txt")"
  t=$(( t + WINDOW ))
  # Windows on fixed deadlines from the first request, whatever the sampling itself takes.
  sleep "$(awk -v s="$start_s" -v t="$t" -v now="$(date +%s.%N)" 'BEGIN{d = s + t - now; printf "%.2f", (d > 0 ? d : 0)}')"
  now_t=$(ticks); read -r n last_id <<<"$(stored_since "$last_id")"
  echo "$t $(( now_t - prev_t )) $n $(cut -d' ' -f1 /proc/loadavg)" >> "$curve"
  prev_t=$now_t
done
wait "$wrk_pid" || true
wrk_result=$(grep '^RESULT' "$work/wrk.txt" | sed 's/^RESULT //') || true
[[ -n $wrk_result ]] || die "wrk printed no result: $(tail -5 "$work/wrk.txt")"
field() { sed -E "s/.*(^| )$2=([^ ]*).*/\2/" <<<"$1"; }
errors=$(( $(field "$wrk_result" non2xx) + $(field "$wrk_result" socket_errors) ))
hwm=$(awk '/VmHWM/{printf "%.0f", $2/1024}' "/proc/$pid/status")

{
  echo "message-api start and warm-up, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load at the end: $(load)"
  echo "command: bench/startup.sh  (BENCH_STARTUP_RUNS=$RUNS BENCH_STARTUP_SECONDS=$SECS BENCH_STARTUP_CONCURRENCY=$C BENCH_STARTUP_JAVA_OPTS='${EXTRA[*]}')"
  echo "JVM: $(grep -v '^#' "$API_JVM_OPTIONS" | tr '\n' ' ')-XX:MaxRAM=$API_MEMORY_LIMIT ${EXTRA[*]}"
  printf '%s\n' "${lines[@]}"
  echo "start-to-ready median of $RUNS: ${median_ready} ms (target < 3000 ms)"
  echo
  echo "warm-up curve: CPU of the JVM per create stored, per ${WINDOW} s window from the first request"
  awk -v hz="$hz" -v w="$WINDOW" '
    { t[NR]=$1; cpu[NR]=$2*1000/hz; n[NR]=$3; l[NR]=$4 }
    END {
      k = (NR >= 3 ? 3 : NR); s = 0; c = 0
      for (i = NR - k + 1; i <= NR; i++) { s += cpu[i]; c += n[i] }
      steady = (c > 0 ? s / c : 0)
      printf "%8s %10s %10s %12s %8s %6s\n", "window", "creates", "cpu ms", "ms/create", "x steady", "load1"
      worst = 0
      for (i = 1; i <= NR; i++) {
        per = (n[i] > 0 ? cpu[i] / n[i] : 0); r = (steady > 0 ? per / steady : 0)
        printf "%3d-%3ds %10d %10.0f %12.3f %8.2f %6s\n", t[i]-w, t[i], n[i], cpu[i], per, r, l[i]
        if (t[i] > 30 && r > worst) worst = r
      }
      printf "steady state (mean of the last %d windows): %.3f ms of CPU per create\n", k, steady
      printf "worst window after 30 s: %.2f x steady (target <= 1.25): %s\n", worst, (worst <= 1.25 ? "met" : "NOT met")
    }' "$curve"
  echo "creates: $wrk_result"
  echo "peak RSS (VmHWM) of the instance under this load: $hwm MiB"
  echo "errors: $errors"
} | tee "$result"
(( errors == 0 )) || die "$errors request(s) failed during the warm-up curve"
