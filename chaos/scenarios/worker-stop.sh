#!/usr/bin/env bash
# Stops kind worker node containers (docker stop) under load, keeps them down, starts them again.
#   one:  the worker that runs the database writer (the pod with the application's sessions).
#         Target: errors for at most 3 s.
#   proxy | api | frontend: the worker that runs a pod of that component, one without the writer
#         when there is one (node loss per placement, issue 15). Same targets as one.
#   half: half of the workers, rounded up, the writer's first (with 3 workers: 2 of them, so the
#         database loses quorum and must stop taking writes). Target: no write lost or duplicated,
#         Ready again after the restore without a manual step.
# The plain client's targets for one and the placements: failures span at most 1 s, p99 during the
# fault at most 2 s. The pods on the stopped node are recorded (podsOnStoppedNode).
# usage: chaos/scenarios/worker-stop.sh one|proxy|api|frontend|half   (CHAOS_NODE_DOWN seconds down, default 60)
#   CHAOS_NODE_STOP=kill: `docker kill` (SIGKILL: the node's processes and its pods end at once, as in a power
#   loss) instead of `docker stop` (systemd's shutdown: containers end first, the kubelet seconds later).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
which=${1:-one}
case $which in one | half | proxy | api | frontend) ;; *) die "usage: $0 one|proxy|api|frontend|half (got '$which')" ;; esac
CHAOS_NODE_DOWN=${CHAOS_NODE_DOWN:-60}
CHAOS_NODE_STOP=${CHAOS_NODE_STOP:-stop}
case $CHAOS_NODE_STOP in stop | kill) ;; *) die "CHAOS_NODE_STOP must be stop or kill (got '$CHAOS_NODE_STOP')" ;; esac
STOPPED=()

inject() {
  local workers first count n
  mapfile -t workers < <(kind_workers)
  (( ${#workers[@]} > 0 )) || die "no kind worker containers found for cluster '$KIND_CLUSTER' (set KIND_CLUSTER)"
  # The writer is the database pod with the application's sessions (it need not be <name>-db-0 after a
  # switchover or a drain); status.writer, then <name>-db-0, when no node can be asked.
  local writer
  writer=$(writer_by_sessions 2>/dev/null || true)
  [[ -n $writer ]] || writer=$(status_writer 2>/dev/null || true)
  [[ -n $writer ]] || writer="$DB_STS-0"
  measure writerBefore "\"$writer\""
  first=$(node_of_pod "$writer" 2>/dev/null || true)
  if [[ $which == proxy || $which == api || $which == frontend ]]; then
    first=$(placement_node "$which" "$first")
    [[ -n $first ]] || die "no running $which pod to place the fault on"
  fi
  count=1
  [[ $which == half ]] && count=$(( (${#workers[@]} + 1) / 2 ))
  [[ -n $first ]] && STOPPED+=("$first")
  for n in "${workers[@]}"; do
    (( ${#STOPPED[@]} < count )) || break
    [[ $n == "$first" ]] || STOPPED+=("$n")
  done
  measure stoppedNodes "$(printf '%s\n' "${STOPPED[@]}" | jq -R . | jq -cs .)"
  measure podsOnStoppedNode "$(kc get pods -l "$LABEL_INSTANCE" --field-selector "spec.nodeName=${STOPPED[0]}" \
    -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort | jq -R . | jq -cs .)"
  measure workers "${#workers[@]}"
  measure nodeStop "\"docker $CHAOS_NODE_STOP\""
  say "docker $CHAOS_NODE_STOP ${STOPPED[*]} (for ${CHAOS_NODE_DOWN}s)"
  run_fault docker "$CHAOS_NODE_STOP" "${STOPPED[@]}"
  for n in "${STOPPED[@]}"; do
    [[ $(docker inspect -f '{{.State.Running}}' "$n") == false ]] || die "fault not injected: $n still runs after docker stop"
  done
  # The proof: Kubernetes sees every stopped node NotReady while it is down (node-monitor grace ~40 s).
  # Also when the stopped node's nginx, message-api and HAProxy pods of the stack were all out of their Services
  # (Ready False), and by whom: reason NodeUnreachable is the operator's node-loss guard, NodeNotReady the node
  # controller's.
  local down_until=$(( $(date +%s) + CHAOS_NODE_DOWN )) t=$FAULT_START ready serving out=""
  declare -A seen=()
  while (( $(date +%s) < down_until )); do
    for n in "${STOPPED[@]}"; do
      [[ -n ${seen[$n]:-} ]] && continue
      ready=$(kubectl get node "$n" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)
      if [[ -n $ready && $ready != True ]]; then
        seen[$n]=1; measure "notReadyAfterMs_$n" $(( $(now_ms) - t ))
      fi
    done
    if [[ -z $out ]]; then
      serving=$(kc get pods -l "$LABEL_INSTANCE" --field-selector "spec.nodeName=${STOPPED[0]}" -o json 2>/dev/null | jq -c '
        [.items[] | select(.metadata.labels["app.kubernetes.io/component"] | IN("frontend", "api", "proxy"))
         | {pod: .metadata.name, ready: ([.status.conditions[]? | select(.type == "Ready")][0] // {})}
         | {pod, status: .ready.status, reason: (.ready.reason // "")}]' || true)
      if [[ -n $serving ]] && jq -e 'length > 0 and all(.status != "True")' <<<"$serving" >/dev/null; then
        out=1
        measure servingPodsOutAfterMs $(( $(now_ms) - t ))
        measure servingPodsOut "$serving"
      fi
      sleep 0.5
    else
      sleep 2
    fi
  done
  say "docker start ${STOPPED[*]}"
  run_fault docker start "${STOPPED[@]}"
  fault_over
  for n in "${STOPPED[@]}"; do
    [[ -n ${seen[$n]:-} ]] || die "fault not proven: node $n was never NotReady in its ${CHAOS_NODE_DOWN}s down (CHAOS_NODE_DOWN shorter than the node-monitor grace period?)"
  done
}

# placement_node COMPONENT WRITER_NODE: the node of a pod of COMPONENT, one other than the writer's when
# there is one (so the placement is not the writer's again).
placement_node() {
  local pod node fallback=""
  for pod in $(pods_of "$1"); do
    node=$(node_of_pod "$pod")
    [[ -n $node ]] || continue
    [[ $node != "$2" ]] && { echo "$node"; return; }
    fallback=$node
  done
  echo "$fallback"
}

heal() {
  local n
  for n in "${STOPPED[@]}"; do
    [[ $(docker inspect -f '{{.State.Running}}' "$n" 2>/dev/null) == true ]] || docker start "$n" >/dev/null
  done
}

if [[ $which == one ]]; then
  run_scenario worker-stop-one worker-stop "docker stop of the kind worker running the database writer, ${CHAOS_NODE_DOWN}s down, then docker start"
elif [[ $which != half ]]; then
  run_scenario "worker-stop-$which" worker-stop "docker stop of a kind worker running a $which pod (not the writer's when possible), ${CHAOS_NODE_DOWN}s down, then docker start"
else
  run_scenario workers-stop-half workers-half-stop "docker stop of half the kind workers (rounded up), ${CHAOS_NODE_DOWN}s down, then docker start"
fi
