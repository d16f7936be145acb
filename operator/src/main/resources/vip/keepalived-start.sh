#!/bin/bash
# keepalived sidecar of a MessageStack nginx or HAProxy pod (written by the MessageStack operator).
# Usage: keepalived-start.sh <frontend|proxy> <port>
# - watches the local nginx/HAProxy (TCP to 127.0.0.1:<port>, the pods use the host network) every 0.2 s and
#   writes $STATE_DIR/<role>.state, keepalived's track_file: 0 = up, 1 = down after two refused connections in
#   a row. keepalived reacts to a change at once. A slow or starved loop only checks less often, it never
#   reports a failure that did not happen (what a vrrp_script timing out on a busy node did);
# - learns the unicast peers (the node addresses of the component's pods, which use the host network) from the
#   headless Service $PEERS_HOST, whose DNS answer follows the pods within about a second; it waits up to
#   $PEER_WAIT_SECONDS for its own address to show up there, so pods started together know each other; when
#   other peers exist it then waits $PEER_SETTLE_SECONDS (3 polls) before starting keepalived, so that they have
#   added this node to their own unicast lists: a new node that heard no adverts for 3.6 s would otherwise claim
#   the address next to the holder (two holders, then one drops it: the VIP blinked when a peer joined);
# - renders keepalived.conf from the template in $CONFIG_DIR without this node's own address ($HOST_IP),
#   starts keepalived, and reloads it (SIGHUP, the address stays where it is) when the peers change.
#   An answer without this node's address (DNS outage, a pod going away) is not trusted: the peers stay.
# - never leaves the address behind: at start this node is a BACKUP, so $VIP_ADDRESS on $VIP_INTERFACE is a
#   leftover (an earlier sidecar killed, or stopped while it became MASTER) and is removed; on exit, after
#   keepalived has stopped, it is removed again if it is still there. A stale copy would make two holders.
set -euo pipefail
role="${1:?usage: keepalived-start.sh <frontend|proxy> <port>}"
port="${2:?usage: keepalived-start.sh <frontend|proxy> <port>}"
config_dir="${CONFIG_DIR:-/etc/messagestack/keepalived}"
state_dir="${STATE_DIR:-/run/messagestack-keepalived}"
state_file="$state_dir/$role.state"
out="${KEEPALIVED_CONF:-/tmp/keepalived.conf}"
poll="${PEER_POLL_SECONDS:-2}"
wait_max="${PEER_WAIT_SECONDS:-20}"
settle="${PEER_SETTLE_SECONDS:-$((3 * poll))}"
host_ip="${HOST_IP:?HOST_IP (status.hostIP) is not set}"

log() { echo "keepalived-start: $*"; }
# The VRRP advert password (Secret <stack>-vrrp-auth): substituted into the config, never on a command line or in a log.
[[ ${VRRP_AUTH_PASSWORD:-} =~ ^[A-Za-z0-9]{1,8}$ ]] || {
  log "VRRP_AUTH_PASSWORD (Secret <stack>-vrrp-auth, key password) is missing or not 1-8 letters/digits"; exit 1; }

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
  (umask 077
   awk -v peers="$lines" '$0 == "__UNICAST_PEERS__" { if (peers != "") print peers; next }
     { gsub(/__VRRP_AUTH_PASS__/, ENVIRON["VRRP_AUTH_PASSWORD"]); print }' \
     "$config_dir/$role.conf.tmpl" > "$out.new")
  mv "$out.new" "$out"
  log "rendered $out for $role on $host_ip, peers: $(echo $1)"
}

# drop_stale_address WHY: removes $VIP_ADDRESS from $VIP_INTERFACE if it is there (keepalived is not running).
drop_stale_address() {
  local addrs
  [ -n "${VIP_ADDRESS:-}" ] && [ -n "${VIP_INTERFACE:-}" ] || return 0
  addrs="$(ip -o -4 addr show dev "$VIP_INTERFACE" 2>/dev/null)" || return 0
  if grep -qw "inet $VIP_ADDRESS" <<<"$addrs"; then
    if ip addr del "$VIP_ADDRESS/32" dev "$VIP_INTERFACE"; then
      log "removed $VIP_ADDRESS from $VIP_INTERFACE: $1"
    else
      log "WARNING: could not remove $VIP_ADDRESS from $VIP_INTERFACE ($1)"
    fi
  fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
# watch_port: writes the state file whenever the verdict changes (in place: keepalived watches with inotify).
watch_port() {
  local last="" now refused=0
  while :; do
    if port_open; then refused=0; now=0; else refused=$((refused + 1)); now=${last:-1}; [ "$refused" -ge 2 ] && now=1; fi
    if [ "$now" != "$last" ]; then
      echo "$now" > "$state_file"
      if [ "$now" = 0 ]; then log "127.0.0.1:$port answers: up"; else log "127.0.0.1:$port refused twice: down"; fi
      last="$now"
    fi
    sleep 0.2
  done
}

mkdir -p "$state_dir"
if port_open; then echo 0 > "$state_file"; else echo 1 > "$state_file"; fi

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
if [ -n "$peers" ] && [ "$settle" -gt 0 ]; then
  log "waiting ${settle}s for the peers to add $host_ip before joining"
  sleep "$settle"
fi

drop_stale_address "left on this node before this sidecar started"
watch_port &
watcher=$!
keepalived --dont-fork --log-console --use-file "$out" &
pid=$!
# stop_keepalived: SIGTERM (keepalived then sends a priority-0 advert, so a peer takes the address at once), and
# SIGKILL to every keepalived process if it has not stopped within STOP_SECONDS: a keepalived that became MASTER
# just before its SIGTERM was seen to log "Stopping" and never "Stopped" until the pod's grace period ran out,
# leaving its address on the node. The address is then removed here, well inside the grace period.
stop_keepalived() {
  local deadline=$((SECONDS + ${STOP_SECONDS:-3}))
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "keepalived did not stop within ${STOP_SECONDS:-3}s of SIGTERM; SIGKILL"
    pkill -KILL -x keepalived 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  kill "$watcher" 2>/dev/null || true
  drop_stale_address "still there after keepalived stopped"
}
trap 'stop_keepalived; exit 0' TERM INT
while kill -0 "$pid" 2>/dev/null; do
  sleep "$poll" & wait $! || true
  if now="$(other_peers)" && [ "$now" != "$peers" ]; then
    peers="$now"
    render "$peers"
    kill -HUP "$pid"
    log "peers changed, keepalived reloaded"
  fi
done
kill "$watcher" 2>/dev/null || true
rc=0; wait "$pid" || rc=$?
drop_stale_address "still there after keepalived exited ($rc)"
exit "$rc"
