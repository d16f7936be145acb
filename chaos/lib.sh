# Shared helpers of the chaos scenarios (sourced, not run). Every name the scenarios use for the
# stack lives here, so that it is one edit when the operator's names change. Each can be
# overridden from the environment.
#
# A scenario script defines inject (and optionally heal) and calls run_scenario; see
# chaos/scenarios/pod-kill.sh for the smallest example.

# ---- names of the stack (docs/architecture.md) -------------------------------------------
MS_NAME=${MS_NAME:-demo}                                  # the MessageStack
MS_NAMESPACE=${MS_NAMESPACE:-messagestack}              # deploy/samples/messagestack-kind.yaml
MS_RESOURCE=${MS_RESOURCE:-messagestack}                  # kubectl resource name (short: ms)
OPERATOR_NAMESPACE=${OPERATOR_NAMESPACE:-messagestack-system}
OPERATOR_SELECTOR=${OPERATOR_SELECTOR:-app.kubernetes.io/name=messagestack-operator}
_chaos_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KIND_CLUSTER=${KIND_CLUSTER:-$(awk '/^name:/{print $2}' "$_chaos_repo/kind-config.yaml" 2>/dev/null)}
KIND_CLUSTER=${KIND_CLUSTER:-messagestack}
# Every kubectl call goes to the lab's context when it exists, whatever the current context is.
CHAOS_KUBE_CONTEXT=${CHAOS_KUBE_CONTEXT:-kind-$KIND_CLUSTER}
KUBE_CONTEXT_ARGS=()
if [[ -n $CHAOS_KUBE_CONTEXT ]] && command kubectl config get-contexts -o name 2>/dev/null | grep -qx "$CHAOS_KUBE_CONTEXT"; then
  KUBE_CONTEXT_ARGS=(--context "$CHAOS_KUBE_CONTEXT")
fi
kubectl() { command kubectl "${KUBE_CONTEXT_ARGS[@]}" "$@"; }
LABEL_INSTANCE="app.kubernetes.io/instance=${MS_NAME}"
LABEL_COMPONENT_KEY=app.kubernetes.io/component           # database|proxy|api|frontend
DB_STS=${DB_STS:-${MS_NAME}-db}
DB_CONTAINER=${DB_CONTAINER:-database}
API_DEPLOYMENT=${API_DEPLOYMENT:-${MS_NAME}-api}
DB_SECRET=${DB_SECRET:-${MS_NAME}-db-credentials}
# Where the client sends its load: the kind host port mapped to the frontend NodePort, or, when
# spec.vip.enabled, the frontend VIP on the kind network at that NodePort (see entry_point).
CHAOS_BASE_URL=${CHAOS_BASE_URL:-}
CHAOS_BASE_URL_GIVEN=$CHAOS_BASE_URL
FRONTEND_SERVICE=${FRONTEND_SERVICE:-${MS_NAME}-frontend}
# The database check goes around the API: a port-forward to this Service, then SQL.
CHAOS_DB_SERVICE=${CHAOS_DB_SERVICE:-${MS_NAME}-proxy}
CHAOS_DB_PORT=${CHAOS_DB_PORT:-3306}
CHAOS_DB_LOCAL_PORT=${CHAOS_DB_LOCAL_PORT:-13306}
CHAOS_DB_TABLE=${CHAOS_DB_TABLE:-message}
# MessageStack spec fields the scenarios change (JSON merge-patch paths, dot separated).
SPEC_API_IMAGE=${SPEC_API_IMAGE:-api.image}
SPEC_API_REPLICAS=${SPEC_API_REPLICAS:-api.replicas}
SPEC_DB_REPLICAS=${SPEC_DB_REPLICAS:-database.replicas}
SPEC_DB_CONFIG=${SPEC_DB_CONFIG:-database.config}          # map of my.cnf settings
SPEC_VIP_ENABLED=${SPEC_VIP_ENABLED:-vip.enabled}
SPEC_VIP_FRONTEND=${SPEC_VIP_FRONTEND:-vip.frontendAddress}
SPEC_VIP_PROXY=${SPEC_VIP_PROXY:-vip.proxyAddress}
API_IMAGE_REPO=${API_IMAGE_REPO:-messagestack/message-api}

