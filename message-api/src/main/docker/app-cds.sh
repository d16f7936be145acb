#!/bin/bash
# Makes the application class-data sharing archive of message-api: starts the packaged service
# once with jvm.options and -XX:ArchiveClassesAtExit, sends it requests, stops it with SIGTERM;
# the JVM writes the archive of every class it loaded as it exits. The more of a real start the
# training run goes through, the more classes come from the archive (pre-parsed, pre-verified):
#   - with a database (APP_CDS_JDBC_URL, APP_CDS_DB_USER, APP_CDS_DB_PASSWORD): the schema check,
#     the warm-up against itself, Hibernate's queries, Connector/J, creates, reads and a replayed
#     create; measured ~0.4 s less start-to-ready than without (docs/benchmarks.md);
#   - without (no database reachable): Quarkus' boot and the requests that need none (health,
#     metrics, bad input, a create failing for want of a database).
# bash: its /dev/tcp is the HTTP client (the image has no curl). Run in the image build (the
# Dockerfile's training stage, with a throwaway MariaDB: with-training-database.sh) and by
# hack/api/lib.sh (ensure_app_cds, with the test MariaDB) for the runs on this machine: the archive
# must come from the same JVM that uses it. Safe to run twice: the archive is replaced.
# usage: app-cds.sh APP_DIR [OPTIONS_FILE [JAVA_OPTION...]]
#   APP_DIR: the fast-jar directory (quarkus-run.jar); the archive is APP_DIR/app-cds.jsa
#   OPTIONS_FILE: jvm.options (default APP_DIR/jvm.options); JAVA_OPTION: added after it, as the
#   runs that use the archive add them (e.g. -XX:MaxRAM=384m outside a container)
set -euo pipefail
dir=$1
options=$(cd "$(dirname "${2:-$dir/jvm.options}")" && pwd)/$(basename "${2:-$dir/jvm.options}")
[ $# -ge 2 ] && shift 2 || shift 1
cd "$dir"
log=app-cds.log
port=${APP_CDS_PORT:-18099}
rm -f app-cds.jsa.tmp
if [ -n "${APP_CDS_JDBC_URL:-}" ]; then
  mode="trained with the database ${APP_CDS_JDBC_URL%%\?*}"
  export QUARKUS_DATASOURCE_JDBC_URL=$APP_CDS_JDBC_URL QUARKUS_DATASOURCE_USERNAME=${APP_CDS_DB_USER:?} \
    QUARKUS_DATASOURCE_PASSWORD=${APP_CDS_DB_PASSWORD:?} MESSAGESTACK_WARM_UP_ENABLED=true
  started='event=warm_up_done'
else
  # Port 9 (discard) on loopback: connections are refused at once. No warm-up.
  mode="trained without a database"
  export QUARKUS_DATASOURCE_JDBC_URL=jdbc:mysql://127.0.0.1:9/none MESSAGESTACK_WARM_UP_ENABLED=false
  started='started in'
fi
QUARKUS_HTTP_PORT=$port QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_SHUTDOWN_DELAY_ENABLED=false QUARKUS_LOG_CONSOLE_JSON_ENABLED=false \
  java @"$options" "$@" -XX:SharedArchiveFile= -XX:ArchiveClassesAtExit=app-cds.jsa.tmp -jar quarkus-run.jar >"$log" 2>&1 &
pid=$!
tries=0
until grep -q "$started" "$log"; do
  if ! kill -0 "$pid" 2>/dev/null; then echo "app-cds.sh: the service exited before it started:" >&2; tail -20 "$log" >&2; exit 1; fi
  tries=$((tries + 1))
  if [ "$tries" -gt 600 ]; then echo "app-cds.sh: not started within 300 s" >&2; kill "$pid"; exit 1; fi
  sleep 0.5
done
# request METHOD PATH [BODY [HEADER]]: one HTTP/1.0 request, the answer discarded.
request() {
  local body=${3:-} header=${4:-X-Training: 1}
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 0
  printf '%s %s HTTP/1.0\r\nHost: localhost\r\nContent-Type: application/json\r\n%s\r\nContent-Length: %d\r\n\r\n%s' \
    "$1" "$2" "$header" "${#body}" "$body" >&3
  cat <&3 >/dev/null || true
  exec 3<&-
}
for round in 1 2; do
  request GET /q/health/live; request GET /q/health/ready; request GET /q/metrics
  request GET '/api/messages/?limit=x&offset=-1'; request GET /api/messages/1/extra
  request POST /api/messages/ '{}'; request POST /api/messages/ '{"subject": 5'
  request PATCH /api/messages/1/ '{"body": 5}'
  # With a database: stored, replayed with the same key, read, listed (the training database's
  # rows, thrown away with it). Without: one create that fails after the retry budget (the
  # create path up to the database).
  key="Idempotency-Key: app-cds-$$-$round"
  if [ -n "${APP_CDS_JDBC_URL:-}" ]; then
    request POST /api/messages/ '{"subject":"archive","body":"class-data sharing"}' "$key"
    request POST /api/messages/ '{"subject":"archive","body":"class-data sharing"}' "$key"
    request GET /api/messages/1/; request GET '/api/messages/?limit=20&offset=0'; request GET /api/messages/
  elif [ "$round" = 1 ]; then
    request POST /api/messages/ '{"subject":"archive","body":"class-data sharing"}' "$key"
  fi
done
kill -TERM "$pid"
wait "$pid" || true
[ -s app-cds.jsa.tmp ] || { echo "app-cds.sh: no archive written; see $dir/$log" >&2; exit 1; }
mv app-cds.jsa.tmp app-cds.jsa
rm -f "$log"
echo "app-cds.sh: $dir/app-cds.jsa ($(du -k app-cds.jsa | cut -f1) KiB, $mode)"
