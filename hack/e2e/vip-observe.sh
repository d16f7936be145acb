# shellcheck shell=bash
# Watching a keepalived VIP on the kind lab the way its users see it (sourced by hack/e2e/vip-test.sh and
# chaos/scenarios/process-kill.sh). Needs `docker`, `kind`, `curl` and CLUSTER_NAME.
#
# Two views, both written as timestamped lines (epoch ms, the host's and the nodes' clock are the same kernel's):
#  - the address view: a loop inside every kind node prints "<ms> <node> 1|0" each time the address appears on
#    or leaves one of its interfaces (sampled every 50 ms, in the node: docker exec's own latency, up to a second
#    on a loaded lab, is not in the numbers);
#  - the client view: a plain client on the host asks http://VIP/ every 100 ms, once, with a 1 s timeout, and
#    prints "<sent ms> <answered ms> <http code> <curl exit code>" (000 = no HTTP answer; exit 7 refused, 28 timeout).
# hack/e2e/vip_report.py turns both into the timeline, the gap the client saw and the holder changes.

# vip_holders VIP: the kind nodes that have VIP on an interface, one per line. The command's output is read
# whole before it is searched: `docker exec ... | grep -q` under pipefail reports no holder whenever grep
# stops reading before docker exec has written everything (SIGPIPE), which is how a check saw "holders []"
# while a node held the address.
vip_holders() {
  local n out
  for n in $(kind get nodes --name "$CLUSTER_NAME"); do
    out=$(docker exec "$n" ip -o -4 addr show 2>/dev/null) || continue
    if grep -qw "inet $1" <<<"$out"; then echo "$n"; fi
  done
  return 0
}

# vip_observe_start VIP DIR SECONDS: starts the address watchers on every node and the client, for SECONDS.
# Their lines go to DIR/addr-<node> and DIR/client; vip_observe_wait waits for them to finish.
VIP_OBSERVE_PIDS=()
vip_observe_start() {
  local vip=$1 dir=$2 secs=$3 n
  mkdir -p "$dir"
  for n in $(kind get nodes --name "$CLUSTER_NAME"); do
    docker exec "$n" timeout "$secs" sh -c "
      prev=
      while :; do
        if ip -o -4 addr show | grep -qw 'inet $vip'; then s=1; else s=0; fi
        if [ \"\$s\" != \"\$prev\" ]; then echo \"\$(date +%s%3N) $n \$s\"; prev=\$s; fi
        sleep 0.05
      done" >"$dir/addr-$n" 2>/dev/null &
    VIP_OBSERVE_PIDS+=($!)
  done
  (
    end=$(( $(date +%s) + secs ))
    while [ "$(date +%s)" -lt "$end" ]; do
      sent=$(date +%s%3N)
      rc=0
      code=$(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://$vip/" 2>/dev/null) || rc=$?
      echo "$sent $(date +%s%3N) ${code:-000} $rc"
      sleep 0.1
    done
  ) >"$dir/client" &
  VIP_OBSERVE_PIDS+=($!)
}

# vip_observe_wait: waits for the watchers and the client started by vip_observe_start (they end by themselves).
vip_observe_wait() {
  local p
  for p in "${VIP_OBSERVE_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  VIP_OBSERVE_PIDS=()
}
