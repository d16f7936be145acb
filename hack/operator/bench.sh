#!/usr/bin/env bash
# Operator numbers on the kind lab (make bench-operator), printed and appended to docs/operator-bench.md:
#   - apply-to-Ready of a fresh kind sample (3-node MariaDB Galera, images already loaded);
#   - resident memory (VmRSS) of each operator pod;
#   - reconcile time when nothing changed (median/max of the operator's "reconciled" log lines for
#     the sample while it is Ready: the periodic 60 s re-check, and a forced no-op reconcile).
# Uses its own stack in namespace messagestack-bench, created from scratch and deleted at the end.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cluster
# A stack of its own (namespace messagestack-bench), so the sample and anything running on it are untouched.
ns=${BENCH_NS:-messagestack-bench}; ms=bench
cleanup() {
  k -n "$ns" delete ms "$ms" --ignore-not-found --wait=true >/dev/null 2>&1 || true
  k -n "$ns" delete pvc,secret -l "app.kubernetes.io/instance=$ms" --ignore-not-found --wait=false >/dev/null 2>&1 || true
}
phase "removing an old bench stack and its volumes"
cleanup
deadline=$((SECONDS + 180))
while [ -n "$(k -n "$ns" get pods,pvc -l "app.kubernetes.io/instance=$ms" -o name 2>/dev/null)" ]; do
  [ $SECONDS -lt $deadline ] || die "old pods/volumes of $ms still there after 180 s"; sleep 2
done
phase "loading the stack's images into kind"
load_stack_images
k create namespace "$ns" --dry-run=client -o yaml | k apply -f - >/dev/null
phase "apply -> Ready (the kind sample as $ns/$ms, frontend ClusterIP)"
t0=$SECONDS
sed -e "s/^  name: demo/  name: $ms/" -e "s/^  namespace: messagestack/  namespace: $ns/" \
    -e "s/type: NodePort/type: ClusterIP/" -e "/nodePort: 30080/d" "$ROOT/deploy/samples/messagestack-kind.yaml" \
  | k apply --server-side -f - >/dev/null
until [ "$(k -n "$ns" get ms "$ms" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = "True" ]; do
  [ $((SECONDS - t0)) -lt 600 ] || { k -n "$ns" get ms,pods >&2; die "bench stack not Ready in 600 s"; }
  sleep 1
done
ready_s=$((SECONDS - t0))
phase "Ready after ${ready_s}s"
phase "forcing no-op reconciles (annotation changes do not change the spec)"
for i in 1 2 3 4 5; do
  k -n "$ns" annotate ms "$ms" "messagestack.io/bench-poke=$i" --overwrite >/dev/null; sleep 2
done
sleep 3
leader=""
for p in $(k -n "$OPERATOR_NS" get pods -l app.kubernetes.io/name=messagestack-operator -o name); do
  rss=$(k -n "$OPERATOR_NS" exec "${p#pod/}" -- sh -c 'grep VmRSS /proc/1/status' | awk '{print $2}')
  echo "operator ${p#pod/}: VmRSS $((rss / 1024)) MiB"
  logs=$(k -n "$OPERATOR_NS" logs "${p#pod/}")
  if grep -q "reconciled stack=$ns/$ms" <<<"$logs"; then leader=${p#pod/}; leader_rss=$((rss / 1024)); fi
done
[ -n "$leader" ] || die "no operator pod logged a reconcile of $ns/$ms"
logs=$(k -n "$OPERATOR_NS" logs "$leader")
times=$(grep "reconciled stack=$ns/$ms " <<<"$logs" | grep "phase=Ready" | tail -10 \
  | sed -n 's/.*elapsed_ms=\([0-9]*\).*/\1/p' | sort -n)
n=$(echo "$times" | grep -c . || true)
[ "$n" -gt 0 ] || die "no reconcile of a Ready stack logged yet"
median=$(echo "$times" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
max=$(echo "$times" | tail -1)
echo
echo "apply-to-Ready (3-node MariaDB Galera, images loaded): ${ready_s} s"
echo "operator resident memory (leader ${leader}): ${leader_rss} MiB"
echo "reconcile with nothing changed: median ${median} ms, max ${max} ms over ${n} reconciles"
{
  echo
  echo "## $(date -u +%Y-%m-%dT%H:%MZ) \`make bench-operator\`"
  echo "- apply-to-Ready (3-node MariaDB Galera, images loaded): **${ready_s} s** (target < 120 s)"
  echo "- operator resident memory (VmRSS of the leader): **${leader_rss} MiB** (target < 200 MiB)"
  echo "- reconcile with nothing changed: median **${median} ms**, max ${max} ms over ${n} reconciles"
} >> "$ROOT/docs/operator-bench.md"
phase "appended to docs/operator-bench.md"
phase "deleting the bench stack and its volumes"
cleanup
