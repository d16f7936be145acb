#!/usr/bin/env bash
# make test-install-apiserver: the install paths against a real kube-apiserver $K8S_VERSION + etcd on loopback
# (the toolchain's binaries; no nodes, no kind, nothing shared touched), then the operator itself (the JVM build
# in operator/target, run as a local process with the chart's ServiceAccount token) in namespaced mode:
#   1. the bundle applies with kubectl apply --server-side; its ServiceAccount may read Secrets everywhere;
#      helm install --take-ownership --force-conflicts --skip-crds adopts its objects (the way from kustomize/bundle to Helm)
#   2. helm install of the chart with watchNamespaces={team-a,team-b}: Roles in those namespaces only,
#      checked with kubectl auth can-i as the ServiceAccount (yes in team-a, no in team-c, nothing cluster-wide)
#   3. invalid values refused by helm install, naming the value
#   4. the operator, given the chart's env (QUARKUS_OPERATOR_SDK_CONTROLLERS_MESSAGESTACK_NAMESPACES=team-a,team-b)
#      and only the chart's RBAC, reconciles a MessageStack in team-a (owned objects created, status written,
#      no 403 in its log) and leaves the one in team-c alone
#   5. kubectl messagestack status on the stack the operator wrote
# Pods never run (there is no kubelet): this proves the manifests, the RBAC and the namespace setting, not a
# Ready stack. Ports: 127.0.0.1:${APISERVER_PORT:-16443}, etcd ${ETCD_PORT:-22379}, operator http 18089.
LOG_PREFIX=apiserver-check
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
APISERVER_PORT=${APISERVER_PORT:-16443}
ETCD_PORT=${ETCD_PORT:-22379}
OPERATOR_JAR="$ROOT/operator/target/quarkus-app/quarkus-run.jar"
ETCD=$(ls "$MS_CACHE"/etcd/*/bin/etcd 2>/dev/null | tail -1)
for b in kube-apiserver kubectl; do [ -x "$K8S_BIN_DIR/$b" ] || die "$K8S_BIN_DIR/$b missing: run make toolchain"; done
[ -n "$ETCD" ] || die "etcd missing in $MS_CACHE/etcd: run make toolchain"
[ -x "$HELM" ] || die "helm missing: run make helm"
[ -x "$K8S_BIN_DIR/kubectl-messagestack" ] || die "kubectl-messagestack missing: run make kubectl-plugin"
[ -f "$OPERATOR_JAR" ] || die "$OPERATOR_JAR missing: run mvn -B -q -f operator/pom.xml package -DskipTests"

for port in "$APISERVER_PORT" "$ETCD_PORT" "$((ETCD_PORT + 1))" 18089; do
  ! ss -Hltn "sport = :$port" 2>/dev/null | grep -q . \
    || die "port $port on 127.0.0.1 is taken (another run?); set APISERVER_PORT / ETCD_PORT to free ones"
done
work=$(mktemp -d /tmp/messagestack-apiserver-check.XXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] && { log "kept $work"; return; }
  rm -rf "$work"
}
trap cleanup EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); log "ok   $*"; }
bad() { failed=$((failed + 1)); log "FAIL $*"; }
expect() { local what=$1; shift; if "$@" >> "$work/steps.log" 2>&1; then ok "$what"; else bad "$what (log: $work/steps.log)"; fi; }

log "--> etcd + kube-apiserver $K8S_VERSION on 127.0.0.1:$APISERVER_PORT"
openssl genrsa -out "$work/sa.key" 2048 2>/dev/null && openssl rsa -in "$work/sa.key" -pubout -out "$work/sa.pub" 2>/dev/null
token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$token,admin,admin,\"system:masters\"" > "$work/tokens.csv"
"$ETCD" --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
  > "$work/etcd.log" 2>&1 & pids+=($!)
"$K8S_BIN_DIR/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" --bind-address 127.0.0.1 \
  --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" --cert-dir "$work/certs" \
  --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$work/sa.pub" \
  --service-account-signing-key-file "$work/sa.key" --token-auth-file "$work/tokens.csv" \
  --authorization-mode RBAC --service-cluster-ip-range 10.96.0.0/24 > "$work/apiserver.log" 2>&1 & pids+=($!)
cat > "$work/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "https://127.0.0.1:$APISERVER_PORT", insecure-skip-tls-verify: true}}]
users: [{name: admin, user: {token: "$token"}}]
contexts: [{name: local, context: {cluster: local, user: admin}}]
current-context: local
KC
export KUBECONFIG="$work/kubeconfig"
for _ in $(seq 1 120); do kubectl get --raw /readyz >/dev/null 2>&1 && break; sleep 1; done
kubectl get --raw /readyz >/dev/null 2>&1 || { tail -20 "$work/apiserver.log"; die "kube-apiserver did not become ready"; }
for _ in $(seq 1 30); do kubectl get ns default >/dev/null 2>&1 && break; sleep 1; done
log "kube-apiserver ready ($(kubectl version -o json | jq -r .serverVersion.gitVersion))"

can() { kubectl auth can-i --as "system:serviceaccount:$1" "${@:2}" 2>/dev/null; }
cannot() { ! can "$@"; }

log "--> 1. the release bundle"
expect "bundle applies (kubectl apply --server-side)" kubectl apply --server-side -f "$BUNDLE"
expect "CRD established" kubectl wait --for condition=Established --timeout=30s crd/messagestacks.messagestack.io
expect "bundle: operator may list Secrets in any namespace" can messagestack-system:messagestack-operator list secrets -n default
expect "bundle: operator may patch MessageStack status" can messagestack-system:messagestack-operator patch messagestacks.messagestack.io --subresource=status -n default
expect "bundle: operator may not list nodes" cannot messagestack-system:messagestack-operator list nodes
expect "bundle: operator may not delete PVCs" cannot messagestack-system:messagestack-operator delete persistentvolumeclaims -n default
# spec.monitoring: kubectl auth can-i maps a resource through discovery (an unknown one is asked as a core-group
# name, and always answers no), so the Prometheus Operator's kinds must be served: the stand-in CRDs of
# MonitoringIT (real group, version, kinds, plurals; the real YAMLs cannot be downloaded here).
PO_CRDS="$ROOT/operator/src/test/resources/monitoring/prometheus-operator-crds-minimal.yaml"
expect "Prometheus Operator CRDs (MonitoringIT's stand-ins) applied" kubectl apply --server-side -f "$PO_CRDS"
expect "Prometheus Operator CRDs established" kubectl wait --for condition=Established --timeout=30s \
  crd/podmonitors.monitoring.coreos.com crd/prometheusrules.monitoring.coreos.com
expect "bundle: operator may create PodMonitors in any namespace" can messagestack-system:messagestack-operator create podmonitors.monitoring.coreos.com -n default
expect "bundle: operator may not read PodMonitors" cannot messagestack-system:messagestack-operator get podmonitors.monitoring.coreos.com -n default
expect "bundle: operator may patch its PrometheusRule" can messagestack-system:messagestack-operator patch prometheusrules.monitoring.coreos.com/messagestack-alert-rules -n messagestack-system
expect "bundle: operator may not patch another PrometheusRule" cannot messagestack-system:messagestack-operator patch prometheusrules.monitoring.coreos.com/other -n messagestack-system
expect "bundle: operator may not create PrometheusRules elsewhere" cannot messagestack-system:messagestack-operator create prometheusrules.monitoring.coreos.com -n default
# Moving from the bundle (or kustomize: same names) to Helm: the objects are not Helm's, so helm install takes
# them over with --take-ownership (and --force-conflicts: kubectl owns their fields); --skip-crds because a CRD applied by kubectl conflicts with Helm 4's apply.
sel_before=$(kubectl -n messagestack-system get deployment messagestack-operator -o jsonpath='{.spec.selector}')
expect "helm install --take-ownership --force-conflicts --skip-crds over the bundle's objects" "$HELM" install messagestack-operator \
  "$CHART_DIR" -n messagestack-system --take-ownership --force-conflicts --skip-crds
expect "the Deployment's selector is unchanged by the takeover" test "$sel_before" = \
  "$(kubectl -n messagestack-system get deployment messagestack-operator -o jsonpath='{.spec.selector}')"
expect "helm uninstall keeps the CRD (and so every MessageStack)" bash -c "'$HELM' uninstall messagestack-operator -n messagestack-system && kubectl get crd messagestacks.messagestack.io"
# Remove the bundle so the chart installs its own CRD: Helm 4 applies CRDs server-side and a CRD applied by
# kubectl (field manager "kubectl") conflicts; on such a cluster install with --skip-crds (README).
kubectl delete -f "$BUNDLE" --wait=false >/dev/null 2>&1 || true
for _ in $(seq 1 60); do kubectl get crd messagestacks.messagestack.io >/dev/null 2>&1 || break; sleep 1; done

log "--> 2. helm install, watchNamespaces={team-a,team-b}"
for ns in team-a team-b team-c; do kubectl create ns "$ns" >/dev/null; done
expect "helm install (namespaced) into ops" "$HELM" install messagestack-operator "$CHART_DIR" -n ops --create-namespace \
  --set 'watchNamespaces={team-a,team-b}' --set logLevel=DEBUG
expect "helm installed the chart's CRD" kubectl wait --for condition=Established --timeout=30s crd/messagestacks.messagestack.io
SA=ops:messagestack-operator
expect "namespaced: may list Secrets in team-a" can $SA list secrets -n team-a
expect "namespaced: may create StatefulSets in team-b" can $SA create statefulsets.apps -n team-b
expect "namespaced: may watch MessageStacks in team-a" can $SA watch messagestacks.messagestack.io -n team-a
expect "namespaced: may not list Secrets in team-c" cannot $SA list secrets -n team-c
expect "namespaced: may not list Secrets cluster-wide" cannot $SA list secrets -A
expect "namespaced: may not list MessageStacks cluster-wide" cannot $SA list messagestacks.messagestack.io -A
expect "namespaced: Lease in ops only" can $SA update leases.coordination.k8s.io -n ops
expect "namespaced: may create PodMonitors in team-a" can $SA create podmonitors.monitoring.coreos.com -n team-a
expect "namespaced: may not create PodMonitors in team-c" cannot $SA create podmonitors.monitoring.coreos.com -n team-c
expect "namespaced: PrometheusRule in ops" can $SA delete prometheusrules.monitoring.coreos.com/messagestack-alert-rules -n ops
expect "namespaced: may watch nodes (the writer's node cordoned?)" can $SA watch nodes
expect "namespaced: may patch pod status in team-a (the node-loss guard)" can $SA patch pods --subresource=status -n team-a
expect "namespaced: may not patch pod status in team-c" cannot $SA patch pods --subresource=status -n team-c
expect "namespaced: may not update pods (only their status)" cannot $SA update pods -n team-a
expect "namespaced: may not update nodes" cannot $SA update nodes
expect "namespaced: no ClusterRole installed but -nodes" test "$(kubectl get clusterrole -l app.kubernetes.io/instance=messagestack-operator -o name)" = clusterrole.rbac.authorization.k8s.io/messagestack-operator-nodes

log "--> 3. invalid values"
if "$HELM" install bad "$CHART_DIR" -n ops --set 'watchNamespaces={Team_A}' > "$work/bad.log" 2>&1; then bad "helm install accepted watchNamespaces={Team_A}"
elif grep -q "/watchNamespaces/0" "$work/bad.log"; then ok "helm install refuses watchNamespaces={Team_A}: $(grep /watchNamespaces "$work/bad.log" | sed 's/^ *//')"
else cat "$work/bad.log"; bad "helm install refused without naming the value"; fi

log "--> 4. the operator with the chart's env and RBAC, as a local process"
sa_token=$(kubectl -n ops create token messagestack-operator --duration 1h)
cat > "$work/sa-kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "https://127.0.0.1:$APISERVER_PORT", insecure-skip-tls-verify: true}}]
users: [{name: sa, user: {token: "$sa_token"}}]
contexts: [{name: local, context: {cluster: local, user: sa, namespace: ops}}]
current-context: local
KC
deploy_json=$(kubectl -n ops get deployment messagestack-operator -o json)
env_args=()
while IFS= read -r kv; do env_args+=("$kv"); done < <(echo "$deploy_json" | jq -r '.spec.template.spec.containers[0].env[] | select(.value) | "\(.name)=\(.value)"')
log "operator env from the chart: ${env_args[*]}"
env -i PATH="$PATH" HOME="$work" KUBECONFIG="$work/sa-kubeconfig" POD_NAMESPACE=ops KUBERNETES_NAMESPACE=ops \
  QUARKUS_HTTP_PORT=18089 QUARKUS_KUBERNETES_CLIENT_TRUST_CERTS=true "${env_args[@]}" \
  java -Xmx192m -jar "$OPERATOR_JAR" > "$work/operator.log" 2>&1 & pids+=($!)
for _ in $(seq 1 120); do curl -fs http://127.0.0.1:18089/q/health/ready >/dev/null 2>&1 && break; sleep 1; done
expect "operator ready (its /q/health/ready) under the namespaced RBAC" curl -fs http://127.0.0.1:18089/q/health/ready
cat > "$work/stacks.yaml" <<ST
apiVersion: messagestack.io/v1alpha1
kind: MessageStack
metadata: {name: demo, namespace: team-a}
spec: {database: {engine: mariadb-galera}}
---
apiVersion: messagestack.io/v1alpha1
kind: MessageStack
metadata: {name: demo, namespace: team-c}
spec: {database: {engine: mariadb-galera}}
ST
expect "two MessageStacks applied (team-a watched, team-c not)" kubectl apply -f "$work/stacks.yaml"
for _ in $(seq 1 90); do
  [ -n "$(kubectl -n team-a get ms demo -o jsonpath='{.status.phase}' 2>/dev/null)" ] && break; sleep 1
done
expect "team-a/demo: status written by the operator" test -n "$(kubectl -n team-a get ms demo -o jsonpath='{.status.phase}')"
expect "team-a/demo: StatefulSet demo-db created" kubectl -n team-a get statefulset demo-db
expect "team-a/demo: Secret demo-db-credentials created" kubectl -n team-a get secret demo-db-credentials
# With the Prometheus Operator's kinds served, the operator applies the PodMonitor in team-a and the shared
# PrometheusRule in its own namespace: the chart's RBAC (create, patch, delete) must be enough for that.
monitoring() { kubectl -n team-a get ms demo -o jsonpath='{.status.monitoring.mode}/{.status.monitoring.reason}'; }
for _ in $(seq 1 40); do [ "$(monitoring)" = PrometheusOperator/PrometheusOperatorFound ] && break; sleep 1; done
expect "team-a/demo: status.monitoring PrometheusOperator/PrometheusOperatorFound (got $(monitoring))" \
  test "$(monitoring)" = PrometheusOperator/PrometheusOperatorFound
expect "team-a/demo: PodMonitor demo-metrics applied under the chart's RBAC" \
  kubectl -n team-a get podmonitors.monitoring.coreos.com demo-metrics
expect "PrometheusRule messagestack-alert-rules applied in the operator's namespace ops" \
  kubectl -n ops get prometheusrules.monitoring.coreos.com messagestack-alert-rules
sleep 5
expect "team-c/demo (not watched): no status" test -z "$(kubectl -n team-c get ms demo -o jsonpath='{.status}')"
expect "team-c/demo (not watched): nothing created" test -z "$(kubectl -n team-c get statefulsets,deployments,secrets -o name 2>/dev/null | grep demo)"
if grep -qiE '403|forbidden' "$work/operator.log"; then
  grep -iE '403|forbidden' "$work/operator.log" | head -5; bad "the operator's log has 403/Forbidden"
else ok "no 403/Forbidden in the operator's log"; fi
grep -m1 -iE 'namespaces|watch' "$work/operator.log" | cut -c1-240 || true

log "--> 5. kubectl messagestack status (the operator's status of team-a/demo)"
kubectl -n team-a create -f - >/dev/null <<EV || true
apiVersion: v1
kind: Event
metadata: {name: demo-db-0.check, namespace: team-a}
involvedObject: {kind: Pod, name: demo-db-0, namespace: team-a}
type: Warning
reason: FailedScheduling
message: "no nodes available to schedule pods (apiserver-check has no nodes)"
lastTimestamp: "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
firstTimestamp: "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
count: 1
EV
if kubectl messagestack status demo -n team-a > "$work/status.txt" 2>&1 && grep -q "MessageStack team-a/demo" "$work/status.txt"; then
  ok "kubectl messagestack status demo -n team-a"; cat "$work/status.txt"
else cat "$work/status.txt"; bad "kubectl messagestack status"; fi
if kubectl messagestack status nope -n team-a > "$work/nope.txt" 2>&1; then bad "kubectl messagestack status nope succeeded"
elif grep -q "MessageStack nope not found in namespace team-a" "$work/nope.txt"; then ok "kubectl messagestack status: a missing stack is named: $(cat "$work/nope.txt")"
else cat "$work/nope.txt"; bad "kubectl messagestack status nope: unclear error"; fi

log "$passed passed, $failed failed"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
