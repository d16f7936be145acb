#!/usr/bin/env bash
# Runs `make <phase>` for each argument in order, printing a banner and the elapsed
# time of each, then a summary table. Stops at the first failing phase.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -eq 0 ]; then
  echo "phases.sh: no phases given (is hack/make/*.mk complete?)" >&2
  exit 2
fi

summary=()
start_all=$SECONDS
for phase in "$@"; do
  echo
  echo "==> [$(date +%H:%M:%S)] phase ${phase}"
  t0=$SECONDS
  if make --no-print-directory "$phase"; then
    dt=$((SECONDS - t0))
    summary+=("$(printf '%-28s %6ss  ok' "$phase" "$dt")")
    echo "<== phase ${phase} ok in ${dt}s"
  else
    rc=$?
    dt=$((SECONDS - t0))
    summary+=("$(printf '%-28s %6ss  FAILED' "$phase" "$dt")")
    echo "<== phase ${phase} FAILED after ${dt}s (exit ${rc})"
    printf '\nPhase timings:\n'; printf '  %s\n' "${summary[@]}"
    echo "phases: $(( ${#summary[@]} - 1 )) passed, 1 failed"
    exit "$rc"
  fi
done
printf '\nPhase timings (total %ss):\n' "$((SECONDS - start_all))"
printf '  %s\n' "${summary[@]}"
echo "phases: ${#summary[@]} passed, 0 failed"
