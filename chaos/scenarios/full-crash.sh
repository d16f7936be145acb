#!/usr/bin/env bash
# A full database crash under load: every database pod force-deleted at once (with --sigkill,
# mariadbd is first killed with SIGKILL in every pod, so no node shuts down cleanly and every
# grastate.dat is left with seqno -1). The operator must find the most advanced node, bootstrap
# from it and rejoin the rest. Target: Ready again within 120 s, no acknowledged write lost.
# usage: chaos/scenarios/full-crash.sh [--sigkill]
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
sigkill=false
[[ ${1:-} == --sigkill ]] && sigkill=true

inject() {
  local pods p pid
  mapfile -t pods < <(pods_of database)
  (( ${#pods[@]} > 0 )) || die "no database pods found"
  measure databasePods "${#pods[@]}"
  if $sigkill; then
    for p in "${pods[@]}"; do
      pid=$(container_host_pid "$p" "$DB_CONTAINER") || die "cannot find the $DB_CONTAINER process of $p (crictl in the kind node)"
      docker exec "$(node_of_pod "$p")" pkill -KILL -P "$pid" >/dev/null 2>&1 || true
      docker exec "$(node_of_pod "$p")" kill -KILL "$pid" || true
    done
    say "SIGKILL sent to the database processes of ${pods[*]}"
  fi
  kc delete pod "${pods[@]}" --grace-period=0 --force --wait=false 2>&1 | grep -v '^Warning' || true
  fault_over
  wait_not_ready 3
}

after_ready() {
  # The operator's own account of the recovery, for the note.
  local reasons
  reasons=$(kc get events --field-selector "involvedObject.name=$MS_NAME" -o json 2>/dev/null | jq -r --argjson t "$FAULT_START" '
    [.items[] | select(((.lastTimestamp // .eventTime // .metadata.creationTimestamp) | sub("\\.[0-9]+";"") | fromdateiso8601) * 1000 >= ($t - 1000))
     | .reason] | unique | join(", ")' 2>/dev/null || true)
  [[ -n $reasons ]] && note "operator events during the recovery: $reasons"
  return 0
}

name=full-db-crash
$sigkill && name=full-db-crash-sigkill
run_scenario "$name" full-crash "every database pod force-deleted at once$($sigkill && echo ', mariadbd SIGKILLed first')"
