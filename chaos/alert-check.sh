#!/usr/bin/env bash
# Runs one chaos scenario on the kind lab and asks the lab's Prometheus (make monitoring), through its
# HTTP API (/api/v1/alerts, via the API server's service proxy), whether the matching alerts fire
# within a stated time after the fault starts and resolve within a stated time after the stack is
# Ready again. Fails (exit 1) when one does not fire, fires late, or does not resolve in time.
# The scenario's own results go to a scratch folder: chaos/results and docs/chaos.md stay as they were.
#
# usage: chaos/alert-check.sh SCENARIO
#   full-db-crash     MessageStackGaleraNotPrimary                          (chaos full-crash.sh)
#   worker-stop-one   MessageStackGaleraClusterSizeBelowDesired             (worker-stop.sh one)
#   desync-node       MessageStackGaleraNodeNotSynced, MessageStackNotReady (desync-node.sh, 390 s desynced)
#   writer-flapping   MessageStackWriterFlapping                            (switchover.sh three times)
#   flow-control      MessageStackGaleraFlowControlHigh, MessageStackApiErrorRatioHigh (flow-control.sh, 420 s lock)
#   backup-too-old    MessageStackBackupTooOld                             (backup-age.sh: backups' end times 27 h back,
#                     780 s, then a new backup; run it on a stack with spec.backup and no retention.maxAge, MS_NAME/MS_NAMESPACE)
# MessageStackWriterFlapping counts moves over 1 h, so it resolves about an hour after the first of the three
# moves, when that move leaves the window (moves before it left earlier): the check waits that long. Its resolve
# budget, 3660 s after the last run's Ready, is the hour + one scrape + two evaluations + 30 s margin, an upper
# bound since the first move came before that Ready. Keep writer moves (switchovers, node faults on the workers
# this stack uses) off the lab for that hour, or the alert stays active and the check fails.
# With several runs, an alert's fire time counts from the fault of the run during which it fired (firedInRun): for
# writer-flapping that is the move that made 3 in the hour, the third switchover only when the hour before had none;
# valueBefore records messagestack:writer_moves:1h before the first run, so a line says which it was.
# Prints the times and appends one JSON line per alert and run to chaos/results/alerts/SCENARIO.jsonl.
set -euo pipefail
CHAOS_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$CHAOS_DIR/.." && pwd)
scenario=${1:-}
# The lab's kubectl and kind (the toolchain's) first, as the lab scripts do.
# shellcheck disable=SC1091
source "$REPO/hack/versions.env"
export PATH="${MS_CACHE:-$HOME/.cache/messagestack}/k8s/$K8S_VERSION/bin:${MS_CACHE:-$HOME/.cache/messagestack}/kind/$KIND_VERSION/bin:$PATH"

