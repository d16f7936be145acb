#!/bin/bash
# keepalived sidecar of a MessageStack nginx or HAProxy pod (written by the MessageStack operator).
# Usage: keepalived-start.sh <frontend|proxy>. Builds keepalived.conf from the template and the peer list in
# $CONFIG_DIR (ConfigMap <name>-vip-config), leaving out this node's own address ($HOST_IP), starts keepalived,
# and reloads it (SIGHUP) whenever the peer list or the template changes.
set -euo pipefail
role="${1:?usage: keepalived-start.sh <frontend|proxy>}"
config_dir="${CONFIG_DIR:-/etc/messagestack/keepalived}"
out="${KEEPALIVED_CONF:-/tmp/keepalived.conf}"

render() {
  local peers
  peers="$(grep -vxF "${HOST_IP:-}" "$config_dir/$role.peers" | sed '/^$/d; s/^/        /' || true)"
  awk -v peers="$peers" '$0 == "__UNICAST_PEERS__" { if (peers != "") print peers; next } { print }' \
    "$config_dir/$role.conf.tmpl" > "$out.new"
  mv "$out.new" "$out"
  echo "keepalived-start: rendered $out for $role on ${HOST_IP:-?}, peers: $(echo $peers)"
}

checksum() { cat "$config_dir/$role.peers" "$config_dir/$role.conf.tmpl" | md5sum; }

render
[ "${RENDER_ONLY:-}" = 1 ] && exit 0
last="$(checksum)"
keepalived --dont-fork --log-console --use-file "$out" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid' TERM INT
while kill -0 "$pid" 2>/dev/null; do
  sleep 5
  now="$(checksum)"
  if [ "$now" != "$last" ]; then
    render
    kill -HUP "$pid"
    last="$now"
    echo "keepalived-start: peers or template changed, keepalived reloaded"
  fi
done
wait "$pid"
