#!/usr/bin/env bash
# Runs one chaos scenario on the kind lab and asks the lab's Prometheus (make monitoring), through its
# HTTP API (/api/v1/alerts, via the API server's service proxy), whether the matching alert fires
# within a stated time after the fault starts and resolves within a stated time after the stack is
# Ready again. Fails (exit 1) when it does not fire, fires late, or does not resolve in time.
# The scenario's own results go to a scratch folder: chaos/results and docs/chaos.md stay as they were.
#
# usage: chaos/alert-check.sh SCENARIO        (full-db-crash | worker-stop-one)
# Prints the times and appends one JSON line per run to chaos/results/alerts/SCENARIO.jsonl.
set -euo pipefail
CHAOS_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$CHAOS_DIR/.." && pwd)
scenario=${1:-}
# The lab's kubectl and kind (the toolchain's) first, as the lab scripts do.
# shellcheck disable=SC1091
source "$REPO/hack/versions.env"
export PATH="${MS_CACHE:-$HOME/.cache/messagestack}/k8s/$K8S_VERSION/bin:${MS_CACHE:-$HOME/.cache/messagestack}/kind/$KIND_VERSION/bin:$PATH"

# scenario -> script and arguments, the alert, fire budget (s after the fault started), resolve budget
# (s after Ready again). Budgets: the rule's `for` + one scrape (10 s) + one evaluation (10 s) + margin.
case $scenario in
  full-db-crash)   cmd=(full-crash.sh);      alert=MessageStackGaleraNotPrimary;              fire_budget=45;  resolve_budget=60 ;;
  worker-stop-one) cmd=(worker-stop.sh one); alert=MessageStackGaleraClusterSizeBelowDesired; fire_budget=120; resolve_budget=60 ;;
  *) echo "usage: $0 full-db-crash|worker-stop-one" >&2; exit 2 ;;
esac

