#!/usr/bin/env bash
# Scales the database 3 -> 5 -> 3 under load (spec change; each step waits for Ready).
# Target: zero failed requests, no write lost or duplicated.
# usage: chaos/scenarios/scaling.sh [UP_TO]      (default 5)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
up_to=${1:-5}
ORIGINAL=

inject() {
  local t ready
  ORIGINAL=$(spec_get "$SPEC_DB_REPLICAS")
  [[ -n $ORIGINAL ]] || ORIGINAL=$(kc get sts "$DB_STS" -o jsonpath='{.spec.replicas}')
  measure from "$ORIGINAL"; measure to "$up_to"
  spec_patch "$SPEC_DB_REPLICAS" "$up_to"
  t=$(now_ms)
  if ready=$(wait_ready "$CHAOS_READY_TIMEOUT"); then
    measure scaleUpReadyMs $(( ready - t ))
  else
    note "scale-up to $up_to not Ready within ${CHAOS_READY_TIMEOUT}s ($(kc get pods -l "$LABEL_INSTANCE,$LABEL_COMPONENT_KEY=database" --no-headers | awk '{print $1":"$3}' | tr '\n' ' '))"
  fi
  # The proof: the database really had up_to ready nodes before it was scaled back.
  local have
  have=$(kc get sts "$DB_STS" -o jsonpath='{.status.readyReplicas}')
  measure readyReplicasAtTop "${have:-0}"
  [[ ${have:-0} == "$up_to" ]] || proof_failed "the database had ${have:-0} ready nodes, not $up_to, before scaling back"
  heal
  fault_over
}

after_ready() {
  local have
  have=$(kc get sts "$DB_STS" -o jsonpath='{.status.readyReplicas}')
  [[ ${have:-0} == "${MEASURE[from]}" ]] || proof_failed "the database has ${have:-0} ready nodes after scaling back, not ${MEASURE[from]}"
}

heal() {
  [[ -n $ORIGINAL ]] || return 0
  spec_patch "$SPEC_DB_REPLICAS" "$ORIGINAL"
  ORIGINAL=
}

run_scenario "scale-db-3-5-3" scaling "database scaled from 3 to $up_to and back under load"
