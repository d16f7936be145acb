#!/usr/bin/env bash
# make test-helm-lab: the Helm chart installs the operator on the kind lab and runs the sample stack (issue 13).
#   1. the operator `make up` installed (kustomize, namespace messagestack-system) is scaled to 0, so exactly
#      one operator reconciles; its replica count is remembered and restored at the end, also on failure
#   2. helm upgrade --install ms-helm deploy/helm/messagestack-operator -n messagestack-helm: every namespace
#      watched, the lab's local images (the same :dev builds as deploy/overlays/local-images), one replica.
#      --skip-crds: the lab's CRDs were applied by kubectl (make deploy-operator) and stay its; Helm 4 would
#      server-side apply the chart's copy and stop on the field-manager conflict. Helm never deletes CRDs, so
#      no stack is touched by the install or the uninstall
#   3. the chart's operator takes the lease and reconciles the sample: its own log line
#      "reconciled stack=messagestack/demo ... ready=true", the stack's Ready condition True and observedGeneration
#      current; `kubectl messagestack status` says Verdict: OK
#   4. helm uninstall; the kustomize operator back to its replicas, and it reconciles the stack again
# Safe to run twice (upgrade --install; the uninstall at the end).
set -euo pipefail
# shellcheck source=hack/operator/lib.sh
source "$(dirname "$0")/../operator/lib.sh"
# shellcheck source=hack/install/versions.env
source "$ROOT/hack/install/versions.env"
HELM="$MS_CACHE/helm/$HELM_VERSION/bin/helm"
RELEASE=ms-helm
HELM_NS=messagestack-helm
CHART="$ROOT/deploy/helm/messagestack-operator"
need jq "apt-get install jq"
[[ -x $HELM ]] || die "helm not found at $HELM: run make helm"
require_cluster
ctx=(--kube-context "kind-$CLUSTER_NAME")

kustomize_replicas=$(k -n "$OPERATOR_NS" get deploy messagestack-operator -o jsonpath='{.spec.replicas}')
restore_kustomize_operator() {
  phase "4. helm uninstall $RELEASE; the kustomize operator back to $kustomize_replicas replicas"
  "$HELM" "${ctx[@]}" uninstall "$RELEASE" -n "$HELM_NS" --wait --timeout 120s >/dev/null 2>&1 || true
  k -n "$OPERATOR_NS" scale deploy messagestack-operator --replicas="$kustomize_replicas" >/dev/null
  k -n "$OPERATOR_NS" rollout status deploy messagestack-operator --timeout=300s >/dev/null
}
trap restore_kustomize_operator EXIT

phase "1. the kustomize-installed operator ($OPERATOR_NS, $kustomize_replicas replicas) scaled to 0"
k -n "$OPERATOR_NS" scale deploy messagestack-operator --replicas=0 >/dev/null
k -n "$OPERATOR_NS" wait pod -l app.kubernetes.io/name=messagestack-operator --for=delete --timeout=120s >/dev/null 2>&1 || true

phase "2. helm upgrade --install $RELEASE $CHART -n $HELM_NS (Helm $HELM_VERSION)"
t_install=$SECONDS
"$HELM" "${ctx[@]}" upgrade --install "$RELEASE" "$CHART" -n "$HELM_NS" --create-namespace --skip-crds --wait --timeout 300s \
  --set image.tag=dev --set replicaCount=1 \
  --set stackImages.mariadbGalera=messagestack/mariadb-galera:10.11 --set stackImages.galeraAgent=messagestack/galera-agent:dev \
  --set stackImages.haproxy=messagestack/haproxy:dev --set stackImages.messageApi=messagestack/message-api:dev \
  --set stackImages.nginx=messagestack/nginx:dev --set stackImages.keepalived=messagestack/keepalived:dev
"$HELM" "${ctx[@]}" list -n "$HELM_NS"
pod=$(k -n "$HELM_NS" get pods -l "app.kubernetes.io/instance=$RELEASE" -o jsonpath='{.items[0].metadata.name}')

phase "3. $pod reconciles $SAMPLE_NS/$SAMPLE_NAME"
# The log is read whole, then searched (grep -q on a pipe would cut kubectl off: SIGPIPE under pipefail).
line=""
for _ in $(seq 1 180); do
  logs=$(k -n "$HELM_NS" logs "$pod" 2>/dev/null || true)
  line=$(grep -m1 "reconciled stack=$SAMPLE_NS/$SAMPLE_NAME .*ready=true" <<<"$logs" || true)
  [[ -n $line ]] && break
  sleep 2
done
[[ -n $line ]] || die "the chart's operator did not reconcile $SAMPLE_NS/$SAMPLE_NAME to ready: kubectl -n $HELM_NS logs $pod"
echo "   $line"
k -n "$SAMPLE_NS" wait messagestack "$SAMPLE_NAME" --for=condition=Ready --timeout=300s >/dev/null
gen=$(k -n "$SAMPLE_NS" get messagestack "$SAMPLE_NAME" -o jsonpath='{.metadata.generation} {.status.observedGeneration}')
[[ ${gen% *} == "${gen#* }" ]] || die "generation/observedGeneration = $gen"
echo "   Ready, generation/observedGeneration $gen, $((SECONDS - t_install)) s after helm install began"
screen=$(kubectl-messagestack status "$SAMPLE_NAME" -n "$SAMPLE_NS" --context "kind-$CLUSTER_NAME")
echo "$screen"
grep -q "^Verdict: OK" <<<"$screen" || die "kubectl messagestack status does not say Verdict: OK"
phase "the chart's operator runs the sample stack: passed"
