#!/usr/bin/env bash
# Backups that stopped completing (issue 16: the MessageStackBackupTooOld alert on real data). The rule
# fires when a stack's newest Completed backup ended over 26 h ago, which no session can wait for; so the
# fault makes the stack's backups look old: it moves the end time (status.endTime, the field the operator's
# messagestack_backup_last_completed_timestamp_seconds gauge reads) of every Completed MessageStackBackup of
# the stack back by BACKUP_AGE_HOURS (default 27) through the status subresource, and holds that HOLD
# seconds (default 780: the rule's `for: 10m` + reconcile, scrape and evaluations). The heal is what a person
# does: a new backup (a real one, through the operator's Job). The moved end times are put back afterwards,
# also when the run is interrupted, so nothing is left changed. The rule, the recording rule, the operator's
# gauge, the scrape and Prometheus' evaluation are the product's own; only the clock of the old backups is
# moved.
# Data safety: a stack with spec.backup.retention.maxAge is refused (its retention would delete the backups
# that now look old); run it on a stack without an age rule (chaos/alert-check.sh backup-too-old does).
# The stack must have spec.backup; the scenario takes one backup first if the stack has no Completed one.
# usage: chaos/scenarios/backup-age.sh [HOLD_SECONDS]
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
HOLD=${1:-780}
AGE_HOURS=${BACKUP_AGE_HOURS:-27}
STAMP=$(date -u +%H%M%S)
# name -> the end time it had before the fault, for the heal
declare -A ORIGINAL_END=()

# completed_backups: "NAME ENDTIME" of the stack's Completed MessageStackBackups.
completed_backups() {
  kc get msbackup -o json | jq -r --arg s "$MS_NAME" \
    '.items[] | select(.spec.stack == $s and .status.phase == "Completed") | "\(.metadata.name) \(.status.endTime)"'
}

# take_backup NAME: a MessageStackBackup of the stack, waited for until Completed (dies when it Failed).
take_backup() {
  local phase deadline
  say "MessageStackBackup $1 of $MS_NAME"
  kc create -f - >/dev/null <<<"{\"apiVersion\":\"messagestack.io/v1alpha1\",\"kind\":\"MessageStackBackup\",
    \"metadata\":{\"name\":\"$1\",\"namespace\":\"$MS_NAMESPACE\"},\"spec\":{\"stack\":\"$MS_NAME\"}}"
  deadline=$(( $(date +%s) + 600 ))
  while :; do
    phase=$(kc get msbackup "$1" -o jsonpath='{.status.phase}' 2>/dev/null || true)
    [[ $phase == Completed ]] && return 0
    [[ $phase == Failed ]] && die "backup $1 Failed: $(kc get msbackup "$1" -o jsonpath='{.status.reason}')"
    (( $(date +%s) < deadline )) || die "backup $1 not finished 600 s after it was created (phase '$phase')"
    sleep 1
  done
}

set_end_time() {
  kc patch msbackup "$1" --subresource=status --type=merge -p "{\"status\":{\"endTime\":\"$2\"}}" >/dev/null
}

# preflight: the stack exists, has somewhere to back up to and no age rule; a first backup when it has none.
preflight() {
  kc get "$MS_RESOURCE" "$MS_NAME" >/dev/null || die "MessageStack $MS_NAMESPACE/$MS_NAME not found"
  [[ -n $(spec_get backup.storage.s3.bucket)$(spec_get backup.storage.pvc.claimName) ]] \
    || die "$MS_NAME has no spec.backup.storage: nothing to back up"
  [[ -z $(spec_get backup.retention.maxAge) ]] \
    || die "$MS_NAME has spec.backup.retention.maxAge: its retention would delete backups that look old; use a stack without it"
  # Taken before the load and the fault, so the fault window holds only the aged clock and the heal.
  [[ -n $(completed_backups) ]] || take_backup "age-first-$STAMP"
}

inject() {
  local name end old n=0
  while read -r name end; do
    old=$(date -u -d "$end - $AGE_HOURS hours" +%Y-%m-%dT%H:%M:%SZ)
    ORIGINAL_END[$name]=$end
    say "msbackup $name: status.endTime $end -> $old"
    run_fault set_end_time "$name" "$old"
    n=$((n + 1))
  done < <(completed_backups)
  measure backupsAged "$n"
  measure agedByHours "$AGE_HOURS"
  say "holding ${HOLD}s: the newest Completed backup now ended ${AGE_HOURS} h ago"
  sleep "$HOLD"
  # The heal a person would do: a new backup.
  take_backup "age-heal-$STAMP"
  measure healBackup "\"age-heal-$STAMP\""
  fault_over
  heal
}

heal() {
  local name
  for name in "${!ORIGINAL_END[@]}"; do
    if kc get msbackup "$name" >/dev/null 2>&1; then
      set_end_time "$name" "${ORIGINAL_END[$name]}" && say "msbackup $name: status.endTime back to ${ORIGINAL_END[$name]}"
    fi
    unset "ORIGINAL_END[$name]"
  done
}

preflight
run_scenario backup-age backup-age "every Completed backup's end time moved back ${AGE_HOURS} h for ${HOLD}s, then a new backup"
