#!/usr/bin/env bash
# shellcheck disable=SC2031  # the subshell that sources lib.sh changes nothing run.sh reads
# Runs chaos scenarios one after another against the MessageStack on the kind lab, then writes the
# results table (docs/chaos.md), chaos/results/summary.json and one PNG per scenario. Targets are
# marked met/not met by the report from the numbers.
# Exit status (the gate): a scenario that exits non-zero (fault not injected or not proven, a write
# lost, the check could not run) fails either gate. With --gate all (the default of the full suite)
# 0 only when every target is met; with --gate safety (the default of --ci) 0 when every scenario left a result, no
# acknowledged write of either client (careful, plain) was lost or duplicated and the stack was Ready again;
# missed latency and error budgets, the plain client's included (issue 15), are then printed as NOT MET but
# do not fail the run (CI keeps landing while they are worked on; docs/chaos.md and the issue notes carry the gaps).
#
# usage: chaos/run.sh [--ci] [--gate all|safety] [--list] [SCENARIO...]
#   (no scenario)  the full suite (results in chaos/results, table in docs/chaos.md)
#   --ci           the CI subset (results in chaos/results/ci, table in chaos/results/ci/chaos.md)
#   SCENARIO...    only these (other results already in the folder stay in the table)
# CHAOS_RESULTS, CHAOS_MARKDOWN and CHAOS_LINK_PREFIX move the results, the table and its picture links
# (chaos/repeat.sh runs the suite several times, each run in its own folder).
set -euo pipefail
CHAOS_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$CHAOS_DIR/.." && pwd)

# name -> scenario script and arguments. The full suite runs in this order (the full crash last).
declare -A SCENARIOS=(
  [pod-kill-database-graceful]="pod-kill.sh database graceful"
  [pod-kill-database-force]="pod-kill.sh database force"
  [pod-kill-proxy-graceful]="pod-kill.sh proxy graceful"
  [pod-kill-proxy-force]="pod-kill.sh proxy force"
  [pod-kill-api-graceful]="pod-kill.sh api graceful"
  [pod-kill-api-force]="pod-kill.sh api force"
  [pod-kill-frontend-graceful]="pod-kill.sh frontend graceful"
  [pod-kill-frontend-force]="pod-kill.sh frontend force"
  [process-kill-frontend]="process-kill.sh frontend"
  [process-kill-proxy]="process-kill.sh proxy"
  [operator-leader-kill]="operator-kill.sh"
  [operator-upgrade]="operator-upgrade.sh"
  [rolling-api-image]="rolling-change.sh api-image"
  [rolling-db-setting]="rolling-change.sh db-setting"
  [scale-db-3-5-3]="scaling.sh 5"
  [switchover]="switchover.sh"
  [drain-node]="drain-node.sh"
  [worker-stop-one]="worker-stop.sh one"
  [worker-stop-proxy]="worker-stop.sh proxy"
  [worker-stop-api]="worker-stop.sh api"
  [worker-stop-frontend]="worker-stop.sh frontend"
  [partition-db-node]="partition.sh"
  [silent-api-pod]="silent-pod.sh"
  [workers-stop-half]="worker-stop.sh half"
  [restore-drill]="restore-drill.sh"
  [full-db-crash]="full-crash.sh"
  [full-db-crash-sigkill]="full-crash.sh --sigkill"
  # Not in the full suite (6.5 minutes, made for the alerts: chaos/alert-check.sh desync-node).
  [desync-node]="desync-node.sh"
  # Not in the full suite either (7.5 minutes of stalled writes, for chaos/alert-check.sh flow-control).
  [flow-control]="flow-control.sh"
)
FULL=(pod-kill-database-graceful pod-kill-database-force pod-kill-proxy-graceful pod-kill-proxy-force
  pod-kill-api-graceful pod-kill-api-force pod-kill-frontend-graceful pod-kill-frontend-force
  process-kill-frontend process-kill-proxy operator-leader-kill operator-upgrade rolling-api-image rolling-db-setting
  scale-db-3-5-3 switchover drain-node worker-stop-one worker-stop-proxy worker-stop-api worker-stop-frontend silent-api-pod partition-db-node workers-stop-half restore-drill full-db-crash full-db-crash-sigkill)
CI=(pod-kill-database-force pod-kill-frontend-graceful worker-stop-one full-db-crash)

t0=$(date +%s)
say() { echo "[chaos/run.sh $(date -u +%H:%M:%S) +$(( $(date +%s) - t0 ))s] $*"; }
die() { echo "[chaos/run.sh] ERROR: $*" >&2; exit 2; }

ci=false
gate=""
selected=()
want_gate=false
for a in "$@"; do
  if $want_gate; then gate=$a; want_gate=false; continue; fi
  case $a in
    --ci) ci=true ;;
    --gate) want_gate=true ;;
    --gate=*) gate=${a#--gate=} ;;
    --list) printf '%s\n' "${FULL[@]}"; exit 0 ;;
    -h | --help) sed -n '3,16p' "$0"; exit 0 ;;
    -*) die "unknown option $a (try --help)" ;;
    *) [[ -n ${SCENARIOS[$a]:-} ]] || die "unknown scenario '$a'; known: ${FULL[*]}"; selected+=("$a") ;;
  esac
done

[[ -z $gate ]] && { if $ci; then gate=safety; else gate=all; fi; }
[[ $gate == all || $gate == safety ]] || die "--gate must be 'all' or 'safety', not '$gate'"

