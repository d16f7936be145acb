#!/bin/sh
# Makes the application class-data sharing archive of message-api: starts the packaged service
# once with jvm.options and -XX:ArchiveClassesAtExit, no database reachable (the classes of the
# start are what counts), waits for Quarkus' "started in" line, stops it with SIGTERM; the JVM
# writes the archive as it exits. Run in the image build (Dockerfile) and by hack/api/lib.sh
# (ensure_app_cds) for the runs on this machine: the archive must come from the same JVM that
# uses it. Safe to run twice: the archive is replaced.
# usage: app-cds.sh APP_DIR [OPTIONS_FILE [JAVA_OPTION...]]
#   APP_DIR: the fast-jar directory (quarkus-run.jar); the archive is APP_DIR/app-cds.jsa
#   OPTIONS_FILE: jvm.options (default APP_DIR/jvm.options); JAVA_OPTION: added after it, as the
#   runs that use the archive add them (e.g. -XX:MaxRAM=384m outside a container)
set -eu
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
sleep 1
kill -TERM "$pid"
wait "$pid" || true
[ -s app-cds.jsa.tmp ] || { echo "app-cds.sh: no archive written; see $dir/$log" >&2; exit 1; }
mv app-cds.jsa.tmp app-cds.jsa
rm -f "$log"
echo "app-cds.sh: $dir/app-cds.jsa ($(du -k app-cds.jsa | cut -f1) KiB)"
