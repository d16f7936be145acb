#!/usr/bin/env bash
# The lab's S3-compatible object store (issue 14): Versity S3 Gateway (versitygw), posix backend
# on a PersistentVolumeClaim, in namespace messagestack-objectstore. See docs/backup.md.
#   up (make objectstore, the default)
#     binary  versitygw $VERSITYGW_VERSION built from the Go module proxy, cached in
#             $MS_CACHE/objectstore/<version>/versitygw (built once; later runs reuse it)
#     image   messagestack/objectstore:dev FROM the Debian base (images/objectstore/Dockerfile);
#             Docker's layer cache makes an unchanged rebuild take seconds
#     load    into the kind nodes, skipped when every node has this exact image
#     secret  objectstore-credentials with generated keys, created ONCE: an existing Secret is
#             never overwritten (the data on the volume was written with those keys) and the
#             keys are never printed or put on a command line
#     apply   deploy/objectstore (Namespace, Service, StatefulSet with its PVC); waits for Ready
#     bucket  a Job in the namespace creates the lab bucket $LAB_BUCKET unless it exists
#   test (make test-objectstore)
#     a Job runs hack/lab/objectstore/s3-client.sh check from inside the cluster through the
#     Service: bucket create/list, put/get with SHA-256 comparison, a multi-MB object, wrong
#     credentials refused, then prints the server's memory (RSS, peak) and disk use. Fails if any
#     check fails.
#   binary | image | measure: one step alone.
# Safe to run twice. It never deletes the PVC or a bucket it did not create; `kubectl delete
# namespace messagestack-objectstore` is how a person removes the store and its data.
LOG_PREFIX=objectstore
# shellcheck source=hack/lab/lib.sh
source "$(dirname "$0")/lib.sh"

CONFIG="$REPO_ROOT/kind-config.yaml"
NAME=${LAB_CLUSTER:-$(awk '/^name:/{print $2}' "$CONFIG")}
CTX="kind-$NAME"
NS=messagestack-objectstore
IMAGE=messagestack/objectstore:dev
BASE_IMAGE=${BASE_IMAGE:-messagestack/debian-base:$DEBIAN_SUITE}
BIN_DIR="$MS_CACHE/objectstore/$VERSITYGW_VERSION"
BIN="$BIN_DIR/versitygw"
LAB_BUCKET=${LAB_BUCKET:-messagestack-backups}
S3_ENDPOINT="http://objectstore.$NS.svc:7070"
S3_REGION=us-east-1
SCRIPT_CM=objectstore-client

k() { kubectl --context "$CTX" "$@"; }
kn() { k -n "$NS" "$@"; }

build_binary() {
  phase "binary versitygw $VERSITYGW_VERSION"
  if [ -x "$BIN" ]; then log "cached: $BIN"; return; fi
  command -v go >/dev/null || die "go not found; install the Go toolchain (Debian golang or /usr/local/go)"
  mkdir -p "$BIN_DIR"
  local tmp; tmp=$(mktemp -d)
  log "go install github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION (a few minutes the first time)"
  # GOFLAGS=-mod=mod: resolve from the module proxy; a static binary runs on any base image.
  if ! (cd "$tmp" && CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOFLAGS=-mod=mod GOBIN="$tmp/bin" \
        go install -trimpath -ldflags "-s -w -X main.Version=$VERSITYGW_VERSION" \
        "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION") >"$tmp/build.log" 2>&1; then
    tail -20 "$tmp/build.log" >&2
    die "building versitygw $VERSITYGW_VERSION failed; is the Go module proxy reachable (go env GOPROXY)?"
  fi
  install -m 0755 "$tmp/bin/versitygw" "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
  rm -rf "$tmp"
  log "built $BIN ($(du -h "$BIN" | cut -f1))"
}

build_image() {
  build_binary
  phase "image $IMAGE (FROM $BASE_IMAGE)"
  need_docker
  docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 || die "base image $BASE_IMAGE is missing; run 'make base-image'"
  local ctx="$MS_CACHE/objectstore/context"
  rm -rf "$ctx"; mkdir -p "$ctx"
  cp "$REPO_ROOT/images/objectstore/Dockerfile" "$ctx/"
  cp --preserve=mode,timestamps "$BIN" "$ctx/versitygw"
  if ! docker build -q --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$IMAGE" "$ctx" >"$ctx/build.log" 2>&1; then
    tail -30 "$ctx/build.log" >&2
    die "building $IMAGE failed (log: $ctx/build.log); if apt-get failed, check the Debian sources inside $BASE_IMAGE"
  fi
  log "$IMAGE: $(docker image inspect -f '{{.Size}}' "$IMAGE" | numfmt --to=iec)"
}

