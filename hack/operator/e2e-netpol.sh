#!/usr/bin/env bash
# The operator's NetworkPolicies, enforced (issue 4), on a Ready stack: e2e-netpol.sh NAMESPACE NAME
# Needs an enforcing pod network (the lab's kube-network-policies DaemonSet, `make netpol`, or
# kindnetd online). Each check opens one TCP connection (bash /dev/tcp, 3 s timeout) from inside
# a pod and asserts it opens or is blocked:
#   a probe pod without the stack's labels (same image as HAProxy) reaches the frontend (control),
#   but not the database (3306, 4567 peers), not HAProxy's 3306, not the API's 8080;
#   HAProxy reaches the database's 3306 and the agent's 9200; a Galera peer reaches 4567, 3306
#   and its peer's agent (9200: a starting node asks it for a Primary component);
#   the API reaches HAProxy's 3306; nginx reaches the API.
# Called by e2e.sh; can run alone against any Ready stack. Deletes its probe pod.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cluster
ns=${1:?usage: e2e-netpol.sh NAMESPACE NAME}; ms=${2:?usage: e2e-netpol.sh NAMESPACE NAME}
probe=netpol-probe

enforcer=""
for ds in kube-network-policies kindnet; do
  ready=$(k -n kube-system get daemonset "$ds" -o jsonpath='{.status.numberReady}' 2>/dev/null || true)
  [ -n "$ready" ] && [ "$ready" -eq "$(k get nodes --no-headers | wc -l)" ] && enforcer=$ds && break
done
[ -n "$enforcer" ] || die "no NetworkPolicy enforcement in the cluster (kube-system/kube-network-policies not ready on every node): run make netpol"
phase "  NetworkPolicy enforced by kube-system/$enforcer"

trap 'k -n "$ns" delete pod "$probe" --ignore-not-found --wait=false >/dev/null 2>&1 || true' EXIT
k -n "$ns" delete pod "$probe" --ignore-not-found --wait=true >/dev/null
k -n "$ns" apply -f - >/dev/null <<EOT
apiVersion: v1
kind: Pod
metadata: {name: $probe, labels: {app: $probe}}
spec:
  terminationGracePeriodSeconds: 0
  securityContext: {runAsNonRoot: true, runAsUser: 65534, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: main
    image: messagestack/haproxy:dev
    imagePullPolicy: Never
    command: [sleep, "3600"]
    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
EOT
k -n "$ns" wait --for=condition=Ready "pod/$probe" --timeout=90s >/dev/null || die "probe pod not Ready"

pod_of() { k -n "$ns" get pods -l "app.kubernetes.io/instance=$ms,app.kubernetes.io/component=$1" \
             --field-selector=status.phase=Running -o jsonpath='{.items[0].metadata.name}'; }
db0="$ms-db-0"; db1="$ms-db-1"
db0_ip=$(k -n "$ns" get pod "$db0" -o jsonpath='{.status.podIP}')
proxy=$(pod_of proxy); api=$(pod_of api); frontend=$(pod_of frontend)
[ -n "$db0_ip" ] && [ -n "$proxy" ] && [ -n "$api" ] && [ -n "$frontend" ] || die "stack pods not found in $ns"

# connects POD CONTAINER HOST PORT [SECONDS]: 0 if a TCP connection opens within SECONDS (3).
connects() { k -n "$ns" exec "$1" -c "$2" -- timeout "${5:-3}" bash -c "exec 3<>/dev/tcp/$3/$4" >/dev/null 2>&1; }
open() {   # description pod container host port
  # 10 s: an allowed connection returns at once, but the policy enforcer (a userspace queue) can take seconds to
  # admit the first packet on a loaded machine (a 3 s limit failed once at load 80, 2026-12-06 09:59).
  connects "$2" "$3" "$4" "$5" 10 || die "NetworkPolicy: $1 ($2 -> $4:$5) is blocked, must be allowed"
  phase "  allowed: $1 ($4:$5)"
}
blocked() {
  if connects "$2" "$3" "$4" "$5"; then die "NetworkPolicy: $1 ($2 -> $4:$5) opened, must be blocked"; fi
  phase "  blocked: $1 ($4:$5)"
}
open    "probe -> frontend (no policy; control)"    "$probe" main "$ms-frontend" 80
blocked "probe -> database pod"                     "$probe" main "$db0_ip" 3306
blocked "probe -> database Service"                 "$probe" main "$ms-db" 3306
blocked "probe -> Galera replication port"          "$probe" main "$db0_ip" 4567
blocked "probe -> HAProxy Service"                  "$probe" main "$ms-proxy" 3306
blocked "probe -> message-api Service"              "$probe" main "$ms-api" 8080
open    "HAProxy -> database"                       "$proxy" haproxy "$db0_ip" 3306
open    "HAProxy -> galera-agent"                   "$proxy" haproxy "$db0_ip" 9200
open    "Galera peer -> Galera replication"         "$db1" database "$db0_ip" 4567
open    "Galera peer -> database"                   "$db1" database "$db0_ip" 3306
open    "Galera peer -> peer's galera-agent"        "$db1" database "$db0_ip" 9200
open    "message-api -> HAProxy Service"            "$api" message-api "$ms-proxy" 3306
open    "nginx -> message-api Service"              "$frontend" nginx "$ms-api" 8080
