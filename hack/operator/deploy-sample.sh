#!/usr/bin/env bash
# Applies the kind sample MessageStack (deploy/samples/messagestack-kind.yaml), waits until it is Ready,
# and prints the page URL. Prints the time from apply to Ready. Safe to run twice.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cluster
k get deployment -n "$OPERATOR_NS" messagestack-operator >/dev/null 2>&1 || die "operator not installed: run make deploy-operator"
phase "loading the stack's images into kind"
load_stack_images
phase "applying deploy/samples/messagestack-kind.yaml"
k create namespace "$SAMPLE_NS" --dry-run=client -o yaml | k apply -f - >/dev/null
# The sample has no VIPs, so it runs under Pod Security "restricted", enforced by the API server (a stack with VIPs
# needs "privileged" on its namespace: docs/operator.md).
k label namespace "$SAMPLE_NS" --overwrite pod-security.kubernetes.io/enforce=restricted \
  pod-security.kubernetes.io/warn=restricted >/dev/null
t_apply=$SECONDS
k apply --server-side --force-conflicts -f "$ROOT/deploy/samples/messagestack-kind.yaml" >/dev/null
# The sample runs the operator's default images. chaos rolling-api-image leaves the stack on a re-tagged copy of the
# image it ran then (messagestack/message-api:chaos-<time>), which a rebuilt `make api-image` would never reach:
# back to the default (one rolling change).
left=$(k -n "$SAMPLE_NS" get messagestack "$SAMPLE_NAME" -o jsonpath='{.spec.api.image}' 2>/dev/null || true)
if [[ $left == messagestack/message-api:chaos-* ]]; then
  phase "spec.api.image is $left (left by chaos rolling-api-image): removed, back to the operator's default"
  k -n "$SAMPLE_NS" patch messagestack "$SAMPLE_NAME" --type=json -p '[{"op":"remove","path":"/spec/api/image"}]' >/dev/null
fi
timeout=${READY_TIMEOUT:-420}
phase "waiting up to ${timeout}s for MessageStack $SAMPLE_NAME to be Ready"
last=""
until [ "$(k -n "$SAMPLE_NS" get ms "$SAMPLE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = "True" ]; do
  if [ $((SECONDS - t_apply)) -ge "$timeout" ]; then
    k -n "$SAMPLE_NS" get ms,pods -o wide >&2 || true
    k -n "$SAMPLE_NS" get ms "$SAMPLE_NAME" -o jsonpath='{range .status.conditions[*]}{.type}={.status} {.reason}: {.message}{"\n"}{end}' >&2 || true
    die "MessageStack $SAMPLE_NAME not Ready after ${timeout}s; see kubectl -n $SAMPLE_NS describe ms $SAMPLE_NAME and the pod logs"
  fi
  now=$(k -n "$SAMPLE_NS" get ms "$SAMPLE_NAME" --no-headers 2>/dev/null | awk '{print $2, $3, $4, $5}')
  [ "$now" != "$last" ] && phase "  +$((SECONDS - t_apply))s ready/database/phase: $now"
  last=$now
  sleep 2
done
ready_after=$((SECONDS - t_apply))
k -n "$SAMPLE_NS" get ms "$SAMPLE_NAME" -o wide
phase "MessageStack $SAMPLE_NAME Ready ${ready_after}s after apply"
mkdir -p "$MS_CACHE/operator"; echo "$ready_after" > "$MS_CACHE/operator/last-apply-to-ready-seconds"
url=http://127.0.0.1:8080/
curl -fsS -o /dev/null --max-time 5 "$url" || die "the page does not answer at $url (kind maps host 8080 to NodePort 30080)"
echo
echo "The page is served at $url  (status.url in the cluster: $(k -n "$SAMPLE_NS" get ms "$SAMPLE_NAME" -o jsonpath='{.status.url}'))"
