#!/usr/bin/env bash
# make test-lab: asserts that the kind lab does what the rest of the project relies on.
# Every check asserts on real behaviour and the script fails (exit 1) if any check fails:
#   nodes          all nodes of kind-config.yaml are Ready
#   local-image    a locally built image runs with imagePullPolicy Never and IfNotPresent, no pull;
#                  an image that was not loaded fails with ErrImageNeverPull (control)
#   pod-network    pods on two different workers reach each other by pod IP
#   service-dns    a ClusterIP Service answers by its DNS name (CoreDNS + kube-proxy)
#   host-port      http://127.0.0.1:8080 on the host reaches NodePort 30080 (the frontend's port)
#   pvc            a PVC binds and its data survives deleting and re-creating the pod
#   hostnet-netadmin  a hostNetwork pod with NET_ADMIN+NET_RAW adds/removes an address on the
#                  node's eth0 and sends gratuitous ARP (what keepalived does); without NET_ADMIN
#                  the same command is refused (control)
#   node-restart   `docker stop` of a worker makes it NotReady, `docker start` makes it Ready,
#                  and pods on it reach the other nodes again
#   netpol         NetworkPolicy is enforced (kube-network-policies DaemonSet, netpol.sh), its
#                  nftables table held on every node (queue-rules.sh says why); two
#                  clients reach a server; a deny-all ingress policy blocks both (same node and
#                  across nodes); an allow policy for one label lets that client through while
#                  the other stays blocked; without the policies both reach it again
#   no-pulls       no pod in the cluster is waiting on an image pull
# LAB_CHECKS="nodes netpol" runs only the named checks (the others are reported as skipped).
LOG_PREFIX=test-lab
source "$(dirname "$0")/lib.sh"
need_docker
CONFIG="$REPO_ROOT/kind-config.yaml"
NAME=$(awk '/^name:/{print $2}' "$CONFIG")
EXPECTED_NODES=$(grep -cE '^- role:' "$CONFIG")
CTX="kind-$NAME"
NS=lab-test
PROBE=messagestack/lab-probe:dev
kind get clusters 2>/dev/null | grep -qx "$NAME" || die "no kind cluster '$NAME'; run 'make cluster'"
KCFG=$(mktemp); kind get kubeconfig --name "$NAME" > "$KCFG" || die "kind has no kubeconfig for '$NAME'; run 'make cluster'"
k() { kubectl --kubeconfig "$KCFG" --context "$CTX" "$@"; }
kn() { k -n "$NS" "$@"; }

results=()
failed=0
# check NAME FUNCTION: runs one check, records ok/FAILED with its time; continues with the next.
check() {
  local name=$1 fn=$2 t0=$SECONDS
  if [ -n "${LAB_CHECKS:-}" ] && ! grep -qw -- "$name" <<< "$LAB_CHECKS"; then
    results+=("$(printf '%-18s %4s   skipped (LAB_CHECKS)' "$name" -)"); return
  fi
  phase "check $name"
  # Not inside `if`: bash ignores set -e there, which would let a failed assertion pass.
  local rc=0
  set +e
  ( set -euo pipefail; "$fn" )
  rc=$?
  set -e
  if [ "$rc" -eq 0 ]; then
    results+=("$(printf '%-18s %4ss  ok' "$name" $((SECONDS - t0)))")
  else
    results+=("$(printf '%-18s %4ss  FAILED' "$name" $((SECONDS - t0)))")
    failed=1
    log "FAILED: $name"
  fi
}
fail() { printf 'ASSERTION FAILED: %b\n' "$*" >&2; exit 1; }   # exits the check's subshell

workers() { k get nodes -l '!node-role.kubernetes.io/control-plane' -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort; }

# pod NAME NODE [extra spec yaml lines]: a probe pod pinned to NODE.
pod_manifest() {
  local name=$1 node=$2 policy=${3:-Never} image=${4:-$PROBE}
  cat <<EOT
apiVersion: v1
kind: Pod
metadata: {name: $name, labels: {app: $name}}
spec:
  nodeName: $node
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: $image
    imagePullPolicy: $policy
    command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec busybox httpd -f -p 8080 -h /www"]
EOT
}
wait_pod() { kn wait --for=condition=Ready "pod/$1" --timeout="${2:-120s}" >/dev/null || { kn describe pod "$1" | tail -20 >&2; fail "pod $1 not Ready"; }; }
pod_ip() { kn get pod "$1" -o jsonpath='{.status.podIP}'; }

