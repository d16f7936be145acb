#!/usr/bin/env bash
# Installs the MessageStack CRD and operator on the kind lab from deploy/overlays/local-images and waits
# until the operator Deployment (2 replicas, leader election) is available. Safe to run twice: a new
# operator image rolls the pods, an unchanged one changes nothing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cluster
phase "loading $OPERATOR_IMAGE into kind"
load_image "$OPERATOR_IMAGE" "make operator-image"
# The stack images first: a new operator may roll running stacks (a changed start script restarts the database
# pods), and their init container must find the galera-agent that goes with it, not an older build under the same
# :dev tag (it would never exit: the pods stay in Init).
phase "loading the stack images into kind (a new operator may roll running stacks onto them)"
load_stack_images
phase "applying CRD, namespace, RBAC and Deployment (server-side)"
k apply --server-side --force-conflicts -k "$ROOT/deploy/overlays/local-images" >/dev/null
k wait --for condition=Established --timeout=60s crd/messagestacks.messagestack.io crd/messagestackbackups.messagestack.io >/dev/null
# The tag stays :dev, so record the image id: a rebuilt image rolls the pods, the same one does not.
image_id=$(docker image inspect -f '{{.Id}}' "$OPERATOR_IMAGE" | cut -c8-19)
k -n "$OPERATOR_NS" set env deployment/messagestack-operator OPERATOR_IMAGE_ID="$image_id" >/dev/null
phase "waiting for the operator rollout"
k -n "$OPERATOR_NS" rollout status deployment/messagestack-operator --timeout=180s \
  || { k -n "$OPERATOR_NS" get pods -o wide >&2; k -n "$OPERATOR_NS" logs deployment/messagestack-operator --tail=50 >&2 || true; die "operator not available; see the logs above"; }
k -n "$OPERATOR_NS" get pods -o wide
phase "operator installed (namespace $OPERATOR_NS)"
