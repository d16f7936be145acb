#!/usr/bin/env bash
# Makes one message-api pod go silent without dying: on its node, every packet to or from the pod's address is
# dropped (iptables, raw table, a chain of its own), as when the node's network fails, for CHAOS_SILENCE seconds,
# then healed. Requests nginx had already sent to the pod get no answer and no reset: nginx must give up on them
# (TCP keep-alive on its upstream sockets, docs/operator.md "A request already inside a pod that goes silent") and
# send them to the other pod. Target: zero failed requests, no write lost or duplicated.
# usage: chaos/scenarios/silent-pod.sh [POD]     (default: the first message-api pod; CHAOS_SILENCE, default 25)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
CHAOS_SILENCE=${CHAOS_SILENCE:-25}
victim=${1:-}
NODE=
CHAIN=MS_CHAOS_SILENT

inject() {
  [[ -n $victim ]] || victim=$(pods_of api | head -n 1)
  [[ -n $victim ]] || die "no message-api pod found (labels $LABEL_INSTANCE,$LABEL_COMPONENT_KEY=api)"
  local ip
  ip=$(kc get pod "$victim" -o jsonpath='{.status.podIP}')
  NODE=$(node_of_pod "$victim")
  [[ -n $ip && -n $NODE ]] || die "pod $victim has no address or node"
  measure victim "\"$victim\""
  measure node "\"$NODE\""
  say "iptables in $NODE: drop every packet to or from $victim ($ip) for ${CHAOS_SILENCE}s"
  # PREROUTING: from the pod's own interface and from anywhere else to it; OUTPUT: from the node (kubelet probes).
  docker exec "$NODE" sh -c "iptables -t raw -N $CHAIN 2>/dev/null || iptables -t raw -F $CHAIN
    for c in PREROUTING OUTPUT; do iptables -t raw -C \$c -j $CHAIN 2>/dev/null || iptables -t raw -I \$c 1 -j $CHAIN; done
    iptables -t raw -A $CHAIN -s $ip -j DROP; iptables -t raw -A $CHAIN -d $ip -j DROP"
  # The proof: two DROP rules for the address, and both hooks jump to the chain.
  local drops jumps
  drops=$(docker exec "$NODE" iptables -t raw -S "$CHAIN" | grep -c -- "$ip/32 -j DROP" || true)
  jumps=$(docker exec "$NODE" iptables -t raw -S | grep -cE -- "^-A (PREROUTING|OUTPUT) -j $CHAIN\$" || true)
  (( drops == 2 && jumps == 2 )) ||
    die "fault not injected: $NODE has $drops DROP rules for $ip in raw/$CHAIN (want 2) and $jumps jumps to it (want 2)"
  sleep "$CHAOS_SILENCE"
  heal
  fault_over
}

heal() {
  [[ -n $NODE ]] || return 0
  say "heal: remove the iptables rules in $NODE"
  docker exec "$NODE" sh -c "for c in PREROUTING OUTPUT; do while iptables -t raw -D \$c -j $CHAIN 2>/dev/null; do :; done; done
    iptables -t raw -F $CHAIN 2>/dev/null; iptables -t raw -X $CHAIN 2>/dev/null; true"
  NODE=
}

run_scenario silent-api-pod pod-kill "every packet of one message-api pod dropped on its node for ${CHAOS_SILENCE}s (the pod alive but silent), then healed"
