#!/usr/bin/env bash
# shellcheck disable=SC2034  # SCENARIO, FAULT_*, KIND, ... are read by chaos/lib.sh
# Checks, without injecting anything, that the chaos scenarios can run against the stack: tools,
# the MessageStack Ready, the names in chaos/lib.sh matching real objects, the entry point
# answering a create and a read-back, and the database check reaching the rows through the
# port-forward. Prints one line per check; exits non-zero at the first failure, naming the fix.
# usage: chaos/preflight.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SCENARIO=preflight
ok() { say "ok: $*"; }

require_tools; ok "tools (kubectl docker jq java curl) and $CHAOS_JAR"
require_stack; ok "MessageStack $MS_NAMESPACE/$MS_NAME Ready; entry point $CHAOS_BASE_URL answers"
say "environment: $(environment_line)"
for c in database proxy api frontend; do
  n=$(pods_of "$c" | wc -l)
  (( n > 0 )) || die "no pods labelled $LABEL_INSTANCE,$LABEL_COMPONENT_KEY=$c: fix the labels in chaos/lib.sh"
  ok "$c: $n pod(s): $(pods_of "$c" | tr '\n' ' ')"
done
kc get sts "$DB_STS" >/dev/null || die "StatefulSet $DB_STS not found: set DB_STS"
ok "StatefulSet $DB_STS, database container '$DB_CONTAINER' has APP_USER=$(db_env APP_USER || echo '?')"
(( $(kind_workers | wc -l) > 0 )) || die "no kind worker containers for cluster '$KIND_CLUSTER': set KIND_CLUSTER"
ok "kind workers: $(kind_workers | tr '\n' ' ')"
leases=$(kubectl -n "$OPERATOR_NAMESPACE" get lease -o jsonpath='{.items[*].spec.holderIdentity}' 2>/dev/null || true)
ok "operator pods: $(kubectl -n "$OPERATOR_NAMESPACE" get pods -l "$OPERATOR_SELECTOR" --no-headers 2>/dev/null | awk '{print $1}' | tr '\n' ' ')(lease holder: ${leases:-none})"

# One create + read-back + database check, through the same code the scenarios use.

load_start
sleep 3
load_stop
FAULT_START=$(now_ms) FAULT_END=$(now_ms) READY_AT=$(now_ms) KIND=pod-kill DESCRIPTION="preflight: no fault"
write_events
CHAOS_RESULTS=$RAW verify_writes || die "the database check failed; see above (port-forward log: $RAW/port-forward.log)"
ok "load, read-back and the database check work (result in $RAW/preflight.json, not reported)"
