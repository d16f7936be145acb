#!/usr/bin/env bash
# The lab's Prometheus (issue 16): Debian's prometheus package in messagestack/prometheus:dev, deployed from
# deploy/monitoring in namespace messagestack-monitoring, with the alert rules of
# operator/src/main/resources/monitoring/messagestack-rules.yaml. See docs/observability.md.
#   up (make monitoring, the default)
#     image   messagestack/prometheus:dev FROM the Debian base (images/prometheus/Dockerfile); Docker's
#             layer cache makes an unchanged rebuild take seconds
#     load    into the kind nodes, skipped when every node has this exact image
#     rules   promtool checks the config and the rules, then the ConfigMap prometheus-rules from the rules file
#     apply   deploy/monitoring; the pod template carries a hash of the image id, config and rules, so a
#             change rolls the pod and an unchanged re-run does nothing; waits for Ready
#   targets (make test-monitoring)
#     asks Prometheus (through the API server's service proxy) for its targets and fails unless every
#     tier of the sample stack (database, proxy, api, frontend) and the operator has at least one target up and
#     none is down; prints a few samples of each tier
#   measure
#     CPU and memory of Prometheus and of the exporters, from the kind nodes' cgroups (crictl stats)
#   image | query EXPR: one step alone / one instant query, printed as JSON.
# Safe to run twice. The TSDB is an emptyDir: a rolled pod starts with no history.
LOG_PREFIX=monitoring
# shellcheck source=hack/lab/lib.sh
source "$(dirname "$0")/lib.sh"

CONFIG="$REPO_ROOT/kind-config.yaml"
NAME=${LAB_CLUSTER:-$(awk '/^name:/{print $2}' "$CONFIG")}
CTX="kind-$NAME"
NS=messagestack-monitoring
IMAGE=messagestack/prometheus:dev
BASE_IMAGE=${BASE_IMAGE:-messagestack/debian-base:$DEBIAN_SUITE}
RULES="$REPO_ROOT/operator/src/main/resources/monitoring/messagestack-rules.yaml"
PROM_CONFIG="$REPO_ROOT/deploy/monitoring/prometheus.yml"
STACK_NS=${STACK_NS:-messagestack}
STACK=${STACK:-demo}
# Prometheus' HTTP API through the API server's service proxy: no port-forward process to manage.
PROM_API="/api/v1/namespaces/$NS/services/prometheus:web/proxy/api/v1"

k() { kubectl --context "$CTX" "$@"; }
kn() { k -n "$NS" "$@"; }

build_image() {
  phase "image $IMAGE (FROM $BASE_IMAGE)"
  need_docker
  docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 || die "base image $BASE_IMAGE is missing; run 'make base-image'"
  local ctx="$MS_CACHE/monitoring/context"
  rm -rf "$ctx"; mkdir -p "$ctx"
  cp "$REPO_ROOT/images/prometheus/Dockerfile" "$REPO_ROOT/images/prometheus/pod-discovery.sh" "$ctx/"
  if ! docker build -q --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$IMAGE" "$ctx" >"$ctx/build.log" 2>&1; then
    tail -30 "$ctx/build.log" >&2
    die "building $IMAGE failed (log: $ctx/build.log); if apt-get failed, check the Debian sources inside $BASE_IMAGE"
  fi
  log "$IMAGE: $(docker image inspect -f '{{.Size}}' "$IMAGE" | numfmt --to=iec), $(docker run --rm --entrypoint prometheus "$IMAGE" --version 2>&1 | head -1)"
}

require_cluster() {
  command -v kind >/dev/null && command -v kubectl >/dev/null || die "kind/kubectl not found; run 'make toolchain'"
  kind get clusters 2>/dev/null | grep -qx "$NAME" || die "no kind cluster '$NAME'; run 'make cluster'"
  k get nodes >/dev/null 2>&1 || die "the API server of '$NAME' does not answer; run 'make cluster'"
}

load_image() {
  phase "load $IMAGE into $NAME"
  local done_
  # Every node: Prometheus prefers the control-plane node (deploy/monitoring/deployment.yaml).
  done_=$(kind_load_image "$NAME" "$IMAGE" all-nodes) || die "kind load docker-image $IMAGE failed"
  log "$done_"
}

