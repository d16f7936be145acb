#!/usr/bin/env bash
# Node maintenance under load (issue 15): kubectl drain of the kind worker that holds HAProxy's
# writer (the database pod with the application's sessions), respecting the PodDisruptionBudgets
# (--ignore-daemonsets --delete-emptydir-data), held drained for CHAOS_DRAIN_HOLD seconds (the
# database pod, bound to its volume on that node, waits Pending), then uncordon.
# Target: zero failed requests for both clients, no write lost or duplicated.
# usage: chaos/scenarios/drain-node.sh      (CHAOS_DRAIN_HOLD seconds drained, default 20)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
CHAOS_DRAIN_HOLD=${CHAOS_DRAIN_HOLD:-20}
CHAOS_DRAIN_TIMEOUT=${CHAOS_DRAIN_TIMEOUT:-300}
NODE=

inject() {
  local writer t left uid
  writer=$(writer_by_sessions)
  [[ -n $writer ]] || writer=$(status_writer)
  [[ -n $writer ]] || die "no database pod with application sessions and no status.writer: where is the writer?"
  NODE=$(node_of_pod "$writer")
  [[ -n $NODE ]] || die "$writer is on no node"
  uid=$(pod_uid "$writer")
  measure writerBefore "\"$writer\""
  measure statusWriterBefore "\"$(status_writer)\""
  measure drainedNode "\"$NODE\""
  measure podsOnNode "$(kc get pods -l "$LABEL_INSTANCE" --field-selector "spec.nodeName=$NODE" -o json | jq -c '[.items[].metadata.name]')"
  t=$(now_ms)
  say "kubectl drain $NODE --ignore-daemonsets --delete-emptydir-data (PodDisruptionBudgets respected)"
  run_fault kubectl drain "$NODE" --ignore-daemonsets --delete-emptydir-data --timeout="${CHAOS_DRAIN_TIMEOUT}s"
  measure drainedAfterMs $(( $(now_ms) - t ))
  # The proof: the writer's pod that was on the node is gone, and no pod of the stack runs there.
  [[ $(pod_uid "$writer") != "$uid" ]] || die "fault not proven: $writer (uid $uid) still runs after the drain"
  left=$(kc get pods -l "$LABEL_INSTANCE" --field-selector "spec.nodeName=$NODE" -o json \
    | jq -r '[.items[] | select(.metadata.deletionTimestamp == null and .status.phase == "Running") | .metadata.name] | join(" ")')
  [[ -z $left ]] || die "fault not proven: still running on $NODE after the drain: $left"
  measure writerDuringDrain "\"$(writer_by_sessions)\""
  say "drained; holding ${CHAOS_DRAIN_HOLD}s, then uncordon"
  sleep "$CHAOS_DRAIN_HOLD"
  run_fault kubectl uncordon "$NODE"
  fault_over
}

heal() {
  [[ -n $NODE ]] || return 0
  if [[ $(kubectl get node "$NODE" -o jsonpath='{.spec.unschedulable}' 2>/dev/null) == true ]]; then
    kubectl uncordon "$NODE" >/dev/null
  fi
}

run_scenario drain-node drain-node "kubectl drain of the worker holding the database writer, then uncordon"
