#!/bin/bash
# keepalived sidecar of a MessageStack nginx or HAProxy pod (written by the MessageStack operator).
# Usage: keepalived-start.sh <frontend|proxy>
# - installs the track script where keepalived's script security accepts it (the ConfigMap mount is
#   world-writable on some kubelets, and keepalived then refuses to run scripts from it);
# - learns the unicast peers (the node addresses of the component's pods, which use the host network) from the
#   headless Service $PEERS_HOST, whose DNS answer follows the pods within about a second; it waits up to
#   $PEER_WAIT_SECONDS for its own address to show up there, so pods started together know each other;
# - renders keepalived.conf from the template in $CONFIG_DIR without this node's own address ($HOST_IP),
#   starts keepalived, and reloads it (SIGHUP, the address stays where it is) when the peers change.
#   An answer without this node's address (DNS outage, a pod going away) is not trusted: the peers stay.
set -euo pipefail
role="${1:?usage: keepalived-start.sh <frontend|proxy>}"
config_dir="${CONFIG_DIR:-/etc/messagestack/keepalived}"
script_dir="${SCRIPT_DIR:-/run/messagestack-keepalived}"
out="${KEEPALIVED_CONF:-/tmp/keepalived.conf}"
poll="${PEER_POLL_SECONDS:-2}"
wait_max="${PEER_WAIT_SECONDS:-20}"
host_ip="${HOST_IP:?HOST_IP (status.hostIP) is not set}"

log() { echo "keepalived-start: $*"; }

# All addresses of the component's pods, one per line, sorted (PEERS_FILE: a fixed list, for tests).
lookup() {
  if [ -n "${PEERS_FILE:-}" ]; then sed '/^$/d' "$PEERS_FILE" | sort -u; return; fi
  getent ahostsv4 "${PEERS_HOST:?PEERS_HOST is not set}" | awk '{print $1}' | sort -u
}

# The other nodes' addresses; fails when the answer does not include this node (not trusted).
other_peers() {
  local all
  all="$(lookup 2>/dev/null)" || return 1
  grep -qxF "$host_ip" <<<"$all" || return 1
  grep -vxF "$host_ip" <<<"$all" || true
}

render() {
  local lines
  lines="$(sed '/^$/d; s/^/        /' <<<"$1")"
  awk -v peers="$lines" '$0 == "__UNICAST_PEERS__" { if (peers != "") print peers; next } { print }' \
    "$config_dir/$role.conf.tmpl" > "$out.new"
  mv "$out.new" "$out"
  log "rendered $out for $role on $host_ip, peers: $(echo $1)"
}

install -d -m 0755 "$script_dir"
install -m 0755 "$config_dir/check-port.sh" "$script_dir/check-port.sh"

deadline=$((SECONDS + wait_max))
until peers="$(other_peers)"; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    log "WARNING: $host_ip not in the peer list after ${wait_max}s; starting without peers"
    peers=""
    break
  fi
  sleep 1
done
render "$peers"
[ "${RENDER_ONLY:-}" = 1 ] && exit 0

keepalived --dont-fork --log-console --use-file "$out" &
pid=$!
# On SIGTERM keepalived sends a priority-0 advert, so a peer takes the address at once.
trap 'kill -TERM $pid 2>/dev/null; wait $pid; exit 0' TERM INT
while kill -0 "$pid" 2>/dev/null; do
  sleep "$poll" & wait $! || true
  if now="$(other_peers)" && [ "$now" != "$peers" ]; then
    peers="$now"
    render "$peers"
    kill -HUP "$pid"
    log "peers changed, keepalived reloaded"
  fi
done
wait "$pid"
