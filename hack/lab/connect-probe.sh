#!/usr/bin/env bash
# Diagnostic (not a test): how long new TCP connections from one pod to others take, the measurement behind
# docs/offline-lab.md's NFQUEUE note. From inside POD (its container CONTAINER must have bash), connects to each
# ADDRESS:PORT in turn every 50 ms for SECONDS and prints every connect that took 500 ms or more (a lost SYN shows
# as ~1 s, its retransmit), then the count. Read-only: opens and closes connections, nothing else.
# usage: hack/lab/connect-probe.sh NAMESPACE POD CONTAINER SECONDS PORT ADDRESS...
#   e.g. hack/lab/connect-probe.sh messagestack demo-frontend-xxx nginx 90 8080 10.244.2.8 10.244.3.7
set -euo pipefail
[[ $# -ge 6 ]] || { sed -n '2,7p' "$0"; exit 2; }
ns=$1 pod=$2 container=$3 secs=$4 port=$5; shift 5
echo "connect-probe: $pod -> $* port $port for ${secs}s (slow = 500 ms or more)"
kubectl -n "$ns" exec "$pod" -c "$container" -- bash -c '
secs=$1 port=$2; shift 2
end=$(( $(date +%s) + secs )); n=0; slow=0
while [ "$(date +%s)" -lt "$end" ]; do
  for ip in "$@"; do
    s=$(date +%s%N); (exec 3<>"/dev/tcp/$ip/$port") 2>/dev/null; e=$(date +%s%N)
    ms=$(( (e - s) / 1000000 )); n=$((n + 1))
    if [ "$ms" -ge 500 ]; then slow=$((slow + 1)); echo "$(date +%T) $ip ${ms}ms"; fi
  done
  sleep 0.05
done
echo "connects=$n slow=$slow"' _ "$secs" "$port" "$@"
