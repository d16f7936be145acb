#!/usr/bin/env bash
# Brings up the alert checks' own stack (chaos/alerts-stack/stack.yaml: alerts-lab/alerts) on the kind lab and
# prints the environment chaos/alert-check.sh needs to run against it. Safe to run twice: an existing stack and
# Secret are kept. Needs the lab (make up: the operator and the object store).
# usage: chaos/alerts-stack/up.sh     then, e.g.:
#   eval "$(chaos/alerts-stack/up.sh --env)"; chaos/alert-check.sh writer-flapping
# ALERTS_STACK (default alerts) and ALERTS_NODE_PORT (30081) name another stack in the same namespace: the writer
# moves of the last hour count per stack name, so after node faults that moved the writer of `alerts`, a stack of
# a new name (e.g. ALERTS_STACK=flap ALERTS_NODE_PORT=30082) starts writer-flapping with a clean hour.
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$DIR/../.." && pwd)
# shellcheck disable=SC1091
source "$REPO/hack/versions.env"
export PATH="${MS_CACHE:-$HOME/.cache/messagestack}/k8s/$K8S_VERSION/bin:$PATH"
# shellcheck source=hack/backup/lib.sh
source "$REPO/hack/backup/lib.sh"
CTX=kind-$(awk '/^name:/{print $2}' "$REPO/kind-config.yaml")
NS=alerts-lab NAME=${ALERTS_STACK:-alerts} NODE_PORT=${ALERTS_NODE_PORT:-30081}
[[ $NAME =~ ^[a-z]([-a-z0-9]{0,18}[a-z0-9])?$ ]] || { echo "ALERTS_STACK must be a short DNS label (got '$NAME')" >&2; exit 2; }
[[ $NODE_PORT =~ ^3[0-2][0-9]{3}$ ]] || { echo "ALERTS_NODE_PORT must be a NodePort (30000-32767, got '$NODE_PORT')" >&2; exit 2; }
k() { kubectl --context "$CTX" "$@"; }
say() { echo "[alerts-stack $(date -u +%H:%M:%S)] $*" >&2; }

k get ns messagestack-objectstore >/dev/null 2>&1 || { say "ERROR: no object store on the lab: run 'make up' (or make objectstore)"; exit 1; }
say "namespace $NS and MessageStack $NAME, NodePort $NODE_PORT (chaos/alerts-stack/stack.yaml)"
sed -e "s/^  name: alerts$/  name: $NAME/" -e "s/nodePort: 30081/nodePort: $NODE_PORT/" "$DIR/stack.yaml" | k apply -f - >&2
say "Secret backup-s3 in $NS from the object store's credentials: $(copy_store_credentials messagestack-objectstore "$NS")"
say "waiting up to 600 s for $NS/$NAME to be Ready"
k -n "$NS" wait "ms/$NAME" --for=condition=Ready --timeout=600s >&2
node_ip=$(k get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}')
say "Ready; its page: http://$node_ip:$NODE_PORT/"
if [[ ${1:-} == --env ]]; then
  echo "export MS_NAME=$NAME MS_NAMESPACE=$NS CHAOS_BASE_URL=http://$node_ip:$NODE_PORT"
fi
