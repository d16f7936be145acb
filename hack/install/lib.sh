# Shared helpers of hack/install/*.sh (sourced): versions, cache paths, the toolchain's PATH, phase logs.
# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables below are used by the scripts that source this file
set -euo pipefail
INSTALL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$INSTALL_DIR/../.." && pwd)"
# shellcheck disable=SC1091
source "$ROOT/hack/versions.env"
# shellcheck disable=SC1091
source "$INSTALL_DIR/versions.env"
export MS_CACHE="${MS_CACHE:-$HOME/.cache/messagestack}"
HELM_BIN_DIR="$MS_CACHE/helm/$HELM_VERSION/bin"
HELM="$HELM_BIN_DIR/helm"
# kubectl-messagestack goes next to the toolchain's kubectl (hack/operator/lib.sh puts this dir on PATH).
K8S_BIN_DIR="$MS_CACHE/k8s/$K8S_VERSION/bin"
export PATH="$HELM_BIN_DIR:$K8S_BIN_DIR:$MS_CACHE/kind/$KIND_VERSION/bin:/usr/local/go/bin:$PATH"
CHART_DIR="$ROOT/deploy/helm/messagestack-operator"
BUNDLE="$ROOT/deploy/release/messagestack-operator.yaml"
CRD_SRC="$ROOT/crds/messagestacks.messagestack.io.yaml"
# Every generated CRD (make crds): the chart's crds/ holds a copy of each.
CRD_SRCS=("$ROOT/crds/messagestacks.messagestack.io.yaml" "$ROOT/crds/messagestackbackups.messagestack.io.yaml")

_t0=$SECONDS
log() { echo "[$(date +%H:%M:%S) +$((SECONDS - _t0))s] ${LOG_PREFIX:-install}: $*"; }
die() { printf '[%s] %s: ERROR: %b\n' "$(date +%H:%M:%S)" "${LOG_PREFIX:-install}" "$*" >&2; exit 1; }
need_go() {
  command -v go >/dev/null || die "Go not found: install Go >= 1.26 and put it on PATH (the project's Go modules need it)"
}
