#!/usr/bin/env bash
# Kills the operator's leader pod (force) right after a spec change started a reconcile (one more
# message-api replica). The new leader must finish the change; the data path must not notice.
# Afterwards the replica count is set back. Targets: zero failed requests, Ready again.
# usage: chaos/scenarios/operator-kill.sh
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
ORIGINAL_REPLICAS=

# operator_leader: the pod named by the leader-election Lease, else the only operator pod.
operator_leader() {
  local pods holder p
  mapfile -t pods < <(kubectl -n "$OPERATOR_NAMESPACE" get pods -l "$OPERATOR_SELECTOR" \
    --field-selector=status.phase=Running -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
  (( ${#pods[@]} > 0 )) || die "no running operator pod in $OPERATOR_NAMESPACE with labels $OPERATOR_SELECTOR"
  for holder in $(kubectl -n "$OPERATOR_NAMESPACE" get lease -o jsonpath='{range .items[*]}{.spec.holderIdentity}{"\n"}{end}' 2>/dev/null); do
    for p in "${pods[@]}"; do [[ $holder == "$p"* ]] && { echo "$p"; return; }; done
  done
  echo "${pods[0]}"
}

inject() {
  local leader uid
  ORIGINAL_REPLICAS=$(spec_get "$SPEC_API_REPLICAS")
  [[ -n $ORIGINAL_REPLICAS ]] || ORIGINAL_REPLICAS=$(kc get deploy "$API_DEPLOYMENT" -o jsonpath='{.spec.replicas}')
  leader=$(operator_leader)
  measure leader "\"$leader\""
  spec_patch "$SPEC_API_REPLICAS" $(( ORIGINAL_REPLICAS + 1 ))
  sleep 1 # the reconcile of the change is under way
  uid=$(kubectl -n "$OPERATOR_NAMESPACE" get pod "$leader" -o jsonpath='{.metadata.uid}')
  say "force-delete the operator leader $leader (uid $uid)"
  run_fault kubectl -n "$OPERATOR_NAMESPACE" delete pod "$leader" --grace-period=0 --force --wait=false
  fault_over
  # The proof: the leader pod with that uid is gone.
  local deadline=$(( $(date +%s) + 60 )) now
  until now=$(kubectl -n "$OPERATOR_NAMESPACE" get pod "$leader" --ignore-not-found -o jsonpath='{.metadata.uid}') && [[ $now != "$uid" ]]; do
    (( $(date +%s) < deadline )) || die "fault not proven: operator pod $leader still has uid $uid 60 s after its deletion"
    sleep 1
  done
  measure leaderGone true
}

after_ready() {
  local have
  have=$(kc get deploy "$API_DEPLOYMENT" -o jsonpath='{.status.readyReplicas}')
  measure changeCompletedByNewLeader "$([[ $have == $(( ORIGINAL_REPLICAS + 1 )) ]] && echo true || echo false)"
  heal
  if ! wait_ready "$CHAOS_READY_TIMEOUT" >/dev/null; then note "not Ready after setting the replicas back"; fi
}

heal() {
  [[ -n $ORIGINAL_REPLICAS ]] || return 0
  spec_patch "$SPEC_API_REPLICAS" "$ORIGINAL_REPLICAS"
  ORIGINAL_REPLICAS=
}

run_scenario operator-leader-kill operator-kill "operator leader pod force-deleted during a reconcile (message-api scaled by one)"