# ---- how a scenario runs ---------------------------------------------------------------
CHAOS_WRITERS=${CHAOS_WRITERS:-4}
CHAOS_RATE=${CHAOS_RATE:-5}                  # creates per second per writer (each + a read-back)
CHAOS_TIMEOUT=${CHAOS_TIMEOUT:-2s}           # per HTTP attempt
CHAOS_RETRIES=${CHAOS_RETRIES:-3}
# Both clients run at the same time in the one load process (docs/chaos.md): the careful one above
# (CHAOS_WRITERS, CHAOS_TIMEOUT, CHAOS_RETRIES) and the plain one of issue 15 (once, no key, no retry).
CHAOS_CLIENTS=${CHAOS_CLIENTS:-careful,plain}
CHAOS_PLAIN_WRITERS=${CHAOS_PLAIN_WRITERS:-2}
CHAOS_PLAIN_TIMEOUT=${CHAOS_PLAIN_TIMEOUT:-5s}  # connect + the whole answer
CHAOS_BASELINE=${CHAOS_BASELINE:-10}         # seconds of load before the fault
CHAOS_TAIL=${CHAOS_TAIL:-10}                 # seconds of load after Ready again
CHAOS_READY_TIMEOUT=${CHAOS_READY_TIMEOUT:-300}
CHAOS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CHAOS_RESULTS=${CHAOS_RESULTS:-$CHAOS_DIR/results}
CHAOS_JAR=${CHAOS_JAR:-$CHAOS_DIR/load-client/target/chaos-load-client.jar}

_chaos_t0=${_chaos_t0:-$(date +%s)}
say() { echo "[chaos ${SCENARIO:-} $(date -u +%H:%M:%S) +$(( $(date +%s) - _chaos_t0 ))s] $*"; }
die() { echo "[chaos ${SCENARIO:-}] ERROR: $*" >&2; exit 2; }
now_ms() { date +%s%3N; }

kc() { kubectl -n "$MS_NAMESPACE" "$@"; }

# ---- preflight -------------------------------------------------------------------------
require_tools() {
  local t
  for t in kubectl docker jq java curl; do
    command -v "$t" >/dev/null || die "$t not found: run 'make up' (the lab installs kubectl, docker) / apt-get install $t"
  done
  [[ -s $CHAOS_JAR ]] || die "$CHAOS_JAR missing: run 'make chaos-client' (mvn -f chaos/load-client/pom.xml package)"
}

# entry_point: the URL the load goes to, unless CHAOS_BASE_URL says otherwise.
entry_point() {
  if [[ -n $CHAOS_BASE_URL_GIVEN ]]; then echo "$CHAOS_BASE_URL_GIVEN"; return; fi
  local vip port
  if [[ $(spec_get "$SPEC_VIP_ENABLED") == true ]]; then
    # With the VIP, nginx runs on the host network of its node: the VIP answers on nginx's own port.
    vip=$(spec_get "$SPEC_VIP_FRONTEND")
    port=$(kc get pods -l "$LABEL_INSTANCE,$LABEL_COMPONENT_KEY=frontend" \
      -o jsonpath='{.items[0].spec.containers[?(@.name=="nginx")].ports[0].containerPort}' 2>/dev/null || true)
    if [[ -n $vip ]]; then echo "http://${vip%/*}:${port:-80}"; return; fi
  fi
  echo "http://127.0.0.1:8080"
}

require_stack() {
  kubectl version -o json >/dev/null 2>&1 || die "no Kubernetes API answers (context $CHAOS_KUBE_CONTEXT or the current one): run 'make up'"
  kc get "$MS_RESOURCE" "$MS_NAME" >/dev/null 2>&1 \
    || die "MessageStack $MS_NAMESPACE/$MS_NAME not found: run 'make up' (or set MS_NAME/MS_NAMESPACE)"
  kc wait "$MS_RESOURCE/$MS_NAME" --for=condition=Ready --timeout=120s >/dev/null \
    || die "MessageStack $MS_NAME is not Ready before the fault; fix the stack first (kubectl -n $MS_NAMESPACE describe $MS_RESOURCE $MS_NAME)"
  CHAOS_BASE_URL=$(entry_point)
  curl -fsS -m 5 -o /dev/null "$CHAOS_BASE_URL/api/messages/?limit=1" \
    || die "the entry point $CHAOS_BASE_URL/api/messages/ does not answer; check the kind port mapping or set CHAOS_BASE_URL"
}