require_cluster() {
  command -v kind >/dev/null && command -v kubectl >/dev/null || die "kind/kubectl not found; run 'make toolchain'"
  kind get clusters 2>/dev/null | grep -qx "$NAME" || die "no kind cluster '$NAME'; run 'make cluster'"
  k get nodes >/dev/null 2>&1 || die "the API server of '$NAME' does not answer; run 'make cluster'"
}

load_image() {
  phase "load $IMAGE into $NAME"
  local done_
  done_=$(kind_load_image "$NAME" "$IMAGE") || die "kind load docker-image $IMAGE failed"
  log "$done_"
}

# Random [A-Za-z0-9] of length N (no characters that need quoting anywhere).
random_token() { LC_ALL=C tr -dc "$2" < /dev/urandom | head -c "$1" || true; }

ensure_secret() {
  phase "secret objectstore-credentials"
  k apply -f "$REPO_ROOT/deploy/objectstore/namespace.yaml" >/dev/null
  if kn get secret objectstore-credentials >/dev/null 2>&1; then
    log "exists; kept as it is (never regenerated: the stored objects belong to these keys)"
    return
  fi
  local access secret
  access="AK$(random_token 18 'A-Z0-9')"
  secret=$(random_token 40 'A-Za-z0-9')
  # Through stdin, not arguments: the keys never appear in a process list or in this output.
  kn create -f - >/dev/null <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: objectstore-credentials
  namespace: $NS
  labels: {app.kubernetes.io/name: objectstore, app.kubernetes.io/part-of: messagestack-lab}
type: Opaque
stringData:
  AWS_ACCESS_KEY_ID: "$access"
  AWS_SECRET_ACCESS_KEY: "$secret"
EOF
  log "created with generated keys (read them with: kubectl -n $NS get secret objectstore-credentials -o jsonpath='{.data.AWS_ACCESS_KEY_ID}' | base64 -d)"
}

apply_manifests() {
  phase "apply deploy/objectstore"
  k apply -k "$REPO_ROOT/deploy/objectstore" >/dev/null
  # The client script reaches the Jobs as a ConfigMap (the image stays the server's).
  kn create configmap "$SCRIPT_CM" --from-file=s3-client.sh="$LAB_DIR/objectstore/s3-client.sh" \
    --dry-run=client -o yaml | kn apply -f - >/dev/null
  # A new image under the same tag is only picked up by a new pod: its id as a pod-template
  # annotation rolls the pod when the image changed and is a no-op when it did not.
  local id
  id=$(docker image inspect -f '{{.Id}}' "$IMAGE")
  kn patch statefulset objectstore --type merge \
    -p "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"messagestack.io/image-id\":\"$id\"}}}}}" >/dev/null
  phase "wait for objectstore-0 Ready"
  if ! kn rollout status statefulset/objectstore --timeout=180s >/dev/null; then
    kn get pods,pvc -o wide >&2 || true
    kn describe pod objectstore-0 2>/dev/null | tail -25 >&2 || true
    kn logs objectstore-0 --tail=30 >&2 || true
    die "objectstore-0 is not Ready after 180s (see above)"
  fi
  log "ready: $S3_ENDPOINT"
}