setup() {
  phase "setup: probe image, namespace"
  local want have
  want=$(sha256sum "$LAB_DIR/images/Dockerfile.lab-probe" | cut -c1-16)
  have=$(docker image inspect -f '{{index .Config.Labels "messagestack.inputs"}}' "$PROBE" 2>/dev/null || true)
  if [ "$want" != "$have" ]; then
    docker image inspect "messagestack/debian-base:$DEBIAN_SUITE" >/dev/null 2>&1 || die "base image missing; run 'make base-image'"
    docker build -q --build-arg "BASE_IMAGE=messagestack/debian-base:$DEBIAN_SUITE" --label "messagestack.inputs=$want" \
      -t "$PROBE" -f "$LAB_DIR/images/Dockerfile.lab-probe" "$LAB_DIR/images" >/dev/null || die "building $PROBE failed"
  fi
  kind load docker-image "$PROBE" --name "$NAME" >/dev/null || die "kind load docker-image $PROBE failed"
  k delete namespace "$NS" --ignore-not-found --wait=true >/dev/null
  k create namespace "$NS" >/dev/null
  # Let the namespace's default service account appear before creating pods.
  for _ in $(seq 1 30); do kn get serviceaccount default >/dev/null 2>&1 && break; sleep 1; done
}
cleanup() { k delete namespace "$NS" --ignore-not-found --wait=false >/dev/null 2>&1 || true; rm -f "$KCFG"; }

t_nodes() {
  local ready total
  total=$(k get nodes --no-headers | wc -l)
  ready=$(k get nodes --no-headers | awk '$2=="Ready"' | wc -l)
  k get nodes
  [ "$total" -eq "$EXPECTED_NODES" ] || fail "$total nodes, expected $EXPECTED_NODES"
  [ "$ready" -eq "$EXPECTED_NODES" ] || fail "$ready of $EXPECTED_NODES nodes Ready"
  [ "$(workers | wc -l)" -ge 3 ] || fail "fewer than 3 workers"
}

t_local_image() {
  local w1
  w1=$(workers | sed -n 1p)
  pod_manifest srv-a "$w1" Never | kn apply -f - >/dev/null
  pod_manifest ifnp "$w1" IfNotPresent | kn apply -f - >/dev/null
  pod_manifest notloaded "$w1" Never messagestack/never-loaded:dev | kn apply -f - >/dev/null
  wait_pod srv-a; wait_pod ifnp
  # No "Pulling" event for either pod: the image came from the node's containerd.
  if kn get events --field-selector reason=Pulling -o name | grep -q .; then fail "an image was pulled: $(kn get events --field-selector reason=Pulling)"; fi
  # Control: an image that was not loaded cannot start with Never.
  local reason=""
  for _ in $(seq 1 30); do
    reason=$(kn get pod notloaded -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}')
    [ "$reason" = ErrImageNeverPull ] && break; sleep 1
  done
  [ "$reason" = ErrImageNeverPull ] || fail "pod with a missing image and pullPolicy Never is '$reason', expected ErrImageNeverPull"
  kn delete pod notloaded ifnp --wait=false >/dev/null
  echo "srv-a and ifnp run $PROBE without a pull; an unloaded image gives ErrImageNeverPull"
}

t_pod_network() {
  local w2 ip out
  w2=$(workers | sed -n 2p)
  pod_manifest cli-b "$w2" | kn apply -f - >/dev/null
  wait_pod cli-b
  [ "$(kn get pod srv-a -o jsonpath='{.spec.nodeName}')" != "$(kn get pod cli-b -o jsonpath='{.spec.nodeName}')" ] || fail "pods on the same node"
  ip=$(pod_ip srv-a)
  out=$(kn exec cli-b -- timeout 5 busybox wget -qO- "http://$ip:8080/") || fail "cli-b ($w2) cannot reach srv-a at $ip:8080"
  [ "$out" = srv-a ] || fail "answer from $ip was '$out', expected 'srv-a'"
  # And back: srv-a reaches cli-b (routes in both directions).
  out=$(kn exec srv-a -- timeout 5 busybox wget -qO- "http://$(pod_ip cli-b):8080/") || fail "srv-a cannot reach cli-b"
  [ "$out" = cli-b ] || fail "answer was '$out', expected 'cli-b'"
  echo "srv-a ($ip) <-> cli-b ($(pod_ip cli-b)) across workers"
}

