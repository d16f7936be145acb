#!/bin/bash
# Pod network agent of the offline kind node image (in place of kindnetd, which cannot be fetched
# without a registry). Every few seconds, with the kubelet's credentials:
#  - writes the CNI config for this node's podCIDR (ptp + host-local + portmap, as kindnetd does),
#  - routes every other node's podCIDR via that node's InternalIP (all nodes share one L2 network),
#  - masquerades pod traffic that leaves the pod network (pod-to-pod keeps its source address).
# NetworkPolicy is NOT enforced by this network.
set -u
KUBECONFIG=/etc/kubernetes/kubelet.conf
NODE=$(hostname)
CONF=/etc/cni/net.d/10-ms-podnet.conflist
CHAIN=MS-PODNET-MASQ
last_masq=""
log() { echo "ms-podnet: $*"; }

k() { kubectl --kubeconfig "$KUBECONFIG" --request-timeout=5s "$@"; }

write_cni_config() {
  local cidr=$1 mtu tmp
  mtu=$(cat /sys/class/net/eth0/mtu 2>/dev/null || echo 1500)
  tmp=$(mktemp)
  cat > "$tmp" <<EOT
{
  "cniVersion": "0.4.0",
  "name": "ms-podnet",
  "plugins": [
    {
      "type": "ptp",
      "ipMasq": false,
      "mtu": $mtu,
      "ipam": {
        "type": "host-local",
        "dataDir": "/run/cni-ipam-state",
        "routes": [ { "dst": "0.0.0.0/0" } ],
        "ranges": [ [ { "subnet": "$cidr" } ] ]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOT
  if ! cmp -s "$tmp" "$CONF"; then
    mkdir -p "$(dirname "$CONF")"; mv "$tmp" "$CONF"; log "wrote $CONF for $cidr"
  else
    rm -f "$tmp"
  fi
}

sync_masquerade() { # own_cidr all_cidrs...
  local own=$1; shift
  local want="$own|$*"
  [ "$want" = "$last_masq" ] && iptables -t nat -C POSTROUTING -s "$own" -j "$CHAIN" 2>/dev/null && return
  iptables -t nat -N "$CHAIN" 2>/dev/null || iptables -t nat -F "$CHAIN"
  for c in "$@"; do iptables -t nat -A "$CHAIN" -d "$c" -j RETURN; done
  iptables -t nat -A "$CHAIN" -j MASQUERADE
  iptables -t nat -C POSTROUTING -s "$own" -j "$CHAIN" 2>/dev/null || iptables -t nat -A POSTROUTING -s "$own" -j "$CHAIN"
  last_masq="$want"
  log "masquerade for $own except $*"
}

while true; do
  if [ -s "$KUBECONFIG" ]; then
    own=$(k get node "$NODE" -o jsonpath='{.spec.podCIDR}' 2>/dev/null || true)
    [ -n "$own" ] && write_cni_config "$own"
    table=$(k get nodes -o jsonpath='{range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.addresses[?(@.type=="InternalIP")].address}{"\n"}{end}' 2>/dev/null || true)
    cidrs=()
    while read -r name cidr ip; do
      [ -n "${cidr:-}" ] || continue
      cidrs+=("$cidr")
      [ "$name" = "$NODE" ] && continue
      [ -n "${ip:-}" ] || continue
      ip=${ip%% *}   # first address only (IPv4 first in kind)
      cur=$(ip -4 route show "$cidr" 2>/dev/null)
      if [ "$cur" != "$cidr via $ip dev eth0 " ] && [ "$cur" != "$cidr via $ip dev eth0" ]; then
        ip route replace "$cidr" via "$ip" && log "route $cidr via $ip ($name)"
      fi
    done <<< "$table"
    [ -n "$own" ] && [ "${#cidrs[@]}" -gt 0 ] && sync_masquerade "$own" "${cidrs[@]}"
  fi
  sleep 2
done
