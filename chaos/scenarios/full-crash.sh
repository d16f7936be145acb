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

# descendants NODE PID: every process below PID in the kind node (children, grandchildren, ...).
descendants() {
  docker exec "$1" ps -e -o pid= -o ppid= | awk -v root="$2" '
    { parent[$1] = $2; pids[NR] = $1 }
    END { for (i in pids) { p = pids[i]; q = parent[p]; while (q != "" && q != 0 && q != 1) { if (q == root) { printf "%s ", p; break } q = parent[q] } } }'
}

inject() {
  local pods p pid node children server c tree
  declare -A uids=()
  mapfile -t pods < <(pods_of database)
  (( ${#pods[@]} > 0 )) || die "no database pods found"
  measure databasePods "${#pods[@]}"
  for p in "${pods[@]}"; do uids[$p]=$(pod_uid "$p"); done
  if $sigkill; then
    for p in "${pods[@]}"; do
      node=$(node_of_pod "$p")
      pid=$(container_host_pid "$p" "$DB_CONTAINER") || die "cannot find the $DB_CONTAINER process of $p (crictl in the kind node)"
      # The server runs under the start process (galera-agent start: the container's PID 1 reaps,
      # its child starts mariadbd), so it is searched among all descendants of PID 1. SIGKILL the
      # server, then the whole tree. A helper child may exit by itself meanwhile, so kill's status is
      # not the proof: the check below is.
      tree=$(descendants "$node" "$pid")
      server=$(docker exec "$node" sh -c "for c in $tree; do n=\$(cat /proc/\$c/comm 2>/dev/null); case \$n in mariadbd|mysqld) echo \$c;; esac; done" | tr '\n' ' ' || true)
      [[ -n ${server// /} ]] || die "fault not injected: no mariadbd/mysqld under the $DB_CONTAINER container of $p (pid $pid, tree: $tree)"
      children=$tree
      docker exec "$node" kill -KILL $server "$pid" $children 2>/dev/null || say "kill reported a vanished process; checking"
      for c in $server $pid; do
        # Gone, or a zombie waiting to be reaped: no longer running, so it wrote nothing at exit.
        docker exec "$node" sh -c "for i in \$(seq 50); do [ -d /proc/$c ] && ! grep -q '^State:.*Z' /proc/$c/status 2>/dev/null || exit 0; sleep 0.2; done; exit 1" ||
          die "fault not proven: process $c of $p still runs 10 s after SIGKILL"
      done
      say "SIGKILL: $p server ${server}and start script $pid are gone"
    done
    measure sigkilled true
  fi
  run_fault kc delete pod "${pods[@]}" --grace-period=0 --force --wait=false
  fault_over
  wait_not_ready 3
  for p in "${pods[@]}"; do expect_pod_replaced "$p" "${uids[$p]}" 120; done
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
