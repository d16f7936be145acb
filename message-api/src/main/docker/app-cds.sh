#!/bin/bash
# Makes the application class-data sharing archive of message-api: starts the packaged service
# once with jvm.options and -XX:ArchiveClassesAtExit, no database reachable, waits for Quarkus'
# "started in" line, sends it the requests that need no database (health, metrics, bad input,
# a create that fails for want of a database: HTTP, JSON, validation, problem+json and retry
# classes), stops it with SIGTERM; the JVM writes the archive as it exits. bash: its /dev/tcp
# is the HTTP client (the image has no curl). Run in the image build (Dockerfile) and by hack/api/lib.sh
# (ensure_app_cds) for the runs on this machine: the archive must come from the same JVM that
# uses it. Safe to run twice: the archive is replaced.
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
rm -f app-cds.jsa.tmp
# Port 9 (discard) on loopback: connections are refused at once. No warm-up, no shutdown delay.
QUARKUS_HTTP_PORT=${APP_CDS_PORT:-18099} QUARKUS_HTTP_HOST=127.0.0.1 \
QUARKUS_DATASOURCE_JDBC_URL=jdbc:mysql://127.0.0.1:9/none \
MESSAGESTACK_WARM_UP_ENABLED=false QUARKUS_SHUTDOWN_DELAY_ENABLED=false \
  java @"$options" "$@" -XX:SharedArchiveFile= -XX:ArchiveClassesAtExit=app-cds.jsa.tmp -jar quarkus-run.jar >"$log" 2>&1 &
pid=$!
tries=0
until grep -q 'started in' "$log"; do
  if ! kill -0 "$pid" 2>/dev/null; then echo "app-cds.sh: the service exited before it started:" >&2; tail -20 "$log" >&2; exit 1; fi
  tries=$((tries + 1))
  if [ "$tries" -gt 600 ]; then echo "app-cds.sh: not started within 300 s" >&2; kill "$pid"; exit 1; fi
  sleep 0.5
done
port=${APP_CDS_PORT:-18099}
# request METHOD PATH [BODY]: one HTTP/1.0 request, the answer discarded.
request() {
  local body=${3:-}
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 0
  printf '%s %s HTTP/1.0\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
    "$1" "$2" "${#body}" "$body" >&3
  cat <&3 >/dev/null || true
  exec 3<&-
}
for _ in 1 2; do
  request GET /q/health/live; request GET /q/health/ready; request GET /q/metrics
  request GET '/api/messages/?limit=x&offset=-1'; request GET /api/messages/1/extra
  request POST /api/messages/ '{}'; request POST /api/messages/ '{"subject": 5'
  request PATCH /api/messages/1/ '{"body": 5}'
done
# Fails after the retry budget (no database): the create path up to the database.
request POST /api/messages/ '{"subject":"archive","body":"class-data sharing"}'
kill -TERM "$pid"
wait "$pid" || true
[ -s app-cds.jsa.tmp ] || { echo "app-cds.sh: no archive written; see $dir/$log" >&2; exit 1; }
mv app-cds.jsa.tmp app-cds.jsa
rm -f "$log"
echo "app-cds.sh: $dir/app-cds.jsa ($(du -k app-cds.jsa | cut -f1) KiB)"
