# Shared helpers of the operator scripts: phase banners with elapsed time, failure with a fix.
T0=${T0:-$SECONDS}
phase() { printf '==> [%s +%ss] %s\n' "$(date +%H:%M:%S)" "$((SECONDS - T0))" "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CLUSTER_NAME=${CLUSTER_NAME:-messagestack}
OPERATOR_IMAGE=${OPERATOR_IMAGE:-messagestack/operator:dev}
OPERATOR_NS=${OPERATOR_NS:-messagestack-system}
SAMPLE_NS=${SAMPLE_NS:-messagestack}
SAMPLE_NAME=${SAMPLE_NAME:-demo}
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"; }
kubectl_lab() {
  need kubectl "run make toolchain (or put kubectl on PATH)"
  kubectl --context "kind-${CLUSTER_NAME}" "$@"
}