MS_NAME=${MS_NAME:-demo}
MS_NAMESPACE=${MS_NAMESPACE:-messagestack}
CTX=${CHAOS_KUBE_CONTEXT:-kind-$(awk '/^name:/{print $2}' "$REPO/kind-config.yaml")}
PROM="/api/v1/namespaces/messagestack-monitoring/services/prometheus:web/proxy/api/v1"
t0=$(date +%s)
say() { echo "[alert-check $scenario $(date -u +%H:%M:%S) +$(( $(date +%s) - t0 ))s] $*"; }
die() { echo "[alert-check $scenario] ERROR: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }

# The alert's state for this stack: firing, pending or none.
alert_state() {
  kubectl --context "$CTX" get --raw "$PROM/alerts" 2>/dev/null | jq -r --arg a "$alert" --arg ns "$MS_NAMESPACE" --arg s "$MS_NAME" '
    [.data.alerts[] | select(.labels.alertname == $a and .labels.namespace == $ns and .labels.stack == $s) | .state]
    | if index("firing") != null then "firing" elif length > 0 then "pending" else "none" end' || echo error
}

kubectl --context "$CTX" get --raw "$PROM/status/buildinfo" >/dev/null 2>&1 \
  || die "the lab's Prometheus does not answer through the service proxy; run 'make monitoring'"
kubectl --context "$CTX" get --raw "$PROM/rules" | jq -e --arg a "$alert" '[.data.groups[].rules[] | select(.name == $a)] | length == 1' >/dev/null \
  || die "Prometheus has no rule $alert loaded; run 'make monitoring'"
say "waiting until $alert is not active for $MS_NAMESPACE/$MS_NAME (an earlier fault's alert must be over)"
for _ in $(seq 1 60); do [[ $(alert_state) == none ]] && break; sleep 5; done
[[ $(alert_state) == none ]] || die "$alert is still active before the fault; the stack is not healthy"

scratch=$(mktemp -d)
say "running chaos/scenarios/${cmd[*]} (results in $scratch, not in chaos/results)"
CHAOS_RESULTS=$scratch "$CHAOS_DIR/scenarios/${cmd[0]}" "${cmd[@]:1}" >"$scratch/scenario.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT

fired_ms='' resolved_ms='' last=none scenario_rc=''
while true; do
  state=$(alert_state)
  if [[ $state != "$last" ]]; then say "$alert: $last -> $state"; last=$state; fi
  if [[ $state == firing && -z $fired_ms ]]; then fired_ms=$(now_ms); fi
  if [[ -n $fired_ms && $state == none && -z $resolved_ms ]]; then resolved_ms=$(now_ms); fi
  if [[ -z $scenario_rc ]] && ! kill -0 "$pid" 2>/dev/null; then
    scenario_rc=0; wait "$pid" || scenario_rc=$?
    say "scenario finished (exit $scenario_rc)"
  fi
  if [[ -n $scenario_rc ]]; then
    events="$scratch/raw/$scenario/events.json"
    [[ -s $events ]] || { tail -30 "$scratch/scenario.log" >&2; die "the scenario left no events file ($events)"; }
    ready_ms=$(jq -r '.readyAtMs // empty' "$events")
    [[ -n $ready_ms ]] || { tail -30 "$scratch/scenario.log" >&2; die "the stack was not Ready again after the fault"; }
    # Done when resolved, or when the resolve budget after Ready has passed.
    if [[ -n $resolved_ms ]] || (( $(now_ms) > ready_ms + resolve_budget * 1000 )); then break; fi
  fi
  sleep 2
done
trap - EXIT

fault_ms=$(jq -r '.faultStartMs' "$events")
fault_end_ms=$(jq -r '.faultEndMs' "$events")
ready_s=$(( (ready_ms - fault_ms) / 1000 ))
fail=''
if [[ -z $fired_ms ]]; then
  fail="$alert never fired (fault at $(date -u -d @$((fault_ms / 1000)) +%H:%M:%S), Ready after ${ready_s}s)"
else
  fire_s=$(( (fired_ms - fault_ms) / 1000 ))
  (( fire_s <= fire_budget )) || fail="$alert fired ${fire_s}s after the fault started (budget ${fire_budget}s)"
  if [[ -z $resolved_ms ]]; then
    fail="${fail:+$fail; }$alert did not resolve within ${resolve_budget}s after Ready"
  else
    resolve_s=$(( (resolved_ms - ready_ms) / 1000 ))
  fi
fi
mkdir -p "$CHAOS_DIR/results/alerts"
jq -cn --arg scenario "$scenario" --arg alert "$alert" --arg at "$(date -u -d @$((fault_ms / 1000)) +%Y-%m-%dT%H:%M:%SZ)" \
  --argjson fault_s "$(( (fault_end_ms - fault_ms) / 1000 ))" --argjson ready_s "$ready_s" \
  --argjson fire_s "${fire_s:-null}" --argjson resolve_s "${resolve_s:-null}" \
  --argjson fire_budget "$fire_budget" --argjson resolve_budget "$resolve_budget" --argjson scenario_rc "$scenario_rc" \
  --arg load "$(jq -r '.measurements.hostLoadAvg1m // empty' "$events")" --argjson ok "$([[ -z $fail ]] && echo true || echo false)" \
  '{scenario: $scenario, alert: $alert, faultAt: $at, faultSeconds: $fault_s, readyAfterSeconds: $ready_s,
    firedAfterFaultSeconds: $fire_s, resolvedAfterReadySeconds: $resolve_s, fireBudgetSeconds: $fire_budget,
    resolveBudgetSeconds: $resolve_budget, scenarioExit: $scenario_rc, hostLoad1m: $load, ok: $ok}' \
  | tee -a "$CHAOS_DIR/results/alerts/$scenario.jsonl"
say "fault $(date -u -d @$((fault_ms / 1000)) +%H:%M:%S) UTC, Ready after ${ready_s}s; $alert fired ${fire_s:-never}s after the fault started (budget ${fire_budget}s), resolved ${resolve_s:-never}s after Ready (budget ${resolve_budget}s)"
(( scenario_rc == 0 )) || say "note: the scenario itself exited $scenario_rc (its log: $scratch/scenario.log)"
[[ -z $fail ]] || die "$fail"
say "ok"
