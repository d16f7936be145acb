#!/usr/bin/env bash
# Deletes one pod of one component of the stack while the load runs, gracefully or with
# --grace-period=0 --force. Target: zero failed client requests, no write lost or duplicated.
# usage: chaos/scenarios/pod-kill.sh database|proxy|api|frontend graceful|force
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
component=${1:-}
mode=${2:-graceful}
case $component in database | proxy | api | frontend) ;; *) die "usage: $0 database|proxy|api|frontend graceful|force (component '$component')" ;; esac
case $mode in graceful | force) ;; *) die "usage: $0 $component graceful|force (mode '$mode')" ;; esac

inject() {
  local victim uid
  if [[ $component == database ]] && kc get pod "$DB_STS-0" >/dev/null 2>&1; then
    victim=$DB_STS-0 # HAProxy's active writer: the worst pod to lose
  else
    victim=$(pods_of "$component" | head -n 1)
  fi
  [[ -n $victim ]] || die "no $component pod found (labels $LABEL_INSTANCE,$LABEL_COMPONENT_KEY=$component)"
  measure victim "\"$victim\""
  measure node "\"$(node_of_pod "$victim")\""
  uid=$(pod_uid "$victim")
  if [[ $mode == force ]]; then
    run_fault kc delete pod "$victim" --grace-period=0 --force --wait=false
  else
    run_fault kc delete pod "$victim" --wait=false
  fi
  fault_over
  wait_not_ready 3
  # The proof: the pod that had this uid is gone (graceful: after its preStop and shutdown).
  expect_pod_replaced "$victim" "$uid" 180
}

run_scenario "pod-kill-$component-$mode" pod-kill "kubectl delete pod ($mode) of one $component pod under load"
