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
# Also holds an empty nftables table of kube-network-policies' name, owned by this container's `nft`
# process (`flags owner`: only the owner may change it; the kernel removes it when the owner exits).
# Why: on every change of a local pod the controller re-creates its table in one transaction, which
# fails here (the `queue` statement); while that transaction is prepared it registers its postrouting
# hook, and the abort unregisters it, and unregistering a netfilter hook drops every packet waiting
# in the queues of the node. So each pod change dropped the SYNs that were waiting for a verdict:
# new connections took 1 s (the SYN's retransmit), which is where the lab's "connect timeouts to
# live pods" during rolls came from (measured: 14 of 448 connects to a pod at 1 s while a loop
# aborted that transaction on its node, 0 of 1500 without; docs/offline-lab.md). With the table
# owned, the controller's transaction is refused at its first step (EPERM) before any hook exists.
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

NFT_TABLE=${NFT_TABLE:-kube-network-policies}
holder=""
hold_table() {
  if [ -n "$holder" ] && kill -0 "$holder" 2>/dev/null; then return 0; fi
  { echo "add table inet $NFT_TABLE { flags owner; }"; exec sleep infinity; } | nft -i >/dev/null 2>&1 &
  holder=$!
  sleep 0.5
  if nft list table inet "$NFT_TABLE" 2>/dev/null | grep -q 'flags owner'; then
    log "nftables table inet $NFT_TABLE held (owner pid $holder): the controller cannot re-create it"
  else
    log "WARNING: could not hold nftables table inet $NFT_TABLE; pod changes will drop queued packets"
  fi
}

cleanup() {
  [ -n "$holder" ] && kill "$holder" 2>/dev/null
  iptables -t mangle -D POSTROUTING -j "$CHAIN" 2>/dev/null
  iptables -t mangle -F "$CHAIN" 2>/dev/null
  iptables -t mangle -X "$CHAIN" 2>/dev/null
  log "rules removed"
  exit 0
}
trap cleanup TERM INT

while true; do
  sync_rules || exit 1
  hold_table
  sleep 10 & wait $!
done