# One line saying where this was measured; the report shows kind numbers only.
environment_line() {
  if [[ -n ${CHAOS_ENVIRONMENT:-} ]]; then echo "$CHAOS_ENVIRONMENT"; return; fi
  local ctx ver nodes
  ctx=$CHAOS_KUBE_CONTEXT
  command kubectl config get-contexts -o name 2>/dev/null | grep -qx "$ctx" || ctx=$(command kubectl config current-context 2>/dev/null || echo unknown)
  ver=$(kubectl version -o json 2>/dev/null | jq -r '.serverVersion.gitVersion // "?"')
  nodes=$(kubectl get nodes --no-headers 2>/dev/null | wc -l)
  if [[ $ctx == kind-* ]]; then
    echo "kind cluster ${ctx#kind-} (Kubernetes $ver, $nodes nodes, $(nproc) CPUs, $(( $(awk '/MemTotal/{print $2}' /proc/meminfo) / 1048576 )) GiB)"
  else
    echo "cluster $ctx (Kubernetes $ver, $nodes nodes)"
  fi
}

# ---- pods, nodes, spec -------------------------------------------------------------------
# pods_of COMPONENT: names of the stack's pods of one component, sorted.
pods_of() {
  kc get pods -l "$LABEL_INSTANCE,$LABEL_COMPONENT_KEY=$1" -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort
}
node_of_pod() { kc get pod "$1" -o jsonpath='{.spec.nodeName}'; }
# kind_nodes: the kind node containers of the cluster (container name = node name).
kind_nodes() { docker ps --filter "label=io.x-k8s.kind.cluster=$KIND_CLUSTER" --format '{{.Names}}' | sort; }
kind_workers() { kind_nodes | grep -v -- '-control-plane$' || true; }
node_ip() { kubectl get node "$1" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}'; }
# spec_get DOTTED.PATH: a field of the MessageStack's spec, empty if unset.
spec_get() { kc get "$MS_RESOURCE" "$MS_NAME" -o json | jq -r --arg p "$1" '.spec | getpath($p | split(".")) // empty'; }
# spec_patch DOTTED.PATH JSON-VALUE: merge-patch one spec field.
spec_patch() {
  local patch
  patch=$(jq -cn --arg p "$1" --argjson v "$2" '{spec: ({} | setpath($p | split("."); $v))}')
  say "patch $MS_RESOURCE/$MS_NAME $patch"
  kc patch "$MS_RESOURCE" "$MS_NAME" --type=merge -p "$patch" >/dev/null
}
# container_host_pid POD CONTAINER: the container's PID 1 as the kind node sees it.
container_host_pid() {
  local id node
  id=$(kc get pod "$1" -o json | jq -r --arg c "$2" '.status.containerStatuses[] | select(.name==$c) | .containerID' | sed 's|.*://||')
  node=$(node_of_pod "$1")
  [[ -n $id && -n $node ]] || return 1
  docker exec "$node" crictl inspect -o go-template --template '{{.info.pid}}' "$id" 2>/dev/null
}

# ---- proof that the fault happened ---------------------------------------------------------
# A scenario whose fault did not happen must fail, never pass on the numbers of a quiet run.
# run_fault CMD...: run an injection command; its Warning lines are dropped, any failure ends the
# scenario (exit 2, no result file: run.sh's gate fails it).
run_fault() {
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  grep -v '^Warning' <<<"$out" || true
  (( rc == 0 )) || die "fault not injected: '$*' failed (exit $rc)"
}
# pod_uid POD: the uid of the pod of that name, empty when there is none; fails when the API does not answer.
pod_uid() { kc get pod "$1" --ignore-not-found -o jsonpath='{.metadata.uid}'; }
# expect_pod_replaced POD UID [TIMEOUT]: the pod that had UID is gone (a pod of the same name, as a
# StatefulSet re-creates it, has another uid). Measures victimReplacedAfterMs; dies when it is not.
expect_pod_replaced() {
  local pod=$1 uid=$2 timeout=${3:-120} deadline now t
  t=$(now_ms)
  [[ -n $uid ]] || die "no uid recorded for $pod before the fault"
  deadline=$(( $(date +%s) + timeout ))
  while :; do
    if now=$(pod_uid "$pod" 2>/dev/null) && [[ $now != "$uid" ]]; then
      say "fault proven: pod $pod uid $uid -> ${now:-gone}"
      measure "replacedAfterMs_$pod" $(( $(now_ms) - t ))
      return 0
    fi
    (( $(date +%s) < deadline )) || die "fault not proven: pod $pod still has uid $uid ${timeout}s after its deletion"
    sleep 1
  done
}
# proof_failed MESSAGE: a proof checked after the recovery (a rollout that did not roll, a scale that
# did not happen) failed. The scenario still verifies the writes, then exits 1.
PROOF_FAILED=
proof_failed() { PROOF_FAILED=1; note "FAULT NOT PROVEN: $1"; }

