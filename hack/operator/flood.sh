#!/usr/bin/env bash
# The operator under a flood (make bench-operator-flood, issue 12): does it stay up, within its memory limit, and
# keep reconciling the sample in its usual time when the cluster is full of objects that are not its own and a
# stack asks for the largest size the CRD allows?
#   1. before: each operator pod's restart count and VmRSS; the sample's no-op reconcile time (5 forced reconciles);
#   2. flood, in namespace messagestack-flood: FLOOD_CONFIGMAPS ConfigMaps and FLOOD_SECRETS Secrets (1 KiB each,
#      the operator's kinds but not its objects), and FLOOD_PODS pause pods (a Deployment; kind's nodes allow ~110
#      pods each, so hundreds, not thousands); then a MessageStack at every maximum (database 9, proxy 7, api 12,
#      frontend 20) in namespace messagestack-flood-max (deleteWithStack: true, so deleting it removes its volumes:
#      the spec's own choice, made for this throw-away stack);
#   3. after FLOOD_SETTLE_SECONDS: restart counts (must not change), VmRSS (must stay under the container limit),
#      the sample's no-op reconcile time again (must stay within FLOOD_RECONCILE_FACTOR x before, or 2 s), and what
#      the operator did with the large stack (a first StatefulSet of at most 3, grown step by step).
# Cleans up both namespaces at the end (and at the start: safe to run twice). Fails on any broken expectation.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cluster
FLOOD_CONFIGMAPS=${FLOOD_CONFIGMAPS:-3000}
FLOOD_SECRETS=${FLOOD_SECRETS:-2000}
FLOOD_PODS=${FLOOD_PODS:-150}
FLOOD_SETTLE_SECONDS=${FLOOD_SETTLE_SECONDS:-180}
FLOOD_RECONCILE_FACTOR=${FLOOD_RECONCILE_FACTOR:-3}
ns=messagestack-flood; max_ns=messagestack-flood-max; max=maxed
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

cleanup() {
  k -n "$max_ns" delete ms "$max" --ignore-not-found --wait=true --timeout=300s >/dev/null 2>&1 || true
  k delete namespace "$ns" "$max_ns" --ignore-not-found --wait=true --timeout=600s >/dev/null 2>&1 || true
}
operator_pods() { k -n "$OPERATOR_NS" get pods -l app.kubernetes.io/name=messagestack-operator -o name | sed 's|pod/||'; }
restarts() { k -n "$OPERATOR_NS" get pods -l app.kubernetes.io/name=messagestack-operator \
               -o jsonpath='{range .items[*]}{.metadata.name}={.status.containerStatuses[0].restartCount} {end}'; }
rss_mib() { k -n "$OPERATOR_NS" exec "$1" -- sh -c 'grep VmRSS /proc/1/status' | awk '{print int($2/1024)}'; }
limit_mib() { k -n "$OPERATOR_NS" get deploy messagestack-operator \
                -o jsonpath='{.spec.template.spec.containers[0].resources.limits.memory}' | sed 's/Mi$//'; }
# leader: the pod holding the operator's leader Lease (the only one that reconciles).
leader() {
  local holder
  holder=$(k -n "$OPERATOR_NS" get lease messagestack-operator-lease -o jsonpath='{.spec.holderIdentity}' 2>/dev/null)
  [[ -n $holder ]] && k -n "$OPERATOR_NS" get pod "$holder" >/dev/null 2>&1 && echo "$holder"
}
# noop_reconcile_ms TAG: forces 5 reconciles of the sample and prints the median elapsed_ms of those logged after
# the first poke. A poke is an annotation on one of the sample's own ConfigMaps: the operator's informer sees the
# change and reconciles (an annotation on the MessageStack itself does not: its generation stays the same).
noop_reconcile_ms() {
  local tag=$1 p since i times
  p=$(leader) || die "no operator pod holds the Lease $OPERATOR_NS/messagestack-operator-lease (is the operator running?)"
  since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  for i in 1 2 3 4 5; do
    k -n "$SAMPLE_NS" annotate configmap "$SAMPLE_NAME-frontend-config" "messagestack.io/flood-poke=$tag-$i" \
      --overwrite >/dev/null; sleep 3
  done
  k -n "$SAMPLE_NS" annotate configmap "$SAMPLE_NAME-frontend-config" messagestack.io/flood-poke- >/dev/null
  times=$(k -n "$OPERATOR_NS" logs "$p" --since-time="$since" | grep "reconciled stack=$SAMPLE_NS/$SAMPLE_NAME " \
    | sed -n 's/.*elapsed_ms=\([0-9]*\).*/\1/p' | sort -n)
  [ -n "$times" ] || die "no reconcile of $SAMPLE_NS/$SAMPLE_NAME logged after 5 pokes ($tag)"
  awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}' <<<"$times"
}

[ "$(k -n "$SAMPLE_NS" get ms "$SAMPLE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ] \
  || die "the sample $SAMPLE_NS/$SAMPLE_NAME is not Ready: run make deploy-sample first"
phase "removing what an earlier run left"
cleanup

phase "1/3 before the flood"
restarts_before=$(restarts); limit=$(limit_mib)
for p in $(operator_pods); do phase "  $p VmRSS $(rss_mib "$p") MiB (limit ${limit} MiB)"; done
before_ms=$(noop_reconcile_ms before)
phase "  restarts: $restarts_before; sample no-op reconcile median ${before_ms} ms"