# promtool from the image itself: the same version that will load the files.
check_files() {
  phase "promtool check config + rules (the image's promtool)"
  docker run --rm --entrypoint promtool -v "$PROM_CONFIG:/c/prometheus.yml:ro" -v "$RULES:/c/rules.yaml:ro" \
    "$IMAGE" check rules /c/rules.yaml || die "promtool check rules $RULES failed"
  # The config names the rule files by their path in the pod; check its own syntax here.
  docker run --rm --entrypoint promtool -v "$PROM_CONFIG:/c/prometheus.yml:ro" "$IMAGE" \
    check config --syntax-only /c/prometheus.yml || die "promtool check config $PROM_CONFIG failed"
}

apply_manifests() {
  phase "apply deploy/monitoring"
  k apply -f "$REPO_ROOT/deploy/monitoring/namespace.yaml" >/dev/null
  kn create configmap prometheus-rules --from-file=messagestack-rules.yaml="$RULES" \
    --dry-run=client -o yaml | kn apply -f - >/dev/null
  k apply -k "$REPO_ROOT/deploy/monitoring" >/dev/null
  # ConfigMap updates reach a mounted volume late and Prometheus would not reload them anyway (no
  # lifecycle API): a hash of what the pod runs rolls it when something changed, and is a no-op otherwise.
  local hash
  hash=$( { docker image inspect -f '{{.Id}}' "$IMAGE"; cat "$PROM_CONFIG" "$RULES"; } | sha256sum | cut -c1-16)
  kn patch deployment prometheus --type merge \
    -p "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"messagestack.io/config-hash\":\"$hash\"}}}}}" >/dev/null
  phase "wait for Prometheus Ready"
  if ! kn rollout status deployment/prometheus --timeout=180s >/dev/null; then
    kn get pods -o wide >&2 || true
    kn describe pods -l app.kubernetes.io/name=prometheus 2>/dev/null | tail -25 >&2 || true
    kn logs deployment/prometheus -c prometheus --tail=30 >&2 || true
    die "Prometheus is not Ready after 180s (see above)"
  fi
  log "ready; query it with: kubectl get --raw '$PROM_API/query?query=up'"
}

# prom PATH: GET Prometheus' API path through the service proxy (PATH after /api/v1/).
prom() { k get --raw "$PROM_API/$1"; }
urlencode() { jq -rn --arg s "$1" '$s|@uri'; }
query() { prom "query?query=$(urlencode "$1")"; }

