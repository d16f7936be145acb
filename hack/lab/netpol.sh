#!/usr/bin/env bash
# NetworkPolicy enforcement for the offline lab (called by `make cluster`; `make netpol` alone):
#   image  messagestack/kube-network-policies:<version>-<inputs hash>, FROM the Debian base image,
#          with the binary `make toolchain` built from the Go module proxy and queue-rules.sh
#   apply  image, `kind load docker-image`, kubectl apply of netpol/kube-network-policies.yaml
#          (DaemonSet in kube-system), wait for it on every node. Safe to run again: an unchanged
#          image is not rebuilt and the DaemonSet does not roll.
# Online (kind's published node image) kindnetd already enforces NetworkPolicy: nothing to do.
# LAB_CLUSTER overrides the cluster name from kind-config.yaml (a throwaway test cluster).
LOG_PREFIX=netpol
source "$(dirname "$0")/lib.sh"
need_docker

CONFIG="$REPO_ROOT/kind-config.yaml"
NAME=${LAB_CLUSTER:-$(awk '/^name:/{print $2}' "$CONFIG")}
POD_CIDR=$(awk '/podSubnet:/{print $2}' "$CONFIG")
BIN="$MS_CACHE/kube-network-policies/$KUBE_NETWORK_POLICIES_VERSION/bin/cmd"   # go install names it after its package dir
BASE="messagestack/debian-base:$DEBIAN_SUITE"
REPO=messagestack/kube-network-policies

image_tag() {
  local hash
  hash=$({ echo "$KUBE_NETWORK_POLICIES_VERSION $(docker image inspect -f '{{.Id}}' "$BASE")"
           cat "$LAB_DIR/netpol/Dockerfile" "$LAB_DIR/netpol/queue-rules.sh"; sha256sum < "$BIN"; } | sha256sum | cut -c1-12)
  echo "$REPO:$KUBE_NETWORK_POLICIES_VERSION-$hash"
}

build_image() {
  [ -x "$BIN" ] || die "kube-network-policies $KUBE_NETWORK_POLICIES_VERSION missing at $BIN; run 'make toolchain'"
  docker image inspect "$BASE" >/dev/null 2>&1 || die "base image missing; run 'make base-image'"
  IMAGE=$(image_tag)
  if docker image inspect "$IMAGE" >/dev/null 2>&1; then log "$IMAGE exists"; return; fi
  phase "build $IMAGE"
  local ctx; ctx=$(mktemp -d)
  cp "$BIN" "$ctx/kube-network-policies"
  cp "$LAB_DIR/netpol/queue-rules.sh" "$ctx/"
  docker build -q --build-arg "BASE_IMAGE=$BASE" -t "$IMAGE" -f "$LAB_DIR/netpol/Dockerfile" "$ctx" >/dev/null \
    || { rm -rf "$ctx"; die "docker build of $IMAGE failed"; }
  rm -rf "$ctx"
  log "built $IMAGE ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1e6}'))"
}

apply() {
  build_image
  kind get clusters 2>/dev/null | grep -qx "$NAME" || die "no kind cluster '$NAME'; run 'make cluster'"
  local kcfg; kcfg=$(mktemp)
  kind get kubeconfig --name "$NAME" > "$kcfg"
  k() { kubectl --kubeconfig "$kcfg" "$@"; }
  phase "load $IMAGE into $NAME"
  kind load docker-image "$IMAGE" --name "$NAME" >/dev/null || die "kind load docker-image $IMAGE failed"
  phase "apply the kube-network-policies DaemonSet (pod network $POD_CIDR)"
  sed -e "s|@IMAGE@|$IMAGE|g" -e "s|@POD_CIDR@|$POD_CIDR|g" "$LAB_DIR/netpol/kube-network-policies.yaml" | k apply -f -
  k -n kube-system rollout status daemonset/kube-network-policies --timeout=180s \
    || { k -n kube-system get pods -l app=kube-network-policies -o wide >&2; rm -f "$kcfg"; die "kube-network-policies not ready on every node"; }
  rm -f "$kcfg"
}

if [ "$(node_image_name)" = "$KIND_ONLINE_NODE_IMAGE" ]; then
  log "path: ONLINE: kind's node image runs kindnetd, which enforces NetworkPolicy; nothing to add"
  finish; exit 0
fi
case "${1:-apply}" in
  image) build_image ;;
  apply) apply ;;
  *) die "usage: $0 [image|apply]" ;;
esac
finish