# scenario -> script and arguments, how many runs in a row, the chaos scenario's own name (its events file),
# the alerts as NAME:FIRE[:RESOLVE] with their fire budgets (s after the (last) fault started) and, when an
# alert needs its own, resolve budgets (s after Ready again), and the scenario's resolve budget for the others
# (s after Ready again). Budgets: the rule's `for` + one scrape (10 s) + one evaluation (10 s) + margin.
# flow-control's two rules average over 5 minutes, so their windows count too (fault = the lock statement,
# taken about 5 s after the fault starts; the scenario holds it 420 s, longer than either fire budget):
#   MessageStackGaleraFlowControlHigh fires 380 s: ~5 s to the lock + 30 s of pauses before rate(...[5m]) > 0.1
#     (10 % of 300 s) + for 5m + scrape + evaluation + 25 s margin. It resolves 330 s after Ready: the stack stays
#     Ready through the fault (flow control leaves every node Synced), so Ready comes right after the release, and
#     the window holds less than 30 s of pauses 270 s after they end; + scrape + evaluation + 40 s margin.
#   MessageStackApiErrorRatioHigh fires 390 s: ~5 s to the lock + 9 s until message-api gives a stalled write up
#     (503, its retry budget) + ~30 s until the 503s (about 1.4/s on the lab, with the clients' aborts counted as
#     RESET beside them) are over 5 % of a window that also holds the 10 s baseline's successes + for 5m + scrape
#     + evaluation + 25 s margin. It resolves 360 s after Ready: the last 5xx come ~9 s after the release and
#     leave the 5-minute window 300 s later (an upper bound: the successes after the release dilute them
#     earlier); + scrape + evaluation + 30 s margin.
# backup-too-old's MessageStackBackupTooOld fires 680 s: the aged end time reaches the operator's gauge at once (the
#   stack's reconcile watches its backups), then one scrape (10 s) + the recording rule's and the alert's evaluations
#   (10 s each) + for 10m + 40 s margin. It resolves 60 s after the new backup completed (Ready is that moment: the
#   stack stays Ready throughout): the gauge moves at the backup's Completed status, then scrape + two evaluations + margin.
runs=1
before_expr=''
case $scenario in
  full-db-crash)   cmd=(full-crash.sh);      events_name=full-db-crash;   alerts=(MessageStackGaleraNotPrimary:45);               resolve_budget=60 ;;
  worker-stop-one) cmd=(worker-stop.sh one); events_name=worker-stop-one; alerts=(MessageStackGaleraClusterSizeBelowDesired:120); resolve_budget=60 ;;
  desync-node)     cmd=(desync-node.sh 390); events_name=desync-node;     alerts=(MessageStackGaleraNodeNotSynced:370 MessageStackNotReady:385); resolve_budget=60 ;;
  writer-flapping) cmd=(switchover.sh);      events_name=switchover;      alerts=(MessageStackWriterFlapping:60); resolve_budget=3660; runs=3
                   before_expr='max(messagestack:writer_moves:1h{namespace="NS",stack="STACK"})' ;;
  flow-control)    cmd=(flow-control.sh 420); events_name=flow-control;   alerts=(MessageStackGaleraFlowControlHigh:380:330 MessageStackApiErrorRatioHigh:390:360); resolve_budget=360 ;;
  backup-too-old)  cmd=(backup-age.sh 780);  events_name=backup-age;      alerts=(MessageStackBackupTooOld:680);                 resolve_budget=60 ;;
  *) echo "usage: $0 full-db-crash|worker-stop-one|desync-node|writer-flapping|flow-control|backup-too-old" >&2; exit 2 ;;
esac

