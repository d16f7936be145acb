#!/usr/bin/env bash
# End-to-end test of the operator on the kind lab (make test-e2e):
#   1. the operator installed and the kind sample Ready (deploy-operator.sh, deploy-sample.sh);
#   2. a message added and deleted through the page in headless Chromium via the host port;
#   3. each kind of owned object deleted by hand and restored by the operator, then Ready again;
#   4. each bad spec rejected by the API server with a message naming the field.
# Dumps the stack's state and pod logs on failure. Safe to run twice.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cluster
ns=$SAMPLE_NS; ms=$SAMPLE_NAME
dump() {
  echo "---- state of $ns on failure ----" >&2
  k -n "$ns" get ms,sts,deploy,pods,svc,cm,pdb,networkpolicy -o wide >&2 || true
  k -n "$ns" describe ms "$ms" >&2 || true
  for p in $(k -n "$ns" get pods -o name 2>/dev/null); do
    echo "---- logs $p ----" >&2; k -n "$ns" logs "$p" --all-containers --tail=40 >&2 || true
  done
  k -n "$OPERATOR_NS" logs deployment/messagestack-operator --tail=80 >&2 || true
}
trap 'rc=$?; [ $rc -eq 0 ] || dump; exit $rc' EXIT

phase "1/4 operator and sample"
"$ROOT/hack/operator/deploy-operator.sh"
"$ROOT/hack/operator/deploy-sample.sh"

phase "2/4 add and delete a message through the page (headless Chromium, http://127.0.0.1:8080/)"
need node "run make api-deps"
ROOT="$ROOT" node "$ROOT/hack/operator/e2e-page.mjs"

phase "3/4 delete each kind of owned object; the operator restores it"
restored() { # kind name: waits until the object exists again with a new uid
  local kind=$1 name=$2 old=$3 deadline=$((SECONDS + 60)) uid
  while [ $SECONDS -lt $deadline ]; do
    uid=$(k -n "$ns" get "$kind" "$name" -o jsonpath='{.metadata.uid}' 2>/dev/null || true)
    if [ -n "$uid" ] && [ "$uid" != "$old" ]; then
      phase "  $kind/$name restored after $((60 - deadline + SECONDS))s"; return 0
    fi
    sleep 1
  done
  die "$kind/$name was not restored within 60 s"
}
for obj in deployment/$ms-proxy deployment/$ms-api deployment/$ms-frontend \
           service/$ms-db service/$ms-db-peers service/$ms-proxy service/$ms-api service/$ms-frontend \
           configmap/$ms-db-config configmap/$ms-db-scripts configmap/$ms-proxy-config \
           configmap/$ms-frontend-config configmap/$ms-frontend-page \
           poddisruptionbudget/$ms-db poddisruptionbudget/$ms-proxy \
           networkpolicy/$ms-database-ingress networkpolicy/$ms-proxy-ingress networkpolicy/$ms-api-ingress \
           statefulset/$ms-db; do
  kind=${obj%%/*}; name=${obj#*/}
  old=$(k -n "$ns" get "$kind" "$name" -o jsonpath='{.metadata.uid}')
  # The StatefulSet is deleted without its pods (orphan): deleting the pods too is a full database
  # crash, which is the chaos suite's scenario, not this one.
  if [ "$kind" = statefulset ]; then k -n "$ns" delete "$obj" --cascade=orphan --wait=false >/dev/null
  else k -n "$ns" delete "$obj" --wait=false >/dev/null; fi
  restored "$kind" "$name" "$old"
done
phase "  editing haproxy.cfg by hand is undone"
k -n "$ns" patch configmap "$ms-proxy-config" --type merge -p '{"data":{"haproxy.cfg":"# hand edit\n"}}' >/dev/null
deadline=$((SECONDS + 60))
until k -n "$ns" get configmap "$ms-proxy-config" -o jsonpath='{.data.haproxy\.cfg}' | grep -q "backend galera"; do
  [ $SECONDS -lt $deadline ] || die "hand edit of $ms-proxy-config not undone within 60 s"; sleep 1
done
phase "  waiting for Ready again"
k -n "$ns" wait --for=condition=Ready --timeout=300s "ms/$ms" >/dev/null || die "not Ready again after the deletions"
ROOT="$ROOT" node "$ROOT/hack/operator/e2e-page.mjs" >/dev/null && phase "  the page still works"

phase "4/4 bad specs are rejected (server-side dry run), each naming its field"
reject() { # description, expected field, kubectl apply input on stdin
  local what=$1 field=$2 out
  if out=$(k apply --server-side --dry-run=server -f - 2>&1); then die "accepted: $what"; fi
  echo "$out" | grep -q "$field" || die "rejected ($what) but the message does not name $field: $out"
  phase "  rejected: $what -> $(echo "$out" | grep -o "$field[^,]*" | head -1 | cut -c1-110)"
}
spec() { printf 'apiVersion: messagestack.io/v1alpha1\nkind: MessageStack\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n%s\n' "$1" "$ns" "$2"; }
spec bad1 "  database:\n    replicas: 2" | sed 's/\\n/\n/g' | reject "even database replicas" spec.database.replicas
spec bad2 "  database:\n    replicas: 0" | sed 's/\\n/\n/g' | reject "zero database replicas" spec.database.replicas
spec bad3 "  proxy:\n    replicas: -1" | sed 's/\\n/\n/g' | reject "negative proxy replicas" spec.proxy.replicas
spec bad4 "  vip:\n    enabled: true\n    frontendAddress: 10.0.0.300\n    proxyAddress: 10.0.0.2" | sed 's/\\n/\n/g' | reject "malformed IP" spec.vip.frontendAddress
spec "$ms" "  database:\n    engine: mariadb-galera\n    storage:\n      size: 512Mi" | sed 's/\\n/\n/g' | reject "shrinking volume" spec.database.storage.size
spec "$ms" "  database:\n    engine: percona-xtradb-cluster" | sed 's/\\n/\n/g' | reject "engine change on a running stack" spec.database.engine
phase "e2e passed"