# ---- readiness ---------------------------------------------------------------------------
# wait_ready TIMEOUT: until the operator has seen the latest spec, the MessageStack is Ready and
# every pod of the stack is Ready. Prints the epoch ms when that was reached; returns 1 on timeout.
wait_ready() {
  local deadline=$(( $(date +%s) + $1 )) gen obs left
  while :; do
    left=$(( deadline - $(date +%s) )); (( left > 0 )) || return 1
    gen=$(kc get "$MS_RESOURCE" "$MS_NAME" -o jsonpath='{.metadata.generation}' 2>/dev/null || true)
    obs=$(kc get "$MS_RESOURCE" "$MS_NAME" -o jsonpath='{.status.observedGeneration}' 2>/dev/null || true)
    # Without status.observedGeneration a Ready condition may still describe the old spec.
    if [[ -n $obs && $obs != "$gen" ]]; then sleep 1; continue; fi
    kc wait "$MS_RESOURCE/$MS_NAME" --for=condition=Ready --timeout="${left}s" >/dev/null 2>&1 || { sleep 1; continue; }
    # Pods again after the workloads: a Deployment that finished its roll between the two reads still has its old
    # pod terminating (rolling-api-image's proof once found it on the old image, 2026-12-07 18:42).
    if all_pods_ready && all_workloads_ready && all_pods_ready; then now_ms; return 0; fi
    sleep 1
  done
}
all_pods_ready() {
  # Pods of finished Jobs (e.g. a recovery step) are not part of the running stack.
  kc get pods -l "$LABEL_INSTANCE" -o json | jq -e '
    [.items[] | select(.status.phase != "Succeeded" and .status.phase != "Failed")] as $p
    | ($p | length) > 0 and
      all($p[]; .metadata.deletionTimestamp == null and
          ((.status.conditions // []) | any(.type == "Ready" and .status == "True")))' >/dev/null
}
# all_workloads_ready: every StatefulSet and Deployment of the stack has all its replicas, updated
# and ready (a force-deleted pod is simply gone for a moment, so counting pods alone is not enough).
all_workloads_ready() {
  kc get statefulsets,deployments -l "$LABEL_INSTANCE" -o json | jq -e '
    (.items | length) > 0 and
    all(.items[]; (.spec.replicas // 1) as $want
        | (.status.readyReplicas // 0) == $want and (.status.updatedReplicas // 0) == $want
          and (.status.replicas // 0) == $want
          and (.status.observedGeneration // 0) >= .metadata.generation)' >/dev/null
}
# wait_not_ready SECONDS: give the operator and the controllers a moment to notice the fault
# (Ready=False); fine if it never does: wait_ready also counts replicas.
wait_not_ready() {
  if kc wait "$MS_RESOURCE/$MS_NAME" --for=condition=Ready=false --timeout="${1}s" >/dev/null 2>&1; then
    say "MessageStack reported Ready=False"
  fi
}

# ---- load client -----------------------------------------------------------------------
load_start() {
  RAW=$CHAOS_RESULTS/raw/$SCENARIO
  rm -rf "$RAW"; mkdir -p "$RAW"
  RUN_ID=${SCENARIO//[^A-Za-z0-9]/}-$(date +%s)
  LOAD_START_MS=$(now_ms)
  (( ${#RUN_ID} <= 40 )) || RUN_ID=${RUN_ID: -40}
  say "load: clients $CHAOS_CLIENTS (careful $CHAOS_WRITERS writers, plain $CHAOS_PLAIN_WRITERS) x $CHAOS_RATE/s against $CHAOS_BASE_URL (run $RUN_ID, log $RAW/requests.jsonl)"
  java -jar "$CHAOS_JAR" load --base-url "$CHAOS_BASE_URL" --run-id "$RUN_ID" --writers "$CHAOS_WRITERS" \
    --rate "$CHAOS_RATE" --duration 3600s --timeout "$CHAOS_TIMEOUT" --retries "$CHAOS_RETRIES" \
    --client "$CHAOS_CLIENTS" --plain-writers "$CHAOS_PLAIN_WRITERS" --plain-timeout "$CHAOS_PLAIN_TIMEOUT" \
    --stop-file "$RAW/stop" --out "$RAW/requests.jsonl" >"$RAW/load.log" 2>&1 &
  LOAD_PID=$!
  # The pods' logs for the notes (why a request failed); stopped with the load.
  "$CHAOS_DIR/pod-logs.sh" "$RAW/pod-logs" >/dev/null 2>&1 &
  POD_LOGS_PID=$!
}
load_stop() {
  [[ -n ${LOAD_PID:-} ]] || return 0
  touch "$RAW/stop"
  wait "$LOAD_PID" || true
  LOAD_PID=
  pod_logs_stop
  tail -n 1 "$RAW/load.log" | sed 's/^/  /'
}

pod_logs_stop() {
  [[ -n ${POD_LOGS_PID:-} ]] || return 0
  mkdir -p "$RAW/pod-logs" && touch "$RAW/pod-logs/stop"
  wait "$POD_LOGS_PID" 2>/dev/null || true
  POD_LOGS_PID=
  say "pods' logs: $RAW/pod-logs ($(du -sh "$RAW/pod-logs" 2>/dev/null | cut -f1))"
}

# ---- the database check ------------------------------------------------------------------
# secret_key KEY: one key of the database credentials Secret, decoded.
secret_key() { kc get secret "$DB_SECRET" -o jsonpath="{.data.$1}" | base64 -d; }
# db_env NAME: an env var of the database container, resolving secretKeyRef.
db_env() {
  local spec
  spec=$(kc get sts "$DB_STS" -o json | jq -c --arg c "$DB_CONTAINER" --arg n "$1" \
    '.spec.template.spec.containers[] | select(.name==$c) | .env[]? | select(.name==$n)')
  if [[ -z $spec ]]; then return 1; fi
  if jq -e '.value' <<<"$spec" >/dev/null; then jq -r '.value' <<<"$spec"; return; fi
  local s k
  s=$(jq -r '.valueFrom.secretKeyRef.name' <<<"$spec"); k=$(jq -r '.valueFrom.secretKeyRef.key' <<<"$spec")
  kc get secret "$s" -o json | jq -r --arg k "$k" '.data[$k]' | base64 -d
}

# free_port: a TCP port on 127.0.0.1 nothing listens on (for the port-forward).
free_port() {
  local p
  for p in $(seq "$CHAOS_DB_LOCAL_PORT" $(( CHAOS_DB_LOCAL_PORT + 50 ))); do
    ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
  done
  die "no free local port in $CHAOS_DB_LOCAL_PORT..$(( CHAOS_DB_LOCAL_PORT + 50 )) for the port-forward"
}

# ---- the picture's cluster panel ------------------------------------------------------------
# The lab's Prometheus (make monitoring), through the API server's service proxy as in hack/lab/monitoring.sh.
CHAOS_PROMETHEUS_API=${CHAOS_PROMETHEUS_API:-/api/v1/namespaces/messagestack-monitoring/services/prometheus:web/proxy/api/v1}
# prom_range EXPR START END: Prometheus' query_range answer (5 s steps; the lab scrapes every 10 s).
prom_range() {
  kubectl get --raw "$CHAOS_PROMETHEUS_API/query_range?query=$(jq -rn --arg q "$1" '$q|@uri')&start=$2&end=$3&step=5"
}
# cluster_series: the Galera cluster size and HAProxy's writer (the server with sessions) during the load,
# into $RAW/cluster-series.json for the picture's third panel. Without an answer there is no panel, and a
# note says so; the scenario's result does not depend on it.
cluster_series() {
  local start end sel size writer
  start=$(( LOAD_START_MS / 1000 - 5 )) end=$(( $(now_ms) / 1000 + 5 ))
  sel="namespace=\"$MS_NAMESPACE\",stack=\"$MS_NAME\""
  if size=$(prom_range "max(messagestack_galera_cluster_size{$sel})" "$start" "$end" 2>/dev/null) &&
     writer=$(prom_range "max by (server) (haproxy_server_current_sessions{proxy=\"galera\",$sel})" "$start" "$end" 2>/dev/null); then
    jq -n --argjson s "$size" --argjson w "$writer" '{clusterSize: $s, writer: $w}' >"$RAW/cluster-series.json"
    say "cluster panel: $(jq '.clusterSize.data.result[0].values | length' "$RAW/cluster-series.json") samples of the cluster size from Prometheus"
  else
    note "no cluster panel: the lab's Prometheus did not answer at $CHAOS_PROMETHEUS_API (make monitoring deploys it)"
  fi
}

# CHAOS_VERIFY_EXTRA: more arguments of the check (the restore drill: --restore-point-ms T).
CHAOS_VERIFY_EXTRA=()
verify_writes() {
  local user db pf_pid rc=0 cluster=()
  [[ ! -f $RAW/cluster-series.json ]] || cluster=(--cluster-series "$RAW/cluster-series.json")
  CHAOS_DB_LOCAL_PORT=$(free_port)
  user=${CHAOS_DB_USER:-$(db_env APP_USER || echo messages)}
  db=${CHAOS_DB_NAME:-$(db_env APP_DATABASE || echo messages)}
  export CHAOS_DB_PASSWORD=${CHAOS_DB_PASSWORD_OVERRIDE:-$(db_env APP_PASSWORD || secret_key app)}
  say "verify: port-forward svc/$CHAOS_DB_SERVICE to 127.0.0.1:$CHAOS_DB_LOCAL_PORT, count rows of run $RUN_ID in $db.$CHAOS_DB_TABLE"
  # exec: the background job is kubectl itself, so killing $pf_pid ends the port-forward.
  (exec kubectl "${KUBE_CONTEXT_ARGS[@]}" -n "$MS_NAMESPACE" port-forward --address 127.0.0.1 \
    "svc/$CHAOS_DB_SERVICE" "$CHAOS_DB_LOCAL_PORT:$CHAOS_DB_PORT" >"$RAW/port-forward.log" 2>&1) &
  pf_pid=$!
  java -jar "$CHAOS_JAR" verify --requests "$RAW/requests.jsonl" --events "$RAW/events.json" --run-id "$RUN_ID" \
    --client "$CHAOS_CLIENTS" --jdbc-url "jdbc:mysql://127.0.0.1:$CHAOS_DB_LOCAL_PORT/$db?connectTimeout=5000&socketTimeout=30000" \
    --db-user "$user" --table "$CHAOS_DB_TABLE" --db-wait 90s --out "$CHAOS_RESULTS/$SCENARIO.json" \
    "${cluster[@]}" "${CHAOS_VERIFY_EXTRA[@]}" || rc=$?
  kill "$pf_pid" 2>/dev/null || true
  wait "$pf_pid" 2>/dev/null || true
  return $rc
}

# ---- HAProxy's writer ---------------------------------------------------------------------
SWITCHOVER_ANNOTATION=${SWITCHOVER_ANNOTATION:-messagestack.io/switchover-to}
# status_writer: the database pod the operator names as HAProxy's writer (status.writer.pod).
status_writer() { kc get "$MS_RESOURCE" "$MS_NAME" -o jsonpath='{.status.writer.pod}'; }
# app_sessions POD: sessions of the application's database user on that node (PROCESSLIST); fails
# when the node cannot be asked. The proxies' pooled connections show where the writes go.
app_sessions() {
  local user sql
  user=$(db_env APP_USER) || return 1
  sql="SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER='$user'"
  kc exec "$1" -c "$DB_CONTAINER" -- sh -c 'exec "$(command -v mariadb || command -v mysql)" -uroot -p"$MYSQL_ROOT_PASSWORD" -N -B -e "$1"' _ "$sql" 2>/dev/null
}
# sessions_by_pod: "pod=count" for every database pod (count ? when it cannot be asked).
sessions_by_pod() {
  local p out=()
  for p in $(pods_of database); do out+=("$p=$(app_sessions "$p" || echo '?')"); done
  echo "${out[*]}"
}
# writer_by_sessions: the database pod with the most application sessions (where HAProxy writes now).
writer_by_sessions() {
  sessions_by_pod | tr ' ' '\n' | awk -F= '$2 ~ /^[0-9]+$/ && $2 > best {best=$2; pod=$1} END {print pod}'
}

# ---- events of one scenario run --------------------------------------------------------
declare -A MEASURE=()
NOTES=()
measure() { MEASURE[$1]=$2; say "measured $1 = $2"; }   # VALUE is JSON: 1234, true, "text"
note() { NOTES+=("$1"); say "note: $1"; }

write_events() {
  local m='{}' k n='[]' t
  for k in "${!MEASURE[@]}"; do m=$(jq -c --arg k "$k" --argjson v "${MEASURE[$k]}" '. + {($k): $v}' <<<"$m"); done
  for t in "${NOTES[@]}"; do n=$(jq -c --arg t "$t" '. + [$t]' <<<"$n"); done
  jq -n --arg scenario "$SCENARIO" --arg kind "$KIND" --arg description "$DESCRIPTION" --arg env "$(environment_line)" \
    --argjson fs "$FAULT_START" --argjson fe "$FAULT_END" --argjson ra "${READY_AT:-null}" \
    --argjson m "$m" --argjson n "$n" \
    '{scenario: $scenario, kind: $kind, description: $description, environment: $env,
      faultStartMs: $fs, faultEndMs: $fe, readyAtMs: $ra, measurements: $m, notes: $n}' >"$RAW/events.json"
}

# ---- the scenario skeleton -------------------------------------------------------------
# run_scenario NAME KIND DESCRIPTION: preflight, load, baseline, inject (the script's function;
# it may call fault_over itself once it has healed), wait Ready, tail, stop load, verify.
# heal (if the script defines it) also runs on any exit, so an interrupted run leaves no fault.
run_scenario() {
  SCENARIO=$1 KIND=$2 DESCRIPTION=$3
  FAULT_START='' FAULT_END='' READY_AT='' PROOF_FAILED=''
  # A result left by an earlier run must never be read as this run's.
  rm -f "$CHAOS_RESULTS/$SCENARIO.json"
  require_tools
  require_stack
  mkdir -p "$CHAOS_RESULTS"
  trap '_chaos_cleanup' EXIT
  trap 'exit 130' INT TERM
  load_start
  say "phase baseline: ${CHAOS_BASELINE}s of load before the fault"
  sleep "$CHAOS_BASELINE"
  kill -0 "$LOAD_PID" 2>/dev/null || die "the load client exited early; see $RAW/load.log"
  FAULT_START=$(now_ms)
  # The host's load at the fault: on a 2-core machine shared with builds, slow answers and 2 s
  # timeouts can come from CPU starvation rather than from the fault.
  measure hostLoadAvg1m "$(cut -d' ' -f1 /proc/loadavg)"
  say "phase fault: $DESCRIPTION"
  inject
  [[ -n $FAULT_END ]] || fault_over
  say "phase recovery: waiting up to ${CHAOS_READY_TIMEOUT}s for $MS_NAME Ready and all pods Ready"
  if READY_AT=$(wait_ready "$CHAOS_READY_TIMEOUT"); then
    say "Ready again $(( (READY_AT - FAULT_START) / 1000 ))s after the fault started"
  else
    READY_AT=
    note "not Ready within ${CHAOS_READY_TIMEOUT}s after the fault"
  fi
  if declare -F after_ready >/dev/null; then after_ready; fi
  say "phase tail: ${CHAOS_TAIL}s of load after recovery"
  sleep "$CHAOS_TAIL"
  load_stop
  cluster_series
  write_events
  local rc=0
  verify_writes || rc=$?
  say "result: $CHAOS_RESULTS/$SCENARIO.json (verify exit $rc)"
  if declare -F after_verify >/dev/null; then after_verify; fi
  if [[ -n $PROOF_FAILED ]]; then
    say "the fault was not proven (see the notes above): the scenario fails"
    (( rc != 0 )) || rc=1
  fi
  return $rc
}
fault_over() { FAULT_END=$(now_ms); say "fault over after $(( (FAULT_END - FAULT_START) / 1000 ))s"; }

_chaos_cleanup() {
  local rc=$?
  if declare -F heal >/dev/null; then heal || say "heal failed; check the cluster by hand"; fi
  if [[ -n ${LOAD_PID:-} ]]; then touch "$RAW/stop"; wait "$LOAD_PID" 2>/dev/null || true; fi
  pod_logs_stop
  exit $rc
}