# run_job NAME TIMEOUT ARGS...: runs s3-client.sh ARGS in a Job of the objectstore image, with the
# Secret's keys as environment variables; prints its log; fails when the Job fails.
run_job() {
  local job=$1 timeout=$2; shift 2
  local args="" a
  for a in "$@"; do args+="\"$a\", "; done
  kn delete job "$job" --ignore-not-found --wait=true >/dev/null
  kn create -f - >/dev/null <<EOF
apiVersion: batch/v1
kind: Job
metadata:
  name: $job
  namespace: $NS
  labels: {app.kubernetes.io/name: objectstore-client, app.kubernetes.io/part-of: messagestack-lab}
spec:
  backoffLimit: 0
  activeDeadlineSeconds: $timeout
  ttlSecondsAfterFinished: 3600
  template:
    metadata:
      labels: {app.kubernetes.io/name: objectstore-client}
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      enableServiceLinks: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: s3-client
          image: $IMAGE
          imagePullPolicy: IfNotPresent
          command: ["bash", "/opt/s3-client/s3-client.sh", ${args%, }]
          env:
            - {name: S3_ENDPOINT, value: "$S3_ENDPOINT"}
            - {name: S3_REGION, value: "$S3_REGION"}
            - {name: LAB_BUCKET, value: "$LAB_BUCKET"}
            - {name: BIG_MB, value: "${BIG_MB:-32}"}
          envFrom:
            - secretRef: {name: objectstore-credentials}
          resources:
            requests: {cpu: 50m, memory: 32Mi}
            limits: {cpu: "1", memory: 128Mi}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: ["ALL"]}
          volumeMounts:
            - {name: script, mountPath: /opt/s3-client, readOnly: true}
            - {name: tmp, mountPath: /tmp}
      volumes:
        - name: script
          configMap: {name: $SCRIPT_CM}
        - name: tmp
          emptyDir: {sizeLimit: 256Mi}
EOF
  local t=$SECONDS state=""
  while [ $((SECONDS - t)) -lt "$timeout" ]; do
    state=$(kn get job "$job" -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')
    case " $state " in *" Complete "*|*" Failed "*) break ;; esac
    sleep 2
  done
  kn logs "job/$job" --tail=-1 2>/dev/null || log "(no log from job/$job)"
  case " $state " in
    *" Complete "*) log "job/$job complete after $((SECONDS - t))s" ;;
    *" Failed "*) kn describe job "$job" | tail -8 >&2; die "job/$job failed (its log is above)" ;;
    *) kn get pods -l job-name="$job" -o wide >&2; die "job/$job did not finish within ${timeout}s" ;;
  esac
}

ensure_bucket() {
  phase "bucket $LAB_BUCKET"
  run_job objectstore-mkbucket 120 ensure-bucket "$LAB_BUCKET"
}

# Memory of the versitygw process and disk use of its volume, read in the kind node that runs it
# (the lab has no metrics-server): VmRSS now, VmHWM = the process's peak RSS since it started.
measure() {
  phase "measure"
  local node uid pid pv path
  node=$(kn get pod objectstore-0 -o jsonpath='{.spec.nodeName}')
  uid=$(kn get pod objectstore-0 -o jsonpath='{.metadata.uid}')
  # The pod's cgroup path holds its uid (with '_' for '-' under the systemd driver).
  pid=$(docker exec "$node" sh -c 'for d in /proc/[0-9]*; do
      [ "$(cat "$d/comm" 2>/dev/null)" = versitygw ] || continue
      grep -qE "$1|$2" "$d/cgroup" 2>/dev/null && echo "${d#/proc/}"; done' sh "$uid" "${uid//-/_}" | head -1)
  if [ -n "$pid" ]; then
    docker exec "$node" awk -v n="$node" '/^(VmRSS|VmHWM)/{printf "  %s %s %s (pid in %s)\n", $1, $2, $3, n}' "/proc/$pid/status"
  else
    log "versitygw process of objectstore-0 not found on $node"
  fi
  pv=$(kn get pvc data-objectstore-0 -o jsonpath='{.spec.volumeName}')
  path=$(k get pv "$pv" -o jsonpath='{.spec.hostPath.path}{.spec.local.path}')
  if [ -n "$path" ]; then
    docker exec "$node" du -sh "$path" | awk '{print "  disk used by the PVC: " $1}'
  fi
  docker exec "$node" df -h "${path:-/}" | tail -1 | awk '{print "  node filesystem: " $2 " size, " $4 " free"}'
}

up() {
  build_image
  require_cluster
  load_image
  ensure_secret
  apply_manifests
  ensure_bucket
}

run_test() {
  require_cluster
  kn get statefulset objectstore >/dev/null 2>&1 || die "the object store is not installed; run 'make objectstore'"
  kn create configmap "$SCRIPT_CM" --from-file=s3-client.sh="$LAB_DIR/objectstore/s3-client.sh" \
    --dry-run=client -o yaml | kn apply -f - >/dev/null
  phase "checks from inside the cluster (job objectstore-test)"
  run_job objectstore-test 300 check
  measure
}

case "${1:-up}" in
  up) up ;;
  test) run_test ;;
  binary) build_binary ;;
  image) build_image ;;
  measure) require_cluster; measure ;;
  *) die "usage: $0 [up|test|binary|image|measure]" ;;
esac
finish
