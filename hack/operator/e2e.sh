#!/usr/bin/env bash
# End-to-end test of the operator on the kind lab (make test-e2e):
#   1. the operator installed (deploy-operator.sh) and a stack of its own Ready: the kind sample as
#      messagestack-e2e/e2e (so the sample and anything running on it, e.g. chaos runs, are untouched);
#   2. a message added and deleted through the page in headless Chromium via a host port
#      (kubectl port-forward to 127.0.0.1:18080; the sample itself is on http://127.0.0.1:8080);
#      then the stack's NetworkPolicies checked with real connections (e2e-netpol.sh);
#   3. each kind of owned object deleted by hand and restored by the operator, then Ready again;
#   4. each bad spec rejected by the API server with a message naming the field.
# Dumps the stack's state and pod logs on failure. Safe to run twice.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cluster
ns=${E2E_NS:-messagestack-e2e}; ms=e2e; port=${E2E_PORT:-18080}; pf=""
dump() {
  echo "---- state of $ns on failure ----" >&2
  k -n "$ns" get ms,sts,deploy,pods,svc,cm,pdb,networkpolicy -o wide >&2 || true
  k -n "$ns" describe ms "$ms" >&2 || true
  for p in $(k -n "$ns" get pods -o name 2>/dev/null); do
    echo "---- logs $p ----" >&2; k -n "$ns" logs "$p" --all-containers --tail=40 >&2 || true
  done
  k -n "$OPERATOR_NS" logs deployment/messagestack-operator --tail=80 >&2 || true
}
trap 'rc=$?; [ -z "$pf" ] || kill "$pf" 2>/dev/null; [ $rc -eq 0 ] || dump; exit $rc' EXIT

phase "1/4 operator, and a fresh stack $ns/$ms"
"$ROOT/hack/operator/deploy-operator.sh"
k -n "$ns" delete ms "$ms" --ignore-not-found --wait=true >/dev/null 2>&1 || true
k -n "$ns" delete pvc,secret -l "app.kubernetes.io/instance=$ms" --ignore-not-found >/dev/null 2>&1 || true
phase "loading the stack's images into kind"
load_stack_images
# Pod Security Admission "restricted": the API server itself refuses any pod of this stack (no VIPs) that is not.
k create namespace "$ns" --dry-run=client -o yaml | k apply -f - >/dev/null
k label namespace "$ns" --overwrite pod-security.kubernetes.io/enforce=restricted \
  pod-security.kubernetes.io/warn=restricted >/dev/null
t0=$SECONDS
sed -e "s/^  name: demo/  name: $ms/" -e "s/^  namespace: messagestack/  namespace: $ns/" \
    -e "s/type: NodePort/type: ClusterIP/" -e "/nodePort: 30080/d" "$ROOT/deploy/samples/messagestack-kind.yaml" \
  | k apply --server-side -f - >/dev/null
k -n "$ns" wait --for=condition=Ready --timeout=420s "ms/$ms" >/dev/null || die "$ns/$ms not Ready within 420 s"
phase "  $ns/$ms Ready after $((SECONDS - t0))s"
# kubectl itself in the background (not through the k function, whose subshell would get the kill and
# leave kubectl running after the test).
kubectl --context "kind-${CLUSTER_NAME}" -n "$ns" port-forward "svc/$ms-frontend" "$port:80" --address 127.0.0.1 >/dev/null 2>&1 &
pf=$!
for _ in $(seq 1 30); do curl -fs -o /dev/null "http://127.0.0.1:$port/" && break; sleep 1; done

phase "2/4 add and delete a message through the page (headless Chromium, http://127.0.0.1:$port/)"
need node "run make api-deps"
ROOT="$ROOT" PAGE_URL="http://127.0.0.1:$port/" node "$ROOT/hack/operator/e2e-page.mjs"
phase "  NetworkPolicies enforced: only HAProxy reaches the database, only message-api reaches HAProxy"
"$ROOT/hack/operator/e2e-netpol.sh" "$ns" "$ms"
phase "  every container restricted (the namespace enforces Pod Security restricted too)"
"$ROOT/hack/operator/e2e-security.sh" "$ns" "$ms"

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
           service/$ms-db service/$ms-db-peers service/$ms-proxy service/$ms-api service/$ms-api-pods service/$ms-frontend \
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
phase "  the credentials Secret deleted by hand comes back with the same passwords"
before=$(k -n "$ns" get secret "$ms-db-credentials" -o jsonpath='{.metadata.uid} {.data.root} {.data.monitor} {.data.app}')
k -n "$ns" delete secret "$ms-db-credentials" --wait=false >/dev/null
deadline=$((SECONDS + 60))
while :; do
  after=$(k -n "$ns" get secret "$ms-db-credentials" -o jsonpath='{.metadata.uid} {.data.root} {.data.monitor} {.data.app}' 2>/dev/null || true)
  if [ -n "$after" ] && [ "${after%% *}" != "${before%% *}" ]; then
    [ "${after#* }" = "${before#* }" ] || die "secret/$ms-db-credentials came back with other passwords"
    phase "  secret/$ms-db-credentials restored with the same passwords after $((60 - deadline + SECONDS))s"; break
  fi
  [ $SECONDS -lt $deadline ] || die "secret/$ms-db-credentials was not restored within 60 s"; sleep 1
