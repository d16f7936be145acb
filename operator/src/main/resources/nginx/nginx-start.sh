#!/bin/sh
# nginx of a MessageStack frontend pod (written by the MessageStack operator).
# - Keeps $UPSTREAM_FILE, the servers of nginx's message_api upstream: one line per ready message-api pod, read from
#   the DNS of the headless Service $API_PODS_HOST every $API_POLL_SECONDS s, each skipped for 5 s after a failed try
#   (passive health: a pod on a stopped node is still listed by Kubernetes for ~40 s, but costs one try, not half of
#   all requests), and the ClusterIP Service $API_SERVICE as the last resort. Until DNS answers (or when it answers
#   nothing) the Service alone, three times (three tries, never marked down). A changed pod list reloads nginx
#   (graceful: requests in flight finish on the old workers).
# - Turns the stop signal (SIGTERM: nginx's fast shutdown, which drops requests in flight and kept-alive connections)
#   into SIGQUIT (graceful), also for a forced delete, where the pod gets 2 s in all.
# - Removes the stub_status socket ($STUB_STATUS_SOCKET) a killed nginx left in the pod's socket volume: nginx does
#   not remove it itself and would not start ("Address already in use").
# - Keeps the request log ($REQUEST_LOG, which the request-metrics sidecar tails) below $REQUEST_LOG_MAX_BYTES: empties
#   it when it is larger (nginx appends, so it writes on from the start; mtail sees the shorter file and reads on from
#   the start too). Here, beside nginx, so that the file stays bounded whatever state the sidecar is in.
# RENDER_ONLY=1 writes the file once and prints it (tests); API_PODS_FILE replaces the DNS lookup (tests); an entry of
# it may carry its own port, ADDRESS:PORT (the loopback tests run several message-api instances on one address).
set -u
: "${API_SERVICE:?API_SERVICE (host:port of the message-api Service) is not set}"
: "${API_PODS_HOST:?API_PODS_HOST (headless Service of the message-api pods) is not set}"
: "${API_PORT:?API_PORT is not set}"
conf="${NGINX_CONF:-/etc/messagestack/nginx/nginx.conf}"
file="${UPSTREAM_FILE:-/tmp/nginx-upstream/message-api.conf}"
poll="${API_POLL_SECONDS:-2}"

log() { echo "nginx-start: $*"; }

lookup() {
  if [ -n "${API_PODS_FILE:-}" ]; then sed '/^$/d' "$API_PODS_FILE" | sort -u; return; fi
  getent ahostsv4 "$API_PODS_HOST" | awk '{print $1}' | sort -u
}

service_only() {
  printf 'server %s max_fails=0;\nserver %s max_fails=0;\nserver %s max_fails=0 backup;\n' \
    "$API_SERVICE" "$API_SERVICE" "$API_SERVICE"
}

pods_then_service() {
  for ip in $1; do
    case $ip in *:*) addr=$ip ;; *) addr=$ip:$API_PORT ;; esac
    echo "server $addr max_fails=1 fail_timeout=5s;"
  done
  echo "server $API_SERVICE max_fails=0 backup;"
}

write() {
  mkdir -p "$(dirname "$file")"
  if [ -n "$1" ]; then pods_then_service "$1"; else service_only; fi > "$file.new"
  mv "$file.new" "$file"
}

trim_request_log() {
  [ -n "${REQUEST_LOG:-}" ] || return 0
  size="$(stat -c %s "$REQUEST_LOG" 2>/dev/null)" || return 0
  if [ "$size" -gt "${REQUEST_LOG_MAX_BYTES:-4194304}" ]; then
    : > "$REQUEST_LOG"
  fi
}

pods="$(lookup 2>/dev/null)" || pods=""
write "$pods"
if [ "${RENDER_ONLY:-}" = 1 ]; then cat "$file"; exit 0; fi
log "message-api upstream: $(echo ${pods:-the Service $API_SERVICE only})"

if [ -n "${STUB_STATUS_SOCKET:-}" ]; then rm -f "$STUB_STATUS_SOCKET"; fi
# -e: the log nginx opens before it reads the config (Debian's /var/log/nginx is on the read-only root).
nginx -e stderr -g 'daemon off;' -c "$conf" &
pid=$!
(
  while sleep "$poll"; do
    trim_request_log
    now="$(lookup 2>/dev/null)" || continue
    [ -n "$now" ] && [ "$now" != "$pods" ] || continue
    write "$now"
    kill -HUP "$pid" 2>/dev/null || exit 0
    log "message-api pods now $(echo $now); nginx reloaded"
    pods="$now"
  done
) &
watcher=$!
trap 'kill -QUIT $pid' TERM
while kill -0 "$pid" 2>/dev/null; do wait "$pid"; done
kill "$watcher" 2>/dev/null
