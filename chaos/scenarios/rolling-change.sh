#!/usr/bin/env bash
# A rolling change under load:
#   api-image:  message-api moved to a new image tag (the current image re-tagged and imported
#               into every kind node, so it rolls without a registry);
#   db-setting: a changed database setting (max_connections) in the MessageStack's database
#               configuration, which rolls the database pods one by one.
# Target: zero failed requests, no write lost or duplicated.
# usage: chaos/scenarios/rolling-change.sh api-image|db-setting
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
what=${1:-}
case $what in api-image | db-setting) ;; *) die "usage: $0 api-image|db-setting (got '$what')" ;; esac

new_api_image() {
  local current tag n
  # Sets NEW_TAG (not printed: measure must run in this shell, not in a command substitution).
  current=$(spec_get "$SPEC_API_IMAGE")
  [[ -n $current ]] || current=$(kc get deploy "$API_DEPLOYMENT" -o jsonpath='{.spec.template.spec.containers[0].image}')
  docker image inspect "$current" >/dev/null 2>&1 || die "the current api image $current is not in the local Docker: run 'make api-image'"
  tag=$API_IMAGE_REPO:chaos-$(date +%s)
  docker tag "$current" "$tag"
  for n in $(kind_nodes); do
    docker save "$tag" | docker exec -i "$n" ctr -n k8s.io images import - >/dev/null
  done
  measure fromImage "\"$current\""; measure toImage "\"$tag\""
  NEW_TAG=$tag
}

declare -A BEFORE_UIDS=()
inject() {
  local p
  case $what in
    api-image)
      new_api_image
      spec_patch "$SPEC_API_IMAGE" "\"$NEW_TAG\""
      ;;
    db-setting)
      local value
      value=$(( 300 + $(date +%s) % 100 ))
      measure maxConnections "$value"
      for p in $(pods_of database); do BEFORE_UIDS[$p]=$(pod_uid "$p"); done
      spec_patch "$SPEC_DB_CONFIG.max_connections" "\"$value\""
      ;;
  esac
  fault_over
}

# The proof, once Ready again: every pod runs the change (the new image; a new pod with the new setting).
after_ready() {
  local p bad=() v
  case $what in
    api-image)
      for p in $(pods_of api); do
        v=$(kc get pod "$p" -o jsonpath='{.spec.containers[0].image}')
        [[ $v == "$NEW_TAG" ]] || bad+=("$p:$v")
      done
      (( ${#bad[@]} == 0 )) || proof_failed "message-api pods not on $NEW_TAG: ${bad[*]}"
      ;;
    db-setting)
      for p in "${!BEFORE_UIDS[@]}"; do
        [[ $(pod_uid "$p") != "${BEFORE_UIDS[$p]}" ]] || bad+=("$p")
      done
      (( ${#BEFORE_UIDS[@]} > 0 )) || proof_failed "no database pod before the change"
      (( ${#bad[@]} == 0 )) || proof_failed "database pods not restarted by the setting change: ${bad[*]}"
      v=$(kc exec "$DB_STS-0" -c "$DB_CONTAINER" -- sh -c 'exec "$(command -v mariadb || command -v mysql)" -uroot -p"$MYSQL_ROOT_PASSWORD" -N -B -e "SELECT @@max_connections"' 2>/dev/null || true)
      [[ $v == "${MEASURE[maxConnections]}" ]] || proof_failed "$DB_STS-0 runs max_connections=${v:-?}, not ${MEASURE[maxConnections]}"
      ;;
  esac
  measure changeRolledOut "$([[ -z $PROOF_FAILED ]] && echo true || echo false)"
}

run_scenario "rolling-$what" rolling-change "rolling change under load: $([[ $what == api-image ]] && echo 'new message-api image tag' || echo 'changed database setting (max_connections)')"
