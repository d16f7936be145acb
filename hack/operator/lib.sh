# Shared helpers of the operator scripts: phase banners with elapsed time, failure with a fix.
T0=${T0:-$SECONDS}
phase() { printf '==> [%s +%ss] %s\n' "$(date +%H:%M:%S)" "$((SECONDS - T0))" "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck disable=SC1091
source "$ROOT/hack/versions.env"
source "$ROOT/hack/lib/kind-load.sh"
export MS_CACHE="${MS_CACHE:-$HOME/.cache/messagestack}"
# The lab's kubectl and kind (make toolchain), keyed by version.
export PATH="$MS_CACHE/k8s/$K8S_VERSION/bin:$MS_CACHE/kind/$KIND_VERSION/bin:$PATH"
CLUSTER_NAME=${CLUSTER_NAME:-messagestack}
OPERATOR_IMAGE=${OPERATOR_IMAGE:-messagestack/operator:dev}
OPERATOR_NS=${OPERATOR_NS:-messagestack-system}
SAMPLE_NS=${SAMPLE_NS:-messagestack}
SAMPLE_NAME=${SAMPLE_NAME:-demo}
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"; }
k() { kubectl --context "kind-${CLUSTER_NAME}" "$@"; }
require_cluster() {
  need kubectl "run make toolchain"
  need kind "run make toolchain"
  kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME" || die "kind cluster $CLUSTER_NAME not found: run make cluster"
  k get nodes >/dev/null 2>&1 || die "the kind cluster's API server does not answer: run make cluster"
}
# load_image IMAGE HINT: loads a local image into the kind workers that lack it (hack/lib/kind-load.sh).
load_image() {
  docker image inspect "$1" >/dev/null 2>&1 || die "image $1 not built: run $2"
  local done_
  done_=$(kind_load_image "$CLUSTER_NAME" "$1") || die "kind load docker-image $1 failed"
  echo "    $done_"
}

# The images a kind MessageStack (engine mariadb-galera) runs, loaded into the nodes.
load_stack_images() {
  load_image messagestack/mariadb-galera:10.11 "make dataplane-images"
  load_image messagestack/galera-agent:dev "make dataplane-images"
  load_image messagestack/haproxy:dev "make dataplane-images"
  load_image messagestack/nginx:dev "make dataplane-images"
  load_image messagestack/message-api:dev "make api-image"
  # spec.vip.enabled adds keepalived sidecars; without the image they stay in ErrImagePull and the stack never
  # becomes Ready (session 1's vip chaos run).
  load_image messagestack/keepalived:dev "make dataplane-images"
}
