#!/usr/bin/env bash
# An operator upgrade under load (issue 13): the previous operator (built from UPGRADE_FROM, installed
# with that commit's one-file bundle) runs the stack; under load, this checkout's bundle is applied
# with the current image. Targets: zero failed requests for both clients; every operator pod then
# runs the new image; a database pod the new version must restart (a changed pod template) is
# restarted one at a time. Measured: database pods restarted, the most database pods not Ready at
# once, how long the upgrade took.
# Before the load starts (not measured): the old image is built from a git worktree of UPGRADE_FROM
# (its own hack/operator/operator-image.sh) if missing, loaded into kind with the new one, installed with its bundle,
# and the stack left to settle under it (the older operator may roll the database pods itself).
# After: the lab's own install (deploy/overlays/local-images) is applied again, as `make deploy-operator`.
# usage: chaos/scenarios/operator-upgrade.sh
#   UPGRADE_FROM (default 7b6e2b1: main at the start of 2026-12-06's session 7, the Go data plane
#   without backups) UPGRADE_SETTLE_TIMEOUT (600 s)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
UPGRADE_FROM=${UPGRADE_FROM:-7b6e2b1}
UPGRADE_SETTLE_TIMEOUT=${UPGRADE_SETTLE_TIMEOUT:-600}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
NEW_IMAGE=${OPERATOR_IMAGE:-messagestack/operator:dev}
from_sha=$(git -C "$REPO" rev-parse --short=12 "$UPGRADE_FROM^{commit}") \
  || die "UPGRADE_FROM=$UPGRADE_FROM is not a commit of $REPO"
OLD_IMAGE=messagestack/operator:upgrade-from-$from_sha

