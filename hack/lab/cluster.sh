#!/usr/bin/env bash
# make cluster / make cluster-down: the kind cluster from kind-config.yaml.
#   up:   reuse the cluster only if it is complete (4 node containers running, API answers, all
#         nodes Ready); anything else (half-created, stopped) is deleted and created again.
#         A healthy cluster on an older node image is kept with a warning, because other work
#         may be running on it (LAB_REPLACE_OUTDATED=1 replaces it). Waits until every node is
#         Ready and CoreDNS and kube-proxy are rolled out. Then applies NetworkPolicy
#         enforcement (netpol.sh: kube-network-policies DaemonSet, offline image only).
#   down: delete it.
# kubeconfig: kind merges context kind-<name> into $KUBECONFIG (default ~/.kube/config); a copy
# is written to $MS_CACHE/lab/kubeconfig.
LOG_PREFIX=cluster
source "$(dirname "$0")/lib.sh"
need_docker
command -v kind >/dev/null || die "kind not found; run 'make toolchain'"
command -v kubectl >/dev/null || die "kubectl not found; run 'make toolchain'"

CONFIG="$REPO_ROOT/kind-config.yaml"
NAME=$(awk '/^name:/{print $2}' "$CONFIG")
EXPECTED_NODES=$(grep -cE '^- role:' "$CONFIG")
CTX="kind-$NAME"
KCFG_COPY="$MS_CACHE/lab/kubeconfig"
# Talk to the cluster through kind's own view of it, not whatever ~/.kube/config holds.
k() { kubectl --kubeconfig "$KCFG_COPY" --context "$CTX" "$@"; }
refresh_kubeconfig() { mkdir -p "$(dirname "$KCFG_COPY")"; kind get kubeconfig --name "$NAME" > "$KCFG_COPY" 2>/dev/null; }

cluster_exists() { kind get clusters 2>/dev/null | grep -qx "$NAME"; }

# Why the existing cluster cannot be reused (empty = healthy).
unhealthy_reason() {
  local containers running img want
  containers=$(docker ps -a --filter "label=io.x-k8s.kind.cluster=$NAME" --format '{{.Names}}' | wc -l)
  running=$(docker ps --filter "label=io.x-k8s.kind.cluster=$NAME" --format '{{.Names}}' | wc -l)
  [ "$containers" -eq "$EXPECTED_NODES" ] || { echo "$containers node containers, expected $EXPECTED_NODES"; return; }
  [ "$running" -eq "$EXPECTED_NODES" ] || { echo "only $running of $EXPECTED_NODES node containers running"; return; }
  refresh_kubeconfig || { echo "kind has no kubeconfig for it"; return; }
  k get nodes >/dev/null 2>&1 || { echo "the API server does not answer"; return; }
  local ready
  ready=$(k get nodes --no-headers 2>/dev/null | awk '$2=="Ready"' | wc -l)
  [ "$ready" -eq "$EXPECTED_NODES" ] || { echo "$ready of $EXPECTED_NODES nodes Ready"; return; }
}

# A healthy cluster on an older node image is kept (others may be using it), with a warning;
# LAB_REPLACE_OUTDATED=1 replaces it.
outdated_nodes() {
  local want
  want=$(docker image inspect -f '{{.Id}}' "$NODE_IMAGE" 2>/dev/null || echo none)
  for c in $(docker ps --filter "label=io.x-k8s.kind.cluster=$NAME" --format '{{.Names}}'); do
    [ "$(docker inspect -f '{{.Image}}' "$c")" = "$want" ] || echo "$c"
  done
}

wait_ready() {
  phase "wait for $EXPECTED_NODES nodes Ready"
  local deadline=$((SECONDS + ${CLUSTER_READY_TIMEOUT:-300}))
  until [ "$(k get nodes --no-headers 2>/dev/null | awk '$2=="Ready"' | wc -l)" -eq "$EXPECTED_NODES" ]; do
    [ $SECONDS -lt $deadline ] || { k get nodes -o wide >&2 || true; die "nodes not Ready in time; see 'kubectl --context $CTX describe nodes' and 'kind export logs --name $NAME'"; }
    sleep 2
  done
  k get nodes -o wide
  phase "wait for kube-system (CoreDNS, kube-proxy)"
  k -n kube-system rollout status deployment/coredns --timeout=180s
  k -n kube-system rollout status daemonset/kube-proxy --timeout=180s
  # No pod may wait on an image pull: there is no registry here.
  local pulling
  pulling=$(k get pods -A --no-headers 2>/dev/null | grep -E 'ErrImagePull|ImagePullBackOff|ErrImageNeverPull' || true)
  [ -z "$pulling" ] || die "pods stuck on image pulls (the node image lacks an image):\n$pulling"
}

# NetworkPolicy enforcement (kube-network-policies DaemonSet, hack/lab/netpol.sh): applied to a
# new cluster and to a reused one (idempotent: an unchanged DaemonSet does not roll).
enforce_netpol() {
  phase "NetworkPolicy enforcement"
  "$LAB_DIR/netpol.sh" apply
}

up() {
  NODE_IMAGE=$(node_image_name)
  docker image inspect "$NODE_IMAGE" >/dev/null 2>&1 || die "node image $NODE_IMAGE missing; run 'make node-image'"
  phase "check existing cluster $NAME"
  if cluster_exists; then
    reason=$(unhealthy_reason)
    if [ -z "$reason" ] && [ -n "$(outdated_nodes)" ]; then
      if [ "${LAB_REPLACE_OUTDATED:-0}" = 1 ]; then
        reason="nodes on an older node image: $(outdated_nodes | tr '\n' ' ')"
      else
        log "WARNING: the healthy cluster runs an older node image than $NODE_IMAGE; keeping it."
        log "WARNING: to move to the new image: make cluster-down cluster (or LAB_REPLACE_OUTDATED=1 make cluster)"
      fi
    fi
    if [ -z "$reason" ]; then
      log "cluster $NAME is up with $EXPECTED_NODES Ready nodes; reusing it"
      kind export kubeconfig --name "$NAME" >/dev/null 2>&1 || true   # context kind-$NAME in ~/.kube/config
      enforce_netpol
      finish; return
    fi
    log "existing cluster $NAME cannot be reused ($reason); replacing it"
    kind delete cluster --name "$NAME"
  fi
  # 127.0.0.1:8080 must be free for the frontend mapping.
  if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then
    die "127.0.0.1:8080 is already in use; stop what listens there (ss -ltnp 'sport = :8080')"
  fi
  phase "kind create cluster ($NODE_IMAGE)"
  mkdir -p "$MS_CACHE/lab" "$MS_CACHE/logs"
  if ! kind create cluster --config "$CONFIG" --image "$NODE_IMAGE" --retain --wait 0s; then
    local d="$MS_CACHE/logs/kind-$(date +%Y%m%d-%H%M%S)"
    kind export logs "$d" --name "$NAME" >/dev/null 2>&1 || true
    kind delete cluster --name "$NAME" || true
    die "kind create cluster failed; node logs exported to $d"
  fi
  refresh_kubeconfig
  wait_ready
  enforce_netpol
  log "cluster $NAME ready: kubectl --context $CTX (kubeconfig copy: $KCFG_COPY)"
  finish
}

down() {
  phase "delete cluster $NAME"
  if cluster_exists; then kind delete cluster --name "$NAME"; else log "no cluster $NAME"; fi
  rm -f "$KCFG_COPY"
  finish
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) die "usage: $0 up|down" ;;
esac