phase "2/3 flood: $FLOOD_CONFIGMAPS ConfigMaps, $FLOOD_SECRETS Secrets, $FLOOD_PODS pause pods in $ns"
k create namespace "$ns" >/dev/null
payload=$(head -c 768 /dev/urandom | base64 -w0)
python3 - "$FLOOD_CONFIGMAPS" "$FLOOD_SECRETS" "$payload" > "$work/objects.json" <<'EOF'
import json, sys
n_cm, n_secret, payload = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
items = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "flood-%05d" % i, "labels": {"flood": "1"}},
          "data": {"payload": payload}} for i in range(n_cm)]
items += [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "flood-%05d" % i, "labels": {"flood": "1"}},
           "type": "Opaque", "stringData": {"payload": payload}} for i in range(n_secret)]
print(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
EOF
t0=$SECONDS
k -n "$ns" create -f "$work/objects.json" >/dev/null
phase "  created $((FLOOD_CONFIGMAPS + FLOOD_SECRETS)) objects in $((SECONDS - t0))s"
pause_image=$(docker exec "${CLUSTER_NAME}-worker" crictl images -o json \
  | python3 -c 'import json,sys; print(next(t for i in json.load(sys.stdin)["images"] for t in i["repoTags"] if "/pause:" in t))')
k -n "$ns" apply -f - >/dev/null <<EOT
apiVersion: apps/v1
kind: Deployment
metadata: {name: flood-pause}
spec:
  replicas: $FLOOD_PODS
  selector: {matchLabels: {app: flood-pause}}
  template:
    metadata: {labels: {app: flood-pause}}
    spec:
      terminationGracePeriodSeconds: 0
      securityContext: {runAsNonRoot: true, runAsUser: 65534, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: pause
        image: $pause_image
        imagePullPolicy: Never
        resources: {requests: {cpu: 1m, memory: 4Mi}, limits: {memory: 16Mi}}
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
EOT
phase "  a MessageStack at every maximum: $max_ns/$max"
k create namespace "$max_ns" >/dev/null
k -n "$max_ns" apply --server-side -f - >/dev/null <<EOT
apiVersion: messagestack.io/v1alpha1
kind: MessageStack
metadata: {name: $max}
spec:
  database:
    engine: mariadb-galera
    replicas: 9
    storage: {size: 1Gi, deleteWithStack: true}
    resources: {requests: {cpu: 10m, memory: 64Mi}}
  proxy: {replicas: 7, resources: {requests: {cpu: 5m, memory: 16Mi}}}
  api: {replicas: 12, resources: {requests: {cpu: 5m, memory: 64Mi}}}
  frontend: {replicas: 20, resources: {requests: {cpu: 5m, memory: 8Mi}}}
  placement: {antiAffinity: none, podDisruptionBudget: true}
EOT
phase "  waiting ${FLOOD_SETTLE_SECONDS}s (the operator works through it; sampled every 30 s)"
peak=0; deadline=$((SECONDS + FLOOD_SETTLE_SECONDS))
while [ $SECONDS -lt $deadline ]; do
  sleep 30
  line=""
  for p in $(operator_pods); do
    if r=$(rss_mib "$p" 2>/dev/null) && [ -n "$r" ]; then [ "$r" -gt "$peak" ] && peak=$r; line+="$p=${r}MiB "
    else line+="$p=unreadable(restarting?) "; fi
  done
  sts=$(k -n "$max_ns" get sts "$max-db" -o jsonpath='{.spec.replicas}/{.status.readyReplicas}' 2>/dev/null || echo -)
  pods=$(k get pods -A --no-headers 2>/dev/null | wc -l)
  phase "  +$((SECONDS - deadline + FLOOD_SETTLE_SECONDS))s VmRSS $line| pods in cluster $pods | $max db replicas/ready $sts"
done

phase "3/3 after"
after_ms=$(noop_reconcile_ms after)
first_sts=$(k get events -n "$max_ns" --field-selector reason=DatabaseScaling -o jsonpath='{.items[0].message}' 2>/dev/null || true)
status=$(k -n "$max_ns" get ms "$max" -o jsonpath='{range .status.conditions[*]}{.type}={.status} {.reason}; {end}')
phase "cleaning up ($ns, $max_ns); restarts are counted after it (the clean-up is part of the load)"
cleanup
restarts_after=$(restarts)
echo
echo "objects: $FLOOD_CONFIGMAPS ConfigMaps + $FLOOD_SECRETS Secrets + $FLOOD_PODS pause pods; a stack at every maximum"
echo "operator restarts: before [$restarts_before] after [$restarts_after]"
echo "operator peak VmRSS during the flood: $peak MiB (container limit $limit MiB)"
echo "sample no-op reconcile median: before $before_ms ms, during the flood $after_ms ms"
echo "large stack: $status"
[ -n "$first_sts" ] && echo "large stack first scaling event: $first_sts"
fail=0
[ "$restarts_before" = "$restarts_after" ] || { echo "FAIL: an operator pod restarted"; fail=1; }
[ "$peak" -lt "$limit" ] || { echo "FAIL: VmRSS reached the limit"; fail=1; }
allowed=$(( before_ms * FLOOD_RECONCILE_FACTOR > 2000 ? before_ms * FLOOD_RECONCILE_FACTOR : 2000 ))
[ "$after_ms" -le "$allowed" ] || { echo "FAIL: reconcile ${after_ms} ms > ${allowed} ms"; fail=1; }
[ $fail = 0 ] || die "the operator did not hold up under the flood (see FAIL lines)"
phase "the operator held up: no restart, peak ${peak} MiB < ${limit} MiB, reconcile ${after_ms} ms (before ${before_ms} ms)"
