#!/usr/bin/env bash
# Shows why test-vip once saw "holders []" while a node held the VIP (issue 18): on a kind node with many
# interfaces (pods' veths, as during `make test`), `docker exec NODE ip -o -4 addr show | grep -qw ADDR` under
# pipefail loses the answer whenever grep has found the address and exited before docker exec wrote the rest
# (SIGPIPE: the pipeline fails, `&& echo NODE` never runs). The fixed check reads the output first.
# Puts a test address and RUNS_VETH veth pairs (listed after eth0, as pod veths are) on one worker, asks both
# ways RUNS times, prints the misses, and removes what it added (also on Ctrl-C). Safe to run twice.
set -euo pipefail
source "$(dirname "$0")/../operator/lib.sh"
source "$(dirname "$0")/vip-observe.sh"
require_cluster
NODE=${PROBE_NODE:-${CLUSTER_NAME}-worker}
ADDR=${PROBE_ADDR:-172.18.255.240}
RUNS=${RUNS:-100}
RUNS_VETH=${RUNS_VETH:-30}

cleanup() {
  docker exec "$NODE" sh -c "ip addr del $ADDR/32 dev eth0 2>/dev/null; for i in \$(seq 1 $RUNS_VETH); do ip link del msprobe\$i 2>/dev/null; done; true"
}
trap cleanup EXIT
cleanup
docker exec "$NODE" sh -c "ip addr add $ADDR/32 dev eth0
  for i in \$(seq 1 $RUNS_VETH); do ip link add msprobe\$i type veth peer name msprobe\${i}p
    ip addr add 10.99.\$i.1/32 dev msprobe\$i; ip addr add 10.98.\$i.1/32 dev msprobe\${i}p; done"
bytes=$(docker exec "$NODE" ip -o -4 addr show | wc -c)
phase "$NODE holds $ADDR; its 'ip -o -4 addr show' prints $bytes bytes; asking $RUNS times each way"

old_check() { docker exec "$NODE" ip -o -4 addr show 2>/dev/null | grep -qw "inet $ADDR" && echo "$NODE"; return 0; }
miss_old=0 miss_new=0
for _ in $(seq 1 "$RUNS"); do
  [ -n "$(old_check)" ] || miss_old=$((miss_old + 1))
  [ "$(vip_holders "$ADDR")" = "$NODE" ] || miss_new=$((miss_new + 1))
done
phase "docker exec | grep -q under pipefail missed the holder $miss_old of $RUNS times; vip_holders (output read first) $miss_new of $RUNS (load $(cut -d' ' -f1 /proc/loadavg))"
[ "$miss_new" = 0 ] || die "vip_holders missed the holder $miss_new times"
