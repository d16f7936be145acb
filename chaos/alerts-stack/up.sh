#!/usr/bin/env bash
# Brings up the alert checks' own stack (chaos/alerts-stack/stack.yaml: alerts-lab/alerts) on the kind lab and
# prints the environment chaos/alert-check.sh needs to run against it. Safe to run twice: an existing stack and
# Secret are kept. Needs the lab (make up: the operator and the object store).
# usage: chaos/alerts-stack/up.sh     then, e.g.:
#   eval "$(chaos/alerts-stack/up.sh --env)"; chaos/alert-check.sh writer-flapping
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$DIR/../.." && pwd)
# shellcheck disable=SC1091
source "$REPO/hack/versions.env"
export PATH="${MS_CACHE:-$HOME/.cache/messagestack}/k8s/$K8S_VERSION/bin:$PATH"
# shellcheck source=hack/backup/lib.sh
source "$REPO/hack/backup/lib.sh"
CTX=kind-$(awk '/^name:/{print $2}' "$REPO/kind-config.yaml")
NS=alerts-lab NAME=alerts NODE_PORT=30081
k() { kubectl --context "$CTX" "$@"; }
say() { echo "[alerts-stack $(date -u +%H:%M:%S)] $*" >&2; }

k get ns messagestack-objectstore >/dev/null 2>&1 || { say "ERROR: no object store on the lab: run 'make up' (or make objectstore)"; exit 1; }
say "namespace $NS and MessageStack $NAME (chaos/alerts-stack/stack.yaml)"
k apply -f "$DIR/stack.yaml" >&2
say "Secret backup-s3 in $NS from the object store's credentials: $(copy_store_credentials messagestack-objectstore "$NS")"
say "waiting up to 600 s for $NS/$NAME to be Ready"
k -n "$NS" wait "ms/$NAME" --for=condition=Ready --timeout=600s >&2
node_ip=$(k get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}')
say "Ready; its page: http://$node_ip:$NODE_PORT/"
if [[ ${1:-} == --env ]]; then
  echo "export MS_NAME=$NAME MS_NAMESPACE=$NS CHAOS_BASE_URL=http://$node_ip:$NODE_PORT"
fi
