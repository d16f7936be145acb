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

inject() {
  case $what in
    api-image)
      new_api_image
      spec_patch "$SPEC_API_IMAGE" "\"$NEW_TAG\""
      ;;
    db-setting)
      local value
      value=$(( 300 + $(date +%s) % 100 ))
      measure maxConnections "$value"
      spec_patch "$SPEC_DB_CONFIG.max_connections" "\"$value\""
      ;;
  esac
  fault_over
}

run_scenario "rolling-$what" rolling-change "rolling change under load: $([[ $what == api-image ]] && echo 'new message-api image tag' || echo 'changed database setting (max_connections)')"
