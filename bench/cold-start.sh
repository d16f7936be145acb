#!/usr/bin/env bash
# First requests after readiness of a cold message-api, with the start-up warm-up off and on.
# Starts the packaged fast-jar (the image's JVM options: 96 MiB heap, serial GC) against the
# single loopback MariaDB (hack/api/start-mariadb.sh), waits for /q/health/ready, then at once
# sends the first BENCH_COLD_REQUESTS requests from BENCH_COLD_CLIENTS parallel clients, as a
# new pod gets them from nginx: creates (POST with an Idempotency-Key), reads of the created
# message and paged lists. Prints, per run, the time to ready, the warm-up's own log line and
# the latency of those requests; rows it created are deleted afterwards.
# Shares the test MariaDB's fixed port with `make test-api`: run it under the same lock:
#   flock /tmp/ms-test-api.lock bench/cold-start.sh
# Knobs: BENCH_COLD_RUNS (3 per mode), BENCH_COLD_REQUESTS (40), BENCH_COLD_CLIENTS (4),
# BENCH_COLD_MODES ("off on"), BENCH_COLD_CPUS (unset: all cores; e.g. 0 pins the JVM to one
# core, a busy node).
set -euo pipefail
source "$(cd "$(dirname "$0")/.." && pwd)/hack/api/lib.sh"
root=$(repo_root)
RUNS=${BENCH_COLD_RUNS:-3}
N=${BENCH_COLD_REQUESTS:-40}
CLIENTS=${BENCH_COLD_CLIENTS:-4}
MODES=${BENCH_COLD_MODES:-off on}
PORT=18190
NAME=bench-cold
URL=http://127.0.0.1:$PORT
dir=$MS_TEST_RUN/api; mkdir -p "$dir"
work=$(mktemp -d)
tag=cold-$(date +%H%M%S)

command -v curl >/dev/null || die "curl not found"
ensure_app_jar
mariadb_was_running=
pid_alive "$MS_TEST_RUN/mariadb/run/mysqld.pid" && mariadb_was_running=1
"$root/hack/api/start-mariadb.sh" >/dev/null
cleanup() {
  stop_pidfile "$dir/$NAME.pid" "message-api $NAME" >/dev/null 2>&1 || true
  sql "$MS_TEST_RUN/mariadb" "DELETE FROM \`$APP_DB\`.message WHERE subject LIKE 'bench-cold-%'" 2>/dev/null || true
  [[ -n $mariadb_was_running ]] || "$root/hack/api/stop-mariadb.sh" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# Some rows, so that the lists return messages as they do in the demo.
seed_rows=
for i in $(seq 1 20); do
  seed_rows+="('bench-cold-seed $i','seed',NOW(),'s:$tag-seed-$i',NULL),"
done

start_cold() { # MODE RUN: starts the service, returns when it is ready; prints ms to ready
  local mode=$1 run=$2 enabled=false start
  [[ $mode == on ]] && enabled=true
  stop_pidfile "$dir/$NAME.pid" "$NAME" >/dev/null
  # The jar's files stay in the page cache between runs, as on a node that already ran the
  # image: what is cold is the JVM.
  start=$(date +%s%N)
  MESSAGESTACK_WARM_UP_ENABLED=$enabled API_CPUS=${BENCH_COLD_CPUS:-} API_LOG="$dir/$NAME-$mode-$run.log" \
  API_READY_POLL=0.1 API_READY_TIMEOUT=120 \
    start_api "$NAME" "$PORT" "jdbc:mysql://127.0.0.1:$SINGLE_PORT/$APP_DB" >&2
  echo $(( ($(date +%s%N) - start) / 1000000 ))
}

client() { # ID COUNT OUT: COUNT requests in a row (create, read it, list), "ms status" per line
  local id=$1 count=$2 out=$3 i pk= kind line
  for ((i = 0; i < count; i++)); do
    kind=$(( i % 3 ))
    if (( kind == 0 )) || [[ -z $pk ]]; then
      line=$(curl -s -o "$work/body-$id" -w '%{time_total} %{http_code}' --max-time 10 \
        -H 'Content-Type: application/json' -H "Idempotency-Key: $tag-$id-$i-$RANDOM" \
        -d "{\"subject\":\"bench-cold-$id-$i\",\"body\":\"first requests\"}" "$URL/api/messages/") || true
      pk=$(sed -nE 's/.*"pk":([0-9]+).*/\1/p' "$work/body-$id")
    elif (( kind == 1 )); then
      line=$(curl -s -o /dev/null -w '%{time_total} %{http_code}' --max-time 10 "$URL/api/messages/$pk/") || true
    else
      line=$(curl -s -o /dev/null -w '%{time_total} %{http_code}' --max-time 10 "$URL/api/messages/?limit=20&offset=0") || true
    fi
    awk '{printf "%.1f %s\n", $1 * 1000, $2}' <<<"${line:-10 000}" >> "$out"
  done
}

sql "$MS_TEST_RUN/mariadb" "INSERT INTO \`$APP_DB\`.message (subject, body, created_at, idempotency_key, request_hash) VALUES ${seed_rows%,}" 2>/dev/null \
  || say "(seed rows not inserted: the table appears at the first start; lists may be short in run 1)"

say "cold starts: modes '$MODES', $RUNS runs each, first $N requests from $CLIENTS clients (load now: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-4s %-3s %8s %9s %8s %8s %8s %8s %5s %5s %s\n' mode run ready_ms first_ms p50_ms p90_ms max_ms sum_s '>1s' '>2s' warm-up
summary=$work/summary; : > "$summary"
for mode in $MODES; do
  for run in $(seq 1 "$RUNS"); do
    ready_ms=$(start_cold "$mode" "$run")
    outs=()
    for c in $(seq 1 "$CLIENTS"); do
      : > "$work/lat-$c"; outs+=("$work/lat-$c")
      client "$c" $(( N / CLIENTS )) "$work/lat-$c" &
    done
    wait
    first=$(head -1 -q "${outs[@]}" | sort -n | tail -1 | cut -d' ' -f1)
    warm=$(grep -o 'event=warm_up_done.*total_ms=[0-9]*' "$dir/$NAME-$mode-$run.log" | sed -E 's/.*outcome=([A-Z_]+) rounds=([0-9]+) round_ms=([0-9,]+) total_ms=([0-9]+).*/\1 rounds=\2 (\3 ms) total \4 ms/' || true)
    cat "${outs[@]}" | sort -n | awk -v mode="$mode" -v run="$run" -v ready="$ready_ms" -v first="$first" -v warm="${warm:--}" '
      { v[NR] = $1; sum += $1; if ($1 > 1000) s1++; if ($1 > 2000) s2++; if ($2 !~ /^2/) bad++ }
      END { printf "%-4s %-3s %8d %9.0f %8.0f %8.0f %8.0f %8.1f %5d %5d %s%s\n", mode, run, ready, first,
              v[int(NR * 0.5) + 1], v[int(NR * 0.9) + 1], v[NR], sum / 1000, s1, s2, warm,
              bad ? "  (" bad " non-2xx)" : "" }' | tee -a "$summary"
    stop_pidfile "$dir/$NAME.pid" "$NAME" >/dev/null
  done
done
say "first_ms: slowest of each client's first request; p50/p90/max over all $N; >1s/>2s: how many took longer (a 2 s client times out)"
say "logs: $dir/$NAME-MODE-RUN.log"
