#!/usr/bin/env bash
# Planned switchover under load (issue 15): asks the operator to move HAProxy's writer to another
# Synced database node with the annotation messagestack.io/switchover-to=<pod>, then waits until the
# status names it (status.writer) and every proxy pod runs the new haproxy.cfg (the Deployment rolled).
# The proof, once Ready again: status.writer.pod and lastRequest say Switched, and the application's
# database sessions are on the new writer, none on the old one.
# Target: zero failed requests for both clients, no write lost or duplicated.
# usage: chaos/scenarios/switchover.sh [POD]     (default: the node after the writer, by ordinal)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
target=${1:-}
BEFORE=

inject() {
  local replicas ordinal t deadline w outcome
  BEFORE=$(status_writer)
  [[ -n $BEFORE ]] || die "status.writer.pod is empty: the operator does not report its writer (too old?)"
  replicas=$(kc get sts "$DB_STS" -o jsonpath='{.spec.replicas}')
  if [[ -z $target ]]; then
    ordinal=${BEFORE##*-}
    target=$DB_STS-$(( (ordinal + 1) % replicas ))
  fi
  measure writerBefore "\"$BEFORE\""
  measure writerTarget "\"$target\""
  measure sessionsBefore "\"$(sessions_by_pod)\""
  t=$(now_ms)
  say "kubectl annotate $MS_RESOURCE $MS_NAME $SWITCHOVER_ANNOTATION=$target"
  run_fault kc annotate "$MS_RESOURCE" "$MS_NAME" "$SWITCHOVER_ANNOTATION=$target" --overwrite
  deadline=$(( $(date +%s) + 60 ))
  while :; do
    w=$(status_writer)
    outcome=$(kc get "$MS_RESOURCE" "$MS_NAME" -o jsonpath='{.status.writer.lastRequest.outcome}')
    [[ $w == "$target" && $outcome == Switched ]] && break
    if [[ $outcome == Refused ]] && [[ $(kc get "$MS_RESOURCE" "$MS_NAME" -o jsonpath='{.status.writer.lastRequest.target}') == "$target" ]]; then
      die "the operator refused: $(kc get "$MS_RESOURCE" "$MS_NAME" -o jsonpath='{.status.writer.lastRequest.message}')"
    fi
    (( $(date +%s) < deadline )) || die "status.writer is still '$w' 60 s after the annotation"
    sleep 0.5
  done
  measure statusSwitchedAfterMs $(( $(now_ms) - t ))
  kc rollout status "deploy/$MS_NAME-proxy" --timeout=180s >/dev/null || die "the proxy Deployment did not roll out"
  measure proxiesRolledAfterMs $(( $(now_ms) - t ))
  fault_over
}

after_ready() {
  local sessions old new deadline
  # Old proxy pods may still be stopping (preStop 3 s) with their sessions on the old writer: give them 30 s.
  deadline=$(( $(date +%s) + 30 ))
  while :; do
    sessions=$(sessions_by_pod)
    old=$(tr ' ' '\n' <<<"$sessions" | awk -F= -v p="$BEFORE" '$1 == p {print $2}')
    new=$(tr ' ' '\n' <<<"$sessions" | awk -F= -v p="$target" '$1 == p {print $2}')
    if [[ $new =~ ^[0-9]+$ && $old =~ ^[0-9]+$ ]] && (( new > 0 && old == 0 )); then break; fi
    (( $(date +%s) < deadline )) || break
    sleep 2
  done
  measure sessionsAfter "\"$sessions\""
  if [[ $(status_writer) == "$target" && $new =~ ^[0-9]+$ && $old =~ ^[0-9]+$ ]] && (( new > 0 && old == 0 )); then
    measure writerMoved true
  else
    measure writerMoved false
    proof_failed "the writes did not move from $BEFORE to $target (status.writer $(status_writer); sessions $sessions)"
  fi
}

run_scenario switchover switchover "planned switchover: annotation $SWITCHOVER_ANNOTATION to the next database node"
