#!/usr/bin/env bash
# One database node desynced for a while (issue 16: the alerts MessageStackGaleraNodeNotSynced and
# MessageStackNotReady, both `for: 5m`, from a real fault): `SET GLOBAL wsrep_desync=ON` on a node that is not
# the writer, which leaves the node in the Primary component but no longer Synced (wsrep_local_state 2,
# Donor/Desynced: what a long SST donation or a backup tool does to a node). Its agent then reports it not
# healthy, its pod turns unready and the stack Degraded; HAProxy keeps writing to the writer. After
# DESYNC_SECONDS (default 360: longer than both alerts' 5 minutes) `SET GLOBAL wsrep_desync=OFF` heals it; the
# heal also runs when the script is interrupted, so no node is left desynced.
# Target: zero failed client requests, no write lost or duplicated (the writer is not touched).
# usage: chaos/scenarios/desync-node.sh [SECONDS]
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
DESYNC_SECONDS=${1:-${DESYNC_SECONDS:-360}}
[[ $DESYNC_SECONDS =~ ^[0-9]+$ ]] || die "usage: $0 [SECONDS] (got '$DESYNC_SECONDS')"
VICTIM=

sql() { kc exec "$1" -c "$DB_CONTAINER" -- sh -c 'exec "$(command -v mariadb || command -v mysql)" -uroot -p"$MYSQL_ROOT_PASSWORD" -N -B -e "$1"' _ "$2"; }

inject() {
  local writer replicas ordinal state
  writer=$(status_writer)
  [[ -n $writer ]] || die "status.writer.pod is empty: the operator does not report its writer"
  replicas=$(kc get sts "$DB_STS" -o jsonpath='{.spec.replicas}')
  ordinal=${writer##*-}
  VICTIM=$DB_STS-$(( (ordinal + 1) % replicas ))
  measure writer "\"$writer\""
  measure victim "\"$VICTIM\""
  say "SET GLOBAL wsrep_desync=ON on $VICTIM for ${DESYNC_SECONDS}s (the writer $writer is not touched)"
  run_fault sql "$VICTIM" "SET GLOBAL wsrep_desync=ON"
  state=$(sql "$VICTIM" "SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'" | awk '{print $2}')
  measure stateDuringFault "\"$state\""
  [[ $state != Synced ]] || proof_failed "$VICTIM still reports Synced after wsrep_desync=ON"
  wait_not_ready 30
  sleep "$DESYNC_SECONDS"
  heal
  fault_over
}

heal() {
  [[ -n $VICTIM ]] || return 0
  say "SET GLOBAL wsrep_desync=OFF on $VICTIM"
  sql "$VICTIM" "SET GLOBAL wsrep_desync=OFF"
  VICTIM=
}

run_scenario desync-node desync-node "one non-writer database node desynced (wsrep_desync=ON) for ${DESYNC_SECONDS}s under load"
