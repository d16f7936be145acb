#!/usr/bin/env bash
# Keeps the logs of the stack's pods while a scenario runs, for the failure analysis in chaos/notes: nginx's
# `upstream timed out` / `no live upstreams` lines, the API's GaleraRetry lines and the database's view changes
# say why a request failed, and the pods that wrote them are often deleted by the fault itself.
# Every 2 s it lists the stack's Running pods and follows each one it does not follow yet
# (`kubectl logs -f --timestamps --all-containers --prefix`, one file per pod in DIR); a follower that ended while its
# pod still runs (a container restarted) is started again from 5 s back, so a few lines may appear twice.
# It stops, with its followers, when DIR/stop exists. Diagnostics only: nothing reads these files for a verdict.
#
# usage: chaos/pod-logs.sh DIR   (lib.sh starts it with the load and stops it with the load)
set -uo pipefail
dir=${1:?usage: pod-logs.sh DIR}
# shellcheck source=chaos/lib.sh
source "$(dirname "$0")/lib.sh"
mkdir -p "$dir"
declare -A follower=()
# A pod's lines from before this run (a long-lived pod's whole history) are not this run's.
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)

stop_all() {
  local p
  for p in "${follower[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop_all; exit 0' EXIT INT TERM

while [[ ! -e $dir/stop ]]; do
  while read -r pod; do
    [[ -n $pod ]] || continue
    if [[ -n ${follower[$pod]:-} ]] && kill -0 "${follower[$pod]}" 2>/dev/null; then continue; fi
    since=(--since-time="$started")
    [[ -n ${follower[$pod]:-} ]] && since=(--since=5s)
    # kubectl itself in the background (not through the kc function, whose subshell would hide its pid from kill).
    command kubectl "${KUBE_CONTEXT_ARGS[@]}" -n "$MS_NAMESPACE" logs -f --timestamps --all-containers --prefix \
      --ignore-errors "${since[@]}" "pod/$pod" >>"$dir/$pod.log" 2>&1 &
    follower[$pod]=$!
  done < <(kc get pods -l "$LABEL_INSTANCE" --field-selector=status.phase=Running \
             -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' 2>/dev/null)
  sleep 2
done
