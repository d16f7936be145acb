#!/bin/bash
# Steers the first packet of every pod connection to kube-network-policies' NFQUEUE, with the
# xtables NFQUEUE target (iptables-nft, nft_compat). Why: kube-network-policies installs the same
# steering with the nftables `queue` statement, which needs CONFIG_NFT_QUEUE; this lab's host
# kernel lacks it (but has CONFIG_NETFILTER_XT_TARGET_NFQUEUE), so its own rules are refused and
# these take their place. The policy decision is still made by kube-network-policies.
# Mirrors its postrouting chain (established/related pass, everything to or from the pod network
# is queued before SNAT) with one difference: kube-network-policies lets through what root on the
# node sends (kubelet probes); here everything the node itself sends passes (source address local
# to the node, as Cilium's default), because a hostNetwork pod (HAProxy/nginx with the VIP) reaches
# a pod on its own node from the ptp gateway address (10.244.N.1), which no ipBlock of node
# addresses covers. Such traffic is still checked when it arrives at another node.
# --queue-bypass: while no kube-network-policies listens on the queue, packets pass (fail open).
# Re-checked every 10 s (idempotent); removed on SIGTERM.
set -u
CHAIN=MS-NETPOL
CIDR=${POD_CIDR:?POD_CIDR is required (the cluster pod network, e.g. 10.244.0.0/16)}
QUEUE=${NFQUEUE_ID:-100}
log() { echo "netpol-queue: $*"; }

want_rules() {
  cat <<EOT
-A $CHAIN -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN
-A $CHAIN -m addrtype --src-type LOCAL -j RETURN
-A $CHAIN -s $CIDR -j NFQUEUE --queue-num $QUEUE --queue-bypass
-A $CHAIN -d $CIDR -j NFQUEUE --queue-num $QUEUE --queue-bypass
EOT
}

sync_rules() {
  local have
  have=$(iptables -t mangle -S "$CHAIN" 2>/dev/null | grep -v "^-N ")
  if [ "$have" != "$(want_rules)" ]; then
    iptables -t mangle -N "$CHAIN" 2>/dev/null || iptables -t mangle -F "$CHAIN"
    while read -r line; do
      # shellcheck disable=SC2086
      iptables -t mangle $line || { log "ERROR: iptables -t mangle $line failed"; return 1; }
    done <<< "$(want_rules)"
    log "rules for $CIDR -> queue $QUEUE installed"
  fi
  iptables -t mangle -C POSTROUTING -j "$CHAIN" 2>/dev/null || iptables -t mangle -A POSTROUTING -j "$CHAIN"
}

cleanup() {
  iptables -t mangle -D POSTROUTING -j "$CHAIN" 2>/dev/null
  iptables -t mangle -F "$CHAIN" 2>/dev/null
  iptables -t mangle -X "$CHAIN" 2>/dev/null
  log "rules removed"
  exit 0
}
trap cleanup TERM INT

while true; do
  sync_rules || exit 1
  sleep 10 & wait $!
done