t_service_dns() {
  kn expose pod srv-a --name echo --port 80 --target-port 8080 >/dev/null
  local out="" i
  for i in $(seq 1 20); do
    out=$(kn exec cli-b -- timeout 3 busybox wget -qO- "http://echo.$NS.svc.cluster.local/" 2>/dev/null) && break
    sleep 1
  done
  [ "$out" = srv-a ] || fail "http://echo.$NS.svc.cluster.local/ answered '$out', expected 'srv-a'"
  # The short name too, through the pod's search path.
  out=$(kn exec cli-b -- timeout 3 busybox wget -qO- "http://echo/") || fail "short name 'echo' does not resolve"
  [ "$out" = srv-a ] || fail "http://echo/ answered '$out'"
  echo "echo.$NS.svc.cluster.local -> $(kn get svc echo -o jsonpath='{.spec.clusterIP}') -> srv-a"
}

# kind-config.yaml maps 127.0.0.1:8080 on the host to NodePort 30080 (the frontend's).
t_host_port() {
  local owner out
  owner=$(k get svc -A -o json | jq -r '.items[] | select(any(.spec.ports[]?; .nodePort == 30080)) | "\(.metadata.namespace)/\(.metadata.name)"')
  if [ -n "$owner" ]; then
    # The frontend (or something else) already owns 30080: the mapping must reach it.
    out=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:8080/) || true
    [ "$out" != 000 ] || fail "127.0.0.1:8080 does not answer although $owner holds NodePort 30080"
    echo "127.0.0.1:8080 answers HTTP $out from $owner (NodePort 30080)"
    return 0
  fi
  kn expose pod srv-a --name host-port --type NodePort --port 80 --target-port 8080 \
    --overrides '{"spec":{"ports":[{"port":80,"targetPort":8080,"nodePort":30080}]}}' >/dev/null
  for _ in $(seq 1 20); do
    out=$(curl -s --max-time 3 http://127.0.0.1:8080/ || true)
    [ "$out" = srv-a ] && break; sleep 1
  done
  kn delete svc host-port --wait=false >/dev/null
  [ "$out" = srv-a ] || fail "http://127.0.0.1:8080/ answered '$out', expected 'srv-a' through NodePort 30080"
  echo "host 127.0.0.1:8080 -> NodePort 30080 -> srv-a"
}

pvc_pod() {
  cat <<EOT
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: $PROBE
    imagePullPolicy: Never
    command: ["sh", "-c", "sleep 3600"]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: data}
EOT
}
t_pvc() {
  kn apply -f - >/dev/null <<EOT
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 16Mi}}
EOT
  pvc_pod pvc-writer | kn apply -f - >/dev/null
  wait_pod pvc-writer
  local phase token got
  phase=$(kn get pvc data -o jsonpath='{.status.phase}')
  [ "$phase" = Bound ] || fail "PVC is '$phase', expected Bound"
  token="lab-$RANDOM-$RANDOM"
  kn exec pvc-writer -- sh -c "echo $token > /data/token && sync"
  kn delete pod pvc-writer --wait=true >/dev/null
  pvc_pod pvc-reader | kn apply -f - >/dev/null
  wait_pod pvc-reader
  got=$(kn exec pvc-reader -- cat /data/token) || fail "no /data/token after the pod was re-created"
  [ "$got" = "$token" ] || fail "read '$got', wrote '$token'"
  echo "PVC data ($(kn get pvc data -o jsonpath='{.spec.volumeName}'), class $(kn get pvc data -o jsonpath='{.spec.storageClassName}')) kept: $token"
  kn delete pod pvc-reader --wait=false >/dev/null
}