MS_NAME=${MS_NAME:-demo}
MS_NAMESPACE=${MS_NAMESPACE:-messagestack}
CTX=${CHAOS_KUBE_CONTEXT:-kind-$(awk '/^name:/{print $2}' "$REPO/kind-config.yaml")}
PROM="/api/v1/namespaces/messagestack-monitoring/services/prometheus:web/proxy/api/v1"
t0=$(date +%s)
say() { echo "[alert-check $scenario $(date -u +%H:%M:%S) +$(( $(date +%s) - t0 ))s] $*"; }
die() { echo "[alert-check $scenario] ERROR: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }

# An alert's state for this stack: firing, pending or none.
alert_state() {
  kubectl --context "$CTX" get --raw "$PROM/alerts" 2>/dev/null | jq -r --arg a "$1" --arg ns "$MS_NAMESPACE" --arg s "$MS_NAME" '
    [.data.alerts[] | select(.labels.alertname == $a and .labels.namespace == $ns and .labels.stack == $s) | .state]
    | if index("firing") != null then "firing" elif length > 0 then "pending" else "none" end' || echo error
}

kubectl --context "$CTX" get --raw "$PROM/status/buildinfo" >/dev/null 2>&1 \
  || die "the lab's Prometheus does not answer through the service proxy; run 'make monitoring'"
declare -A budget resolve_of fired resolved last
names=()
wait_more=$resolve_budget
for a in "${alerts[@]}"; do
  IFS=: read -r name fire_budget own_resolve <<<"$a"
  names+=("$name"); budget[$name]=$fire_budget; resolve_of[$name]=${own_resolve:-$resolve_budget}
  fired[$name]=''; resolved[$name]=''; last[$name]=none
  # Wait after Ready for the longest resolve budget.
  (( ${resolve_of[$name]} <= wait_more )) || wait_more=${resolve_of[$name]}
  kubectl --context "$CTX" get --raw "$PROM/rules" | jq -e --arg a "$name" '[.data.groups[].rules[] | select(.name == $a)] | length == 1' >/dev/null \
    || die "Prometheus has no rule $name loaded; run 'make monitoring'"
  say "waiting until $name is not active for $MS_NAMESPACE/$MS_NAME (an earlier fault's alert must be over)"
  for _ in $(seq 1 60); do [[ $(alert_state "$name") == none ]] && break; sleep 5; done
  [[ $(alert_state "$name") == none ]] || die "$name is still active before the fault; the stack is not healthy"
done

before_value=null
if [[ -n $before_expr ]]; then
  before_expr=${before_expr//NS/$MS_NAMESPACE}; before_expr=${before_expr//STACK/$MS_NAME}
  before_value=$(kubectl --context "$CTX" get --raw "$PROM/query?query=$(jq -rn --arg q "$before_expr" '$q|@uri')" \
    | jq -c '.data.result[0].value[1] // "0" | tonumber') || die "Prometheus did not answer $before_expr"
  say "before the first run: $before_expr = $before_value"
fi

scratch=$(mktemp -d)
say "running chaos/scenarios/${cmd[*]} $runs time(s) in a row (results in $scratch, not in chaos/results)"
(
  for i in $(seq 1 "$runs"); do
    echo "=== run $i of $runs"
    CHAOS_RESULTS=$scratch "$CHAOS_DIR/scenarios/${cmd[0]}" "${cmd[@]:1}" || exit $?
    # Each run's events file replaces the last one's: keep each run's fault time.
    cp "$scratch/raw/$events_name/events.json" "$scratch/events-run$i.json"
  done
) >"$scratch/scenario.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT

scenario_rc=''
while true; do
  now=$(now_ms)
  for name in "${names[@]}"; do
    state=$(alert_state "$name")
    if [[ $state != "${last[$name]}" ]]; then say "$name: ${last[$name]} -> $state"; last[$name]=$state; fi
    if [[ $state == firing && -z ${fired[$name]} ]]; then fired[$name]=$now; fi
    if [[ -n ${fired[$name]} && $state == none && -z ${resolved[$name]} ]]; then resolved[$name]=$now; fi
  done
  if [[ -z $scenario_rc ]] && ! kill -0 "$pid" 2>/dev/null; then
    scenario_rc=0; wait "$pid" || scenario_rc=$?
    say "scenario finished (exit $scenario_rc)"
  fi
  if [[ -n $scenario_rc ]]; then
    events="$scratch/raw/$events_name/events.json"
    [[ -s $events ]] || { tail -30 "$scratch/scenario.log" >&2; die "the scenario left no events file ($events)"; }
    ready_ms=$(jq -r '.readyAtMs // empty' "$events")
    [[ -n $ready_ms ]] || { tail -30 "$scratch/scenario.log" >&2; die "the stack was not Ready again after the fault"; }
    # Done when every alert resolved, or when the budget after Ready has passed.
    done_all=true
    for name in "${names[@]}"; do
      [[ -n ${resolved[$name]} ]] || done_all=false
    done
    $done_all && break
    (( $(now_ms) > ready_ms + wait_more * 1000 )) && break
  fi
  sleep 2
done
trap - EXIT

fault_ms=$(jq -r '.faultStartMs' "$events")
fault_end_ms=$(jq -r '.faultEndMs' "$events")
ready_s=$(( (ready_ms - fault_ms) / 1000 ))
load=$(jq -r '.measurements.hostLoadAvg1m // empty' "$events")
fails=()
mkdir -p "$CHAOS_DIR/results/alerts"
for name in "${names[@]}"; do
  fire_s='' resolve_s='' fail='' fired_run=''
  if [[ -z ${fired[$name]} ]]; then
    fail="$name never fired (fault at $(date -u -d @$((fault_ms / 1000)) +%H:%M:%S), Ready after ${ready_s}s)"
  else
    # The run during which it fired: the last whose fault started before (the first if none did).
    fired_run=1 fired_fault_ms=''
    for i in $(seq 1 "$runs"); do
      f=$(jq -r '.faultStartMs' "$scratch/events-run$i.json" 2>/dev/null) || continue
      [[ -n $fired_fault_ms ]] || fired_fault_ms=$f
      (( f <= ${fired[$name]} )) && { fired_run=$i; fired_fault_ms=$f; }
    done
    fire_s=$(( (${fired[$name]} - ${fired_fault_ms:-$fault_ms}) / 1000 ))
    (( fire_s <= ${budget[$name]} )) || fail="$name fired ${fire_s}s after the fault of run $fired_run started (budget ${budget[$name]}s)"
    if [[ -n ${resolved[$name]} ]]; then
      resolve_s=$(( (${resolved[$name]} - ready_ms) / 1000 ))
      if (( resolve_s > ${resolve_of[$name]} )); then
        fail="${fail:+$fail; }$name resolved ${resolve_s}s after Ready (budget ${resolve_of[$name]}s)"
      fi
    else
      fail="${fail:+$fail; }$name did not resolve within ${resolve_of[$name]}s after Ready"
    fi
  fi
  jq -cn --arg scenario "$scenario" --arg alert "$name" --arg at "$(date -u -d @$((fault_ms / 1000)) +%Y-%m-%dT%H:%M:%SZ)" \
    --argjson fault_s "$(( (fault_end_ms - fault_ms) / 1000 ))" --argjson ready_s "$ready_s" \
    --argjson fire_s "${fire_s:-null}" --argjson resolve_s "${resolve_s:-null}" \
    --argjson fire_budget "${budget[$name]}" --arg resolve_budget "${resolve_of[$name]}" --argjson scenario_rc "$scenario_rc" \
    --argjson runs "$runs" --argjson fired_run "${fired_run:-null}" --argjson before "$before_value" --arg before_expr "$before_expr" \
    --arg load "$load" --argjson ok "$([[ -z $fail ]] && echo true || echo false)" \
    '{scenario: $scenario, alert: $alert, faultAt: $at, runs: $runs, faultSeconds: $fault_s, readyAfterSeconds: $ready_s,
      firedAfterFaultSeconds: $fire_s}
      + (if $runs > 1 then {firedInRun: $fired_run} else {} end)
      + (if $before_expr != "" then {valueBefore: $before, valueBeforeExpr: $before_expr} else {} end)
      + { resolvedAfterReadySeconds: $resolve_s, fireBudgetSeconds: $fire_budget,
      resolveBudgetSeconds: $resolve_budget, scenarioExit: $scenario_rc, hostLoad1m: $load, ok: $ok}' \
    | tee -a "$CHAOS_DIR/results/alerts/$scenario.jsonl"
  say "fault $(date -u -d @$((fault_ms / 1000)) +%H:%M:%S) UTC (of the last run), Ready after ${ready_s}s; $name fired ${fire_s:-never}s after the fault${fired_run:+ of run $fired_run} started (budget ${budget[$name]}s), resolved ${resolve_s:-not yet}s after Ready (budget ${resolve_of[$name]}s)"
  [[ -z $fail ]] || fails+=("$fail")
done
(( scenario_rc == 0 )) || say "note: the scenario itself exited $scenario_rc (its log: $scratch/scenario.log)"
(( ${#fails[@]} == 0 )) || die "$(IFS=';'; echo "${fails[*]}")"
say "ok"
