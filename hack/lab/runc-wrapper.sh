#!/bin/sh
# Docker runtime wrapper (installed by hack/lab/docker.sh only where privileged containers fail).
# Why: on these hosts the capability bounding set lacks CAP_SYS_RESOURCE, and Docker 20.10 asks
# runc for every capability with --privileged (kind's nodes), so runc fails with
# "unable to apply caps". We drop CAP_SYS_RESOURCE from the OCI spec and exec the real runc.
set -e
REAL_RUNC=${REAL_RUNC:-/usr/sbin/runc}
strip() { # strip FILE JQ_PATH
  [ -f "$1" ] || return 0
  tmp="$1.nosysres.$$"
  jq "if $2 then $2 |= with_entries(.value |= (if type == \"array\" then map(select(. != \"CAP_SYS_RESOURCE\")) else . end)) else . end" "$1" >"$tmp" && mv "$tmp" "$1"
}
cmd=""; bundle=""; process=""; prev=""
for a in "$@"; do
  case "$prev" in
    --bundle|-b) bundle="$a" ;;
    --process|-p) process="$a" ;;
  esac
  case "$a" in
    --bundle=*) bundle="${a#--bundle=}" ;;
    --process=*) process="${a#--process=}" ;;
    create|run|exec) [ -z "$cmd" ] && cmd="$a" ;;
  esac
  prev="$a"
done
case "$cmd" in
  create|run) [ -n "$bundle" ] && strip "$bundle/config.json" '.process.capabilities' ;;
  exec) [ -n "$process" ] && strip "$process" '.capabilities' ;;
esac
exec "$REAL_RUNC" "$@"