hostnet_pod() { # NAME NODE CAPS
  cat <<EOT
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  nodeName: $2
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: $PROBE
    imagePullPolicy: Never
    command: ["sleep", "3600"]
    securityContext:
      privileged: false
      capabilities: {add: [$3], drop: [ALL]}
EOT
}
t_hostnet_netadmin() {
  local w3 vip=192.0.2.123/32 shown
  w3=$(workers | sed -n 3p)
  hostnet_pod vip-ok "$w3" "NET_ADMIN, NET_RAW" | kn apply -f - >/dev/null
  hostnet_pod vip-denied "$w3" "NET_RAW" | kn apply -f - >/dev/null
  wait_pod vip-ok; wait_pod vip-denied
  kn exec vip-ok -- ip addr add "$vip" dev eth0 || fail "ip addr add $vip failed with NET_ADMIN"
  shown=$(docker exec "$w3" ip -4 addr show dev eth0)
  grep -q "${vip%/*}" <<< "$shown" || fail "$vip not on $w3's eth0 after adding it: $shown"
  kn exec vip-ok -- busybox arping -U -c 1 -I eth0 "${vip%/*}" >/dev/null || fail "gratuitous ARP (NET_RAW) failed"
  kn exec vip-ok -- ip addr del "$vip" dev eth0 || fail "ip addr del failed"
  shown=$(docker exec "$w3" ip -4 addr show dev eth0)
  if grep -q "${vip%/*}" <<< "$shown"; then fail "$vip still on $w3 after removing it"; fi
  # Control: without NET_ADMIN the kernel refuses.
  if kn exec vip-denied -- ip addr add "$vip" dev eth0 2>/dev/null; then
    docker exec "$w3" ip addr del "$vip" dev eth0 || true
    fail "ip addr add succeeded WITHOUT NET_ADMIN: the capability check is not real"
  fi
  kn delete pod vip-ok vip-denied --wait=false >/dev/null
  echo "hostNetwork pod on $w3 added/removed $vip on eth0 and sent gratuitous ARP; refused without NET_ADMIN"
}