done
phase "  editing haproxy.cfg by hand is undone"
k -n "$ns" patch configmap "$ms-proxy-config" --type merge -p '{"data":{"haproxy.cfg":"# hand edit\n"}}' >/dev/null
deadline=$((SECONDS + 60))
until k -n "$ns" get configmap "$ms-proxy-config" -o jsonpath='{.data.haproxy\.cfg}' | grep -q "backend galera"; do
  [ $SECONDS -lt $deadline ] || die "hand edit of $ms-proxy-config not undone within 60 s"; sleep 1
done
phase "  waiting for the re-created Deployments to roll out, then Ready again"
for d in proxy api frontend; do
  k -n "$ns" rollout status "deployment/$ms-$d" --timeout=300s >/dev/null || die "deployment $ms-$d did not roll out"
done
k -n "$ns" wait --for=condition=Ready --timeout=300s "ms/$ms" >/dev/null || die "not Ready again after the deletions"
# The port-forward pointed at a pod that may have been replaced: open it again.
kill "$pf" 2>/dev/null || true
kubectl --context "kind-${CLUSTER_NAME}" -n "$ns" port-forward "svc/$ms-frontend" "$port:80" --address 127.0.0.1 >/dev/null 2>&1 &
pf=$!
for _ in $(seq 1 30); do curl -fs -o /dev/null "http://127.0.0.1:$port/" && break; sleep 1; done
ROOT="$ROOT" PAGE_URL="http://127.0.0.1:$port/" node "$ROOT/hack/operator/e2e-page.mjs" \
  || die "the page does not work after the owned objects were restored"
phase "  the page still works"

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
# Hostile input (issue 12): the bounds of every field; the same cases run against kube-apiserver in HostileInputIT.
spec bad5 "  database:\n    replicas: 100001" | sed 's/\\n/\n/g' | reject "100001 database replicas" spec.database.replicas
spec bad6 "  proxy:\n    replicas: 0" | sed 's/\\n/\n/g' | reject "zero proxy replicas" spec.proxy.replicas
spec bad7 "  api:\n    replicas: 100000" | sed 's/\\n/\n/g' | reject "100000 api replicas" spec.api.replicas
spec bad8 "  database:\n    storage:\n      size: -1Gi" | sed 's/\\n/\n/g' | reject "negative volume size" spec.database.storage.size
spec bad9 "  vip:\n    enabled: true\n    frontendAddress: 10.0.0.9\n    proxyAddress: 10.0.0.9" | sed 's/\\n/\n/g' | reject "the same VIP twice" spec.vip.proxyAddress
spec "n$(printf 'x%.0s' $(seq 1 59))" "  proxy:\n    replicas: 2" | sed 's/\\n/\n/g' | reject "a 60-character name" metadata.name
spec bad10 "  database:\n    image: \"mariadb:10.11; rm -rf /\"" | sed 's/\\n/\n/g' | reject "image with spaces and ;" spec.database.image
spec bad11 "  database:\n    config:\n      wsrep_cluster_address: gcomm://evil" | sed 's/\\n/\n/g' | reject "a my.cnf key the data plane owns" spec.database.config
spec "$ms" "  database:\n    engine: mariadb-galera\n    storage:\n      deleteWithStack: true" | sed 's/\\n/\n/g' | reject "deleteWithStack false -> true on a running stack" spec.database.storage.deleteWithStack
spec "$ms" "  database:\n    engine: mariadb-galera\n    storage:\n      size: 512Mi" | sed 's/\\n/\n/g' | reject "shrinking volume" spec.database.storage.size
spec "$ms" "  database:\n    engine: percona-xtradb-cluster" | sed 's/\\n/\n/g' | reject "engine change on a running stack" spec.database.engine
phase "e2e passed; deleting $ns/$ms, its volumes and its passwords (both kept by default)"
k -n "$ns" delete ms "$ms" --wait=true >/dev/null
k -n "$ns" delete pvc,secret -l "app.kubernetes.io/instance=$ms" --wait=false >/dev/null 2>&1 || true
