#!/usr/bin/env bash
# Operator numbers on the kind lab (make bench-operator), printed and appended to docs/operator-bench.md:
#   - apply-to-Ready of a fresh kind sample (3-node MariaDB Galera, images already loaded);
#   - resident memory (VmRSS) of each operator pod;
#   - reconcile time when nothing changed (median/max of the operator's "reconciled" log lines for
#     the sample while it is Ready: the periodic 60 s re-check, and a forced no-op reconcile).
# Deletes and re-creates the sample stack (and its database volumes) to measure from scratch.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cluster
ns=$SAMPLE_NS; ms=$SAMPLE_NAME
phase "removing the sample stack and its volumes for a fresh start"
k -n "$ns" delete ms "$ms" --ignore-not-found --wait=true >/dev/null
k -n "$ns" delete pod,pvc -l "app.kubernetes.io/instance=$ms" --ignore-not-found --wait=true >/dev/null 2>&1 || true
deadline=$((SECONDS + 120))
while [ -n "$(k -n "$ns" get pods -l "app.kubernetes.io/instance=$ms" -o name 2>/dev/null)" ]; do
  [ $SECONDS -lt $deadline ] || die "old pods of $ms still terminating after 120 s"; sleep 2
done
phase "apply -> Ready"
"$ROOT/hack/operator/deploy-sample.sh"
ready_s=$(cat "$MS_CACHE/operator/last-apply-to-ready-seconds")
phase "forcing no-op reconciles (annotation changes do not change the spec)"
for i in 1 2 3 4 5; do
  k -n "$ns" annotate ms "$ms" "messagestack.io/bench-poke=$i" --overwrite >/dev/null; sleep 2
done
sleep 3
leader=""
for p in $(k -n "$OPERATOR_NS" get pods -l app.kubernetes.io/name=messagestack-operator -o name); do
  rss=$(k -n "$OPERATOR_NS" exec "${p#pod/}" -- sh -c 'grep VmRSS /proc/1/status' | awk '{print $2}')
  echo "operator ${p#pod/}: VmRSS $((rss / 1024)) MiB"
  if k -n "$OPERATOR_NS" logs "${p#pod/}" | grep -q "reconciled stack=$ns/$ms"; then leader=${p#pod/}; leader_rss=$((rss / 1024)); fi
done
[ -n "$leader" ] || die "no operator pod logged a reconcile of $ns/$ms"
times=$(k -n "$OPERATOR_NS" logs "$leader" | grep "reconciled stack=$ns/$ms " | grep "phase=Ready" | tail -10 \
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