node_ready() { k get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'; }
t_node_restart() {
  local w3 t0 st
  w3=$(workers | sed -n 3p)
  t0=$SECONDS
  docker stop "$w3" >/dev/null
  until [ "$(node_ready "$w3")" != True ]; do
    [ $((SECONDS - t0)) -lt 150 ] || { docker start "$w3" >/dev/null; fail "$w3 still Ready 150s after docker stop"; }
    sleep 2
  done
  echo "$w3 NotReady $((SECONDS - t0))s after docker stop"
  t0=$SECONDS
  docker start "$w3" >/dev/null
  until [ "$(node_ready "$w3")" = True ]; do
    [ $((SECONDS - t0)) -lt 180 ] || fail "$w3 not Ready 180s after docker start"
    sleep 2
  done
  echo "$w3 Ready again $((SECONDS - t0))s after docker start"
  # Pods on the restarted node reach the others again (its routes are rebuilt).
  pod_manifest after-restart "$w3" | kn apply -f - >/dev/null
  wait_pod after-restart 180s
  local out="" i
  for i in $(seq 1 20); do
    out=$(kn exec after-restart -- timeout 3 busybox wget -qO- "http://$(pod_ip srv-a):8080/" 2>/dev/null) && break; sleep 1
  done
  [ "$out" = srv-a ] || fail "a pod on the restarted $w3 cannot reach srv-a"
  echo "pod on restarted $w3 reaches srv-a"
}

# reach CLIENT SERVER_IP: one HTTP GET with a short timeout; dropped SYNs make it fail.
reach() { kn exec "$1" -- timeout 3 busybox wget -qO- "http://$2:8080/" 2>/dev/null; }
# until_reach yes|no CLIENT IP: waits up to 20 s for the policy engine to see a change.
until_reach() {
  local want=$1 cli=$2 ip=$3 got i
  for i in $(seq 1 10); do
    if reach "$cli" "$ip" >/dev/null; then got=yes; else got=no; fi
    [ "$got" = "$want" ] && return 0
    sleep 1
  done
  return 1
}
t_netpol() {
  local w1 w2 ip ready want
  w1=$(workers | sed -n 1p); w2=$(workers | sed -n 2p)
  want=$(k get nodes --no-headers | wc -l)
  # After node-restart its pod on that node may still be starting.
  k -n kube-system rollout status daemonset/kube-network-policies --timeout=120s >/dev/null 2>&1 || true
  ready=$(k -n kube-system get daemonset kube-network-policies -o jsonpath='{.status.numberReady}' 2>/dev/null || echo 0)
  [ "${ready:-0}" -eq "$want" ] || fail "kube-network-policies ready on ${ready:-0} of $want nodes; run 'make netpol'"
  # The controller's own table must stay held by netpol-queue (queue-rules.sh), or each pod change
  # drops the SYNs waiting in the queue (docs/offline-lab.md).
  local node
  for node in $(k get nodes -o jsonpath='{.items[*].metadata.name}'); do
    [[ $(docker exec "$node" nft list table inet kube-network-policies 2>/dev/null) == *"flags owner"* ]] \
      || fail "$node: nftables table inet kube-network-policies is not held (flags owner) by netpol-queue"
  done
  echo "kube-network-policies' nftables table held on all $want nodes"
  # np-srv on w1; np-near on w1 (same node), np-allowed on w2 (across nodes).
  pod_manifest np-srv "$w1" | kn apply -f - >/dev/null
  pod_manifest np-near "$w1" | kn apply -f - >/dev/null
  pod_manifest np-allowed "$w2" | kn apply -f - >/dev/null
  wait_pod np-srv; wait_pod np-near; wait_pod np-allowed
  ip=$(pod_ip np-srv)
  # Control: without a policy both clients get through.
  [ "$(reach np-allowed "$ip")" = np-srv ] || fail "np-allowed cannot reach np-srv ($ip) before any policy"
  [ "$(reach np-near "$ip")" = np-srv ] || fail "np-near cannot reach np-srv ($ip) before any policy"
  kn apply -f - >/dev/null <<EOT
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np-deny-all}
spec:
  podSelector: {matchLabels: {app: np-srv}}
  policyTypes: [Ingress]
EOT
  until_reach no np-allowed "$ip" || fail "deny-all: np-allowed ($w2) still reaches np-srv: NetworkPolicy is NOT enforced"
  until_reach no np-near "$ip" || fail "deny-all: np-near (same node $w1) still reaches np-srv"
  echo "deny-all: np-srv unreachable from $w2 and from its own node"
  kn apply -f - >/dev/null <<EOT
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np-allow}
spec:
  podSelector: {matchLabels: {app: np-srv}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: np-allowed}}}]
    ports: [{protocol: TCP, port: 8080}]
EOT
  until_reach yes np-allowed "$ip" || fail "allow policy: np-allowed still cannot reach np-srv"
  [ "$(reach np-allowed "$ip")" = np-srv ] || fail "allow policy: wrong answer from np-srv"
  if reach np-near "$ip" >/dev/null; then fail "allow policy for app=np-allowed also let np-near through"; fi
  echo "allow app=np-allowed: np-allowed gets through, np-near stays blocked"
  kn delete networkpolicy np-deny-all np-allow >/dev/null
  until_reach yes np-near "$ip" || fail "np-near still blocked 20 s after the policies were deleted"
  echo "policies deleted: np-near reaches np-srv again"
  kn delete pod np-srv np-near np-allowed --wait=false >/dev/null
}

t_no_pulls() {
  local stuck
  stuck=$(k get pods -A --no-headers | grep -E 'ErrImagePull|ImagePullBackOff' || true)
  [ -z "$stuck" ] || fail "pods waiting on image pulls:\n$stuck"
  k get pods -A -o wide | grep -v "^$NS " || true
}

trap cleanup EXIT
setup
check nodes t_nodes
check local-image t_local_image
check pod-network t_pod_network
check service-dns t_service_dns
check host-port t_host_port
check pvc t_pvc
check hostnet-netadmin t_hostnet_netadmin
check node-restart t_node_restart
check netpol t_netpol
check no-pulls t_no_pulls
phase_end
printf '\nLab checks:\n'; printf '  %s\n' "${results[@]}"
finish
[ "$failed" -eq 0 ] || die "lab test FAILED (see the checks above)"
log "all lab checks passed"
