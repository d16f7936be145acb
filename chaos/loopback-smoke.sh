#!/usr/bin/env bash
# Exercises the load client for real without kind: message-api (the built Quarkus jar) on
# 127.0.0.1:18080 over a MariaDB of its own on 127.0.0.1:23406 (hack/api/start-mariadb.sh with
# a separate run folder). Both clients (careful and plain) run together, as in every scenario.
# Under load, mariadbd is killed with SIGKILL and started again; then the client checks in the
# database that every acknowledged write of each client is there exactly once.
# Results go to chaos/results/loopback/ (not committed, never into docs/chaos.md).
# Only what this script started is stopped. To run it next to another copy (or the API tests),
# give it its own ports and folder: CHAOS_SMOKE_API_PORT, CHAOS_SMOKE_DB_PORT, CHAOS_SMOKE_RUN.
# usage: chaos/loopback-smoke.sh      (CHAOS_API_JAR: message-api/target/quarkus-app/quarkus-run.jar)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
export CHAOS_RESULTS=$REPO/chaos/results/loopback
export CHAOS_ENVIRONMENT="loopback: message-api jar + one MariaDB on 127.0.0.1 (not kind)"
API_PORT=${CHAOS_SMOKE_API_PORT:-18080}
export CHAOS_BASE_URL=http://127.0.0.1:$API_PORT
# The database port stays below the kernel's ephemeral range (32768-60999): while mariadbd is down,
# message-api's reconnects to a port inside it can connect to themselves (TCP self-connect, seen at
# 33406/33486), and the restarted mariadbd then fails with "Address already in use".
export MS_TEST_RUN=${CHAOS_SMOKE_RUN:-/tmp/messagestack-chaos-loopback} SINGLE_PORT=${CHAOS_SMOKE_DB_PORT:-23406}
CHAOS_BASELINE=${CHAOS_BASELINE:-8} CHAOS_TAIL=${CHAOS_TAIL:-8}
source "$REPO/chaos/lib.sh"
command -v mariadbd >/dev/null || die "mariadbd not found: run 'make api-deps' (hack/api/install-deps.sh)"
API_JAR=${CHAOS_API_JAR:-$REPO/message-api/target/quarkus-app/quarkus-run.jar}
if [[ ! -s $API_JAR && -z ${CHAOS_API_JAR:-} ]]; then
  say "building message-api (mvn -f message-api/pom.xml package -DskipTests)"
  mvn -B -q -f "$REPO/message-api/pom.xml" package -DskipTests || die "message-api did not build"
fi
[[ -s $API_JAR ]] || die "$API_JAR missing: build message-api (mvn -f message-api/pom.xml package -DskipTests) or set CHAOS_API_JAR"
[[ -s $CHAOS_JAR ]] || die "$CHAOS_JAR missing: run 'make chaos-client'"
API_PID=
# run_scenario's EXIT trap calls heal: here it stops what this script started.
heal() {
  if [[ -n $API_PID ]]; then kill "$API_PID" 2>/dev/null || true; wait "$API_PID" 2>/dev/null || true; API_PID=; fi
  "$REPO/hack/api/stop-mariadb.sh" >/dev/null 2>&1 || true
}
trap 'heal' EXIT
trap 'exit 130' INT TERM

api_ready() { curl -fs -m 2 -o /dev/null "$CHAOS_BASE_URL/q/health/ready"; }

say "phase setup: MariaDB on 127.0.0.1:$SINGLE_PORT, message-api on $CHAOS_BASE_URL"
"$REPO/hack/api/start-mariadb.sh"
mkdir -p "$CHAOS_RESULTS/raw"
java -Dquarkus.http.port="$API_PORT" -Dquarkus.datasource.jdbc.url="jdbc:mysql://127.0.0.1:$SINGLE_PORT/messages" \
  -jar "$API_JAR" >"$CHAOS_RESULTS/raw/message-api.log" 2>&1 &
API_PID=$!
for _ in $(seq 1 120); do api_ready && break; kill -0 "$API_PID" || die "message-api exited; see $CHAOS_RESULTS/raw/message-api.log"; sleep 0.5; done
api_ready || die "message-api not ready after 60 s; see $CHAOS_RESULTS/raw/message-api.log"

# The scenario skeleton of chaos/lib.sh runs as on kind; only what needs Kubernetes is replaced.
require_tools() { :; }
require_stack() { :; }
wait_ready() {
  local deadline=$(( $(date +%s) + $1 ))
  until api_ready; do (( $(date +%s) < deadline )) || return 1; sleep 0.2; done
  now_ms
}
verify_writes() {
  CHAOS_DB_PASSWORD=messages java -jar "$CHAOS_JAR" verify --requests "$RAW/requests.jsonl" --events "$RAW/events.json" \
    --run-id "$RUN_ID" --client "$CHAOS_CLIENTS" --jdbc-url "jdbc:mysql://127.0.0.1:$SINGLE_PORT/messages" --db-user messages \
    --table "$CHAOS_DB_TABLE" --out "$CHAOS_RESULTS/$SCENARIO.json"
}
inject() {
  local pid
  pid=$(cat "$MS_TEST_RUN/mariadb/run/mysqld.pid")
  say "SIGKILL mariadbd (pid $pid), down for ${CHAOS_DB_DOWN:-5}s"
  kill -KILL "$pid"
  measure killedPid "$pid"
  sleep "${CHAOS_DB_DOWN:-5}"
  "$REPO/hack/api/start-mariadb.sh" >/dev/null
  fault_over
}
after_verify() {
  java -jar "$CHAOS_JAR" report --results "$CHAOS_RESULTS" --markdown "$CHAOS_RESULTS/loopback.md" \
    --summary "$CHAOS_RESULTS/summary.json" --png-dir "$CHAOS_RESULTS" --image-link-prefix ./ --allow-non-kind || true
  say "picture: $CHAOS_RESULTS/loopback-db-kill.png"
}
run_scenario loopback-db-kill data-only "SIGKILL of mariadbd under load, restarted after ${CHAOS_DB_DOWN:-5}s (loopback, not kind)"