export CHAOS_RESULTS=${CHAOS_RESULTS:-$CHAOS_DIR/results}
markdown=${CHAOS_MARKDOWN:-$REPO/docs/chaos.md}
link_prefix=${CHAOS_LINK_PREFIX:-../chaos/results/}
if $ci; then
  CHAOS_RESULTS=$CHAOS_DIR/results/ci
  markdown=$CHAOS_RESULTS/chaos-ci.md
  link_prefix=./
  (( ${#selected[@]} > 0 )) || selected=("${CI[@]}")
fi
fresh=false
if (( ${#selected[@]} == 0 )); then selected=("${FULL[@]}"); fresh=true; fi

# The client jar: built when missing or older than its sources.
jar=$CHAOS_DIR/load-client/target/chaos-load-client.jar
if [[ ! -s $jar ]] || [[ -n $(find "$CHAOS_DIR/load-client/src" "$CHAOS_DIR/load-client/pom.xml" -newer "$jar" -print -quit) ]]; then
  say "building the load client (mvn -f chaos/load-client/pom.xml package)"
  mvn -B -q -f "$CHAOS_DIR/load-client/pom.xml" package -DskipTests || die "the load client did not build"
fi

mkdir -p "$CHAOS_RESULTS/raw"
if $fresh || $ci; then
  # A whole suite is reported on its own, never mixed with an older run's numbers.
  find "$CHAOS_RESULTS" -maxdepth 1 \( -name '*.json' -o -name '*.png' \) -delete
fi

say "scenarios: ${selected[*]}"
declare -A rc_of=()
for name in "${selected[@]}"; do
  read -r -a cmd <<<"${SCENARIOS[$name]}"
  say "==> $name (${cmd[*]})"
  s0=$(date +%s)
  rc=0
  # A result left by an earlier run must never count for this one (the scenario removes it too).
  rm -f "$CHAOS_RESULTS/$name.json"
  "$CHAOS_DIR/scenarios/${cmd[0]}" "${cmd[@]:1}" 2>&1 | tee "$CHAOS_RESULTS/raw/$name.log" || rc=${PIPESTATUS[0]}
  rc_of[$name]=$rc
  say "<== $name exit $rc after $(( $(date +%s) - s0 ))s"
  if [[ ! -s $CHAOS_RESULTS/$name.json ]]; then
    say "$name left no result; waiting up to 300s for the stack before the next scenario"
    (source "$CHAOS_DIR/lib.sh" && kc wait "$MS_RESOURCE/$MS_NAME" --for=condition=Ready --timeout=300s >/dev/null 2>&1) || true
  fi
done

say "report: $markdown, $CHAOS_RESULTS/summary.json, pictures in $CHAOS_RESULTS"
report_rc=0
java -jar "$jar" report --results "$CHAOS_RESULTS" --markdown "$markdown" --summary "$CHAOS_RESULTS/summary.json" \
  --png-dir "$CHAOS_RESULTS" --image-link-prefix "$link_prefix" --notes "$CHAOS_DIR/notes" --expect "$(IFS=,; echo "${selected[*]}")" || report_rc=$?

printf '\nScenario exits:\n'
for name in "${selected[@]}"; do printf '  %-30s %s\n' "$name" "${rc_of[$name]}"; done
jq -r '.scenarios[] | "  \(.scenario): \(if .allTargetsMet then "all targets met" else "NOT MET: " + ([.targets[] | select(.status != "MET") | "\(.name) \(.actual) (limit \(.limit))"] | join("; ")) end)"' \
  "$CHAOS_RESULTS/summary.json" || true
say "done in $(( $(date +%s) - t0 ))s"
# Every gate: a scenario that exited non-zero failed (its fault was not injected or not proven, a
# write was lost or duplicated, or its check could not run), whatever its result file says.
exit_rc=0
for name in "${selected[@]}"; do
  if [[ ${rc_of[$name]} != 0 ]]; then say "GATE FAILED: $name exited ${rc_of[$name]} (see $CHAOS_RESULTS/raw/$name.log)"; exit_rc=1; fi
done
if [[ $gate == all ]]; then
  (( exit_rc == 0 )) || exit 1
  exit "$report_rc"
fi

# Safety gate: every selected scenario measured, nothing lost or duplicated, Ready again.
# The targets are the report's (summary.json), so the gate and the table never disagree.
gate_rc=$exit_rc
summary=$CHAOS_RESULTS/summary.json
[[ -s $summary ]] || { say "GATE FAILED: no $summary (the report did not run)"; exit 1; }
for name in "${selected[@]}"; do
  bad=$(jq -r --arg n "$name" '[.scenarios[] | select(.scenario == $n)] as $s
    | if ($s | length) == 0 then "left no result (see raw/\($n).log)"
      else ($s[0] | ([.targets[] | select((.name | test("^(acknowledged writes lost|duplicated writes|Ready again)( \\([a-z]+ client\\))?$")) and .status != "MET") | "\(.name): \(.actual) (limit \(.limit))"]
        + (if .kind == "full-crash" and .timeToReadyMs == null then ["never Ready again after the full crash"] else [] end)) | join("; "))
      end' "$summary")
  if [[ -n $bad ]]; then say "GATE FAILED: $name: $bad"; gate_rc=1; fi
done
if (( gate_rc == 0 )); then
  say "safety gate passed: every scenario exited 0 (its fault injected and proven), measured, no acknowledged write of either client lost or duplicated, Ready again each time"
  (( report_rc == 0 )) || say "some latency/error budgets were NOT MET (listed above); the safety gate does not fail on them"
fi
exit "$gate_rc"