operator_images() {
  kubectl -n "$OPERATOR_NAMESPACE" get pods -l "$OPERATOR_SELECTOR" -o json \
    | jq -r '[.items[] | select(.metadata.deletionTimestamp == null) | .spec.containers[0].image] | unique | join(",")'
}
operator_rollout() {
  kubectl -n "$OPERATOR_NAMESPACE" rollout status deployment/messagestack-operator --timeout=300s >/dev/null \
    || die "the operator Deployment did not roll out"
}
# apply_bundle FILE IMAGE: the one-file bundle with its operator image replaced (server-side, as a user
# re-applies a release file), and the local image id, so the same tag rebuilt still rolls the pods.
apply_bundle() {
  local file=$1 image=$2 id
  sed "s|\"messagestack/operator:dev\"|\"$image\"|; s|image: messagestack/operator:dev$|image: $image|" "$file" \
    | kubectl apply --server-side --force-conflicts -f - >/dev/null
  id=$(docker image inspect -f '{{.Id}}' "$image" | cut -c8-19)
  # The bundle names the public stack images; the offline lab has only its local builds, so the
  # lab's image settings (deploy/overlays/local-images) go on top, in the same change.
  kubectl -n "$OPERATOR_NAMESPACE" set env deployment/messagestack-operator OPERATOR_IMAGE_ID="$id" "${LAB_IMAGE_ENV[@]}" >/dev/null
}
# The MESSAGESTACK_IMAGE_* settings of the lab's own install (its overlay writes them as
# `- {name: MESSAGESTACK_IMAGE_X, value: "image"}`).
mapfile -t LAB_IMAGE_ENV < <(cat "$REPO"/deploy/overlays/local-images/*.yaml \
  | sed -n 's/.*name: *\(MESSAGESTACK_IMAGE_[A-Z_]*\), *value: *"\([^"]*\)".*/\1=\2/p')
(( ${#LAB_IMAGE_ENV[@]} > 0 )) || die "no MESSAGESTACK_IMAGE_* settings found in deploy/overlays/local-images"
# new_leader_reconciled SINCE: the Lease holder runs the new image and has reconciled the stack since
# SINCE (RFC 3339). Until then the new operator has not rendered the stack: a restart it makes comes later.
new_leader_reconciled() {
  local holder
  holder=$(kubectl -n "$OPERATOR_NAMESPACE" get lease messagestack-operator-lease -o jsonpath='{.spec.holderIdentity}' 2>/dev/null) || return 1
  [[ -n $holder ]] || return 1
  [[ $(kubectl -n "$OPERATOR_NAMESPACE" get pod "$holder" -o jsonpath='{.spec.containers[0].image}' 2>/dev/null) == "$NEW_IMAGE" ]] || return 1
  kubectl -n "$OPERATOR_NAMESPACE" logs "$holder" --since-time="$1" 2>/dev/null | grep -q "reconciled stack=$MS_NAMESPACE/$MS_NAME "
}
db_uids() { kc get pods -l "$LABEL_INSTANCE,$LABEL_COMPONENT_KEY=database" -o json | jq -r '.items[] | "\(.metadata.name)=\(.metadata.uid)"' | sort; }
db_not_ready() {
  kc get pods -l "$LABEL_INSTANCE,$LABEL_COMPONENT_KEY=database" -o json | jq '[.items[] |
    select(.metadata.deletionTimestamp != null or
           ((.status.conditions // []) | any(.type == "Ready" and .status == "True") | not))] | length'
}

install_previous() {
  local wt
  if ! docker image inspect "$OLD_IMAGE" >/dev/null 2>&1; then
    wt=$(mktemp -d /tmp/ms-upgrade-from.XXXXXX)
    say "building the previous operator $OLD_IMAGE from $UPGRADE_FROM (worktree $wt)"
    git -C "$REPO" worktree add --detach "$wt" "$from_sha" >/dev/null
    (cd "$wt" && OPERATOR_IMAGE=$OLD_IMAGE hack/operator/operator-image.sh) \
      || { git -C "$REPO" worktree remove --force "$wt"; die "building $OLD_IMAGE failed"; }
    git -C "$REPO" worktree remove --force "$wt"
  fi
  say "loading $OLD_IMAGE into kind"
  # In a subshell: the lab's helpers (the toolchain's kind on PATH) without their say/die.
  ( source "$REPO/hack/operator/lib.sh" && load_image "$OLD_IMAGE" "chaos/scenarios/operator-upgrade.sh" ) \
    || die "loading $OLD_IMAGE into kind failed"
  # The new image too: its pods would not start on nodes that do not have it (the bundle says IfNotPresent).
  say "loading $NEW_IMAGE into kind"
  ( source "$REPO/hack/operator/lib.sh" && load_image "$NEW_IMAGE" "OPERATOR_IMAGE=$NEW_IMAGE hack/operator/operator-image.sh" ) \
    || die "loading $NEW_IMAGE into kind failed"
  say "installing the previous operator with the bundle of $UPGRADE_FROM"
  local old_bundle; old_bundle=$(mktemp)
  git -C "$REPO" show "$from_sha:deploy/release/messagestack-operator.yaml" >"$old_bundle" \
    || die "$UPGRADE_FROM has no deploy/release/messagestack-operator.yaml"
  apply_bundle "$old_bundle" "$OLD_IMAGE"
  rm -f "$old_bundle"
  operator_rollout
  [[ $(operator_images) == "$OLD_IMAGE" ]] || die "the operator pods run $(operator_images), not $OLD_IMAGE"
  say "letting the stack settle under the previous operator (up to ${UPGRADE_SETTLE_TIMEOUT}s)"
  # Settled: the workloads' generations unchanged for 30 s, every rollout done, the stack Ready.
  local deadline=$(( $(date +%s) + UPGRADE_SETTLE_TIMEOUT )) gens last="" stable_since
  stable_since=$(date +%s)
  while :; do
    (( $(date +%s) < deadline )) || die "the stack did not settle under $OLD_IMAGE within ${UPGRADE_SETTLE_TIMEOUT}s"
    gens=$(kc get statefulsets,deployments -l "$LABEL_INSTANCE" -o jsonpath='{range .items[*]}{.metadata.name}={.metadata.generation} {end}')
    [[ $gens == "$last" ]] || { last=$gens; stable_since=$(date +%s); }
    if (( $(date +%s) - stable_since >= 30 )) && all_workloads_ready && all_pods_ready; then break; fi
    sleep 2
  done
  wait_ready "$UPGRADE_SETTLE_TIMEOUT" >/dev/null || die "$MS_NAME not Ready under $OLD_IMAGE"
}

inject() {
  local before after restarted=0 max_not_ready=0 n t0 deadline line since
  before=$(db_uids)
  measure upgradeFrom "\"$UPGRADE_FROM ($from_sha)\""
  say "upgrading: applying this checkout's bundle with $NEW_IMAGE"
  t0=$(now_ms); since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  run_fault apply_bundle "$REPO/deploy/release/messagestack-operator.yaml" "$NEW_IMAGE"
  # The database pods are watched from now on: a restart the new operator makes must be one at a time.
  deadline=$(( $(date +%s) + UPGRADE_SETTLE_TIMEOUT ))
  while :; do
    n=$(db_not_ready); (( n > max_not_ready )) && max_not_ready=$n
    if [[ $(operator_images) == "$NEW_IMAGE" ]] && new_leader_reconciled "$since" \
       && kubectl -n "$OPERATOR_NAMESPACE" rollout status deployment/messagestack-operator --timeout=1s >/dev/null 2>&1 \
       && kc rollout status "statefulset/$DB_STS" --timeout=1s >/dev/null 2>&1 && (( n == 0 )) && all_workloads_ready; then
      break
    fi
    (( $(date +%s) < deadline )) || { note "the upgrade did not settle within ${UPGRADE_SETTLE_TIMEOUT}s"; break; }
    sleep 1
  done
  measure upgradeSettledAfterMs $(( $(now_ms) - t0 ))
  fault_over
  after=$(db_uids)
  while read -r line; do grep -qxF "$line" <<<"$after" || restarted=$((restarted + 1)); done <<<"$before"
  measure dbPodsRestarted "$restarted"
  measure maxDbPodsNotReadyAtOnce "$max_not_ready"
  measure dbRestartsOneAtATime "$( (( max_not_ready <= 1 )) && echo true || echo false)"
  if [[ $(operator_images) == "$NEW_IMAGE" ]]; then measure operatorUpgraded true; else
    measure operatorUpgraded false; proof_failed "the operator pods run $(operator_images), not $NEW_IMAGE"; fi
}

# The previous bundle's older CRD makes the API server prune every field it does not know from stored stacks
# (spec.backup, spec.monitoring of a newer lab), as it would for a user who downgrades: the stack's spec is saved
# before and merged back once this checkout's CRD is installed again.
SAVED_SPEC=$(mktemp /tmp/ms-upgrade-spec.XXXXXX)
save_stack_spec() {
  kc get "$MS_RESOURCE/$MS_NAME" -o json | jq -c '{spec: .spec}' >"$SAVED_SPEC" \
    || die "could not read $MS_NAME's spec before installing the older CRD"
}
restore_stack_spec() {
  [[ -s $SAVED_SPEC ]] || return 0
  say "merging $MS_NAME's saved spec back (fields the older CRD pruned: $(jq -r '.spec | keys | join(",")' "$SAVED_SPEC"))"
  kc patch "$MS_RESOURCE/$MS_NAME" --type merge --patch-file "$SAVED_SPEC" >/dev/null || return 1
}

heal() {
  say "re-applying the lab's own operator install (deploy/overlays/local-images)"
  kubectl apply --server-side --force-conflicts -k "$REPO/deploy/overlays/local-images" >/dev/null || return 1
  kubectl -n "$OPERATOR_NAMESPACE" set env deployment/messagestack-operator \
    OPERATOR_IMAGE_ID="$(docker image inspect -f '{{.Id}}' "$NEW_IMAGE" | cut -c8-19)" >/dev/null
  operator_rollout
  restore_stack_spec
}

require_tools
require_stack
# Whatever happens from here, the lab gets its own operator back (run_scenario's trap also calls heal).
save_stack_spec
trap 'heal || say "heal failed: run make deploy-operator, then merge $SAVED_SPEC into $MS_NAME"' EXIT
install_previous
run_scenario operator-upgrade operator-upgrade "operator upgraded under load from $UPGRADE_FROM to this checkout (one-file bundle, server-side apply)"