# Every tier of the sample stack has a target up and none down; the operator too. Retries for up to
# TARGETS_WAIT seconds (a fresh Prometheus needs a discovery round and a scrape).
check_targets() {
  phase "targets of $STACK_NS/$STACK and the operator"
  local deadline=$((SECONDS + ${TARGETS_WAIT:-90})) targets summary bad
  while true; do
    targets=$(prom targets?state=active) || die "Prometheus' API did not answer through the service proxy"
    summary=$(jq -r --arg ns "$STACK_NS" --arg s "$STACK" '
      [.data.activeTargets[] | select(.labels.job == "kubernetes-pods")
        | select((.labels.namespace == $ns and .labels.stack == $s) or .labels.component == "operator")]
      | group_by(.labels.component)[]
      | "\(.[0].labels.component) up=\([.[] | select(.health == "up")] | length) down=\([.[] | select(.health != "up")] | length) \([.[] | "\(.labels.pod)=\(.health)\(if .lastError != "" then "(" + .lastError + ")" else "" end)"] | join(" "))"' <<<"$targets")
    bad=""
    for tier in database proxy api frontend operator; do
      grep -qE "^$tier up=[1-9][0-9]* down=0 " <<<"$summary" || bad+=" $tier"
    done
    if [ -z "$bad" ]; then break; fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      printf '  %s\n' "$summary" >&2
      die "not every tier is scraped with all its targets up:$bad (above: component up/down per pod)"
    fi
    sleep 5
  done
  printf '  %s\n' "$summary"
  phase "samples per tier"
  local expr
  for expr in \
    "messagestack_galera_cluster_size{namespace=\"$STACK_NS\",stack=\"$STACK\"}" \
    "messagestack_galera_local_state{namespace=\"$STACK_NS\",stack=\"$STACK\"}" \
    "haproxy_server_status{namespace=\"$STACK_NS\",stack=\"$STACK\",proxy=\"galera\",state=\"UP\"} == 1" \
    "haproxy_backend_active_servers{namespace=\"$STACK_NS\",stack=\"$STACK\",proxy=\"galera\"}" \
    "sum by (pod, status) (http_server_requests_seconds_count{namespace=\"$STACK_NS\",stack=\"$STACK\",uri=~\"/api.*\"})" \
    "hikaricp_connections_active{namespace=\"$STACK_NS\",stack=\"$STACK\"} or agroal_active_count{namespace=\"$STACK_NS\",stack=\"$STACK\"}" \
    "nginx_up{namespace=\"$STACK_NS\",stack=\"$STACK\"}" \
    "nginx_http_requests_total{namespace=\"$STACK_NS\",stack=\"$STACK\"}" \
    "sum by (pod, location, status_class) (nginx_requests_total{namespace=\"$STACK_NS\",stack=\"$STACK\"})" \
    "sum by (pod, upstream_status) (nginx_upstream_attempts_total{namespace=\"$STACK_NS\",stack=\"$STACK\"})" \
    "messagestack_stack_ready" \
    "messagestack_stack_database_replicas_desired"; do
    echo "  $expr"
    query "$expr" | jq -r '.data.result[] | "    \(.metric | del(.__name__, .job, .instance, .node) | to_entries | map("\(.key)=\(.value)") | join(",")) \(.value[1])"' | head -6
  done
}

# CPU and memory per container of Prometheus, its sidecar and the stack's pods (where the exporters run:
# the galera-agent container is the database's exporter, HAProxy's exporter is inside haproxy), from the
# kind nodes' container runtimes (the lab has no metrics-server): CPU as the growth of each container's
# cumulative CPU time over MEASURE_SECONDS (default 60), memory as the working set at the end.
snapshot() { # -> TSV: container id, namespace, pod, container, cumulative CPU ns, working set bytes (running ones)
  local node
  for node in $(kind get nodes --name "$NAME"); do
    docker exec "$node" crictl stats -o json 2>/dev/null | jq -r '
      .stats[] | (.attributes.labels["io.kubernetes.pod.namespace"]) as $ns
      | select($ns == "messagestack-monitoring" or $ns == "'"$STACK_NS"'" or $ns == "messagestack-system")
      | select((.memory.workingSetBytes.value // 0) > 0)
      | [.attributes.id, $ns, .attributes.labels["io.kubernetes.pod.name"], .attributes.metadata.name,
         (.cpu.usageCoreNanoSeconds.value // 0), (.memory.workingSetBytes.value // 0)] | @tsv'
  done
}

measure() {
  local secs=${MEASURE_SECONDS:-60} a b
  phase "CPU and memory per container over ${secs}s (crictl stats on each kind node)"
  a=$(mktemp); b=$(mktemp)
  snapshot >"$a"; sleep "$secs"; snapshot >"$b"
  printf '  %-26s %-40s %-14s %10s %10s\n' NAMESPACE POD CONTAINER "CPU (m)" "MEM (MiB)"
  # Keyed by container id: a restarted container is another one, never a negative difference.
  awk -F'\t' -v secs="$secs" 'NR == FNR { cpu[$1] = $5; next }
    $1 in cpu { printf "  %-26s %-40s %-14s %10.1f %10.1f\n", $2, $3, $4, ($5 - cpu[$1]) / secs / 1e6, $6 / 1048576 }' \
    "$a" "$b" | sort
  rm -f "$a" "$b"
  phase "Prometheus' own view"
  local expr
  for expr in "rate(process_cpu_seconds_total{job=\"prometheus\"}[5m])" "process_resident_memory_bytes{job=\"prometheus\"}" \
    "prometheus_tsdb_head_series" "sum(scrape_samples_scraped)" "count by (job) (up{job=~\"kubernetes-pods.*\"})" \
    "sum by (component, job) (scrape_samples_scraped{job=~\"kubernetes-pods.*\"})" \
    "avg by (component, job) (scrape_duration_seconds{job=~\"kubernetes-pods.*\"})"; do
    printf '  %-70s %s\n' "$expr" "$(query "$expr" | jq -r '[.data.result[] | ([.metric.component, .metric.job] | map(select(. != null)) | join("/")) + " " + .value[1] | ltrimstr(" ")] | join(", ")')"
  done
}

up() {
  build_image
  require_cluster
  load_image
  check_files
  apply_manifests
}

case "${1:-up}" in
  up) up ;;
  targets) require_cluster; check_targets ;;
  measure) require_cluster; measure ;;
  image) build_image ;;
  query) require_cluster; query "$2" | jq . ;;
  *) die "usage: $0 [up|targets|measure|image|query EXPR]" ;;
esac
finish
