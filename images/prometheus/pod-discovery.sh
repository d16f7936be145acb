#!/bin/bash
# pod-discovery: the lab Prometheus' pod discovery, as a sidecar. Debian's prometheus package is built
# without Kubernetes service discovery (kubernetes_sd_configs is refused: Debian removed it with
# client-go's dependencies), so this loop does what `kubernetes_sd_configs: [{role: pod}]` does for the
# pods that ask to be scraped: every INTERVAL seconds it lists the running pods through the API server
# (the pod's ServiceAccount may only list pods) and writes them, with the same __meta_kubernetes_pod_*
# labels kubernetes_sd would give, as a file_sd target file that Prometheus re-reads when it changes.
# The relabel_configs in prometheus.yml are therefore the ones a Prometheus with kubernetes_sd uses.
# A failed list keeps the previous file (targets do not vanish because the API server blipped).
set -uo pipefail
OUT=${OUT:-/sd/pods.json}
INTERVAL=${INTERVAL:-10}
SA=/var/run/secrets/kubernetes.io/serviceaccount
API="https://${KUBERNETES_SERVICE_HOST}:${KUBERNETES_SERVICE_PORT}"

# kubernetes_sd's label names: every character that is not [a-zA-Z0-9_] becomes "_".
read -r -d '' TO_TARGETS <<'JQ'
def meta(prefix): with_entries(.key |= (prefix + gsub("[^a-zA-Z0-9_]"; "_")) | .value |= tostring);
[ .items[]
  | select(.status.podIP != null and (.metadata.annotations // {})["prometheus.io/scrape"] == "true")
  | { targets: [ .status.podIP ],
      labels: ({ __meta_kubernetes_namespace: .metadata.namespace,
                 __meta_kubernetes_pod_name: .metadata.name,
                 __meta_kubernetes_pod_ip: .status.podIP,
                 __meta_kubernetes_pod_node_name: (.spec.nodeName // ""),
                 __meta_kubernetes_pod_phase: (.status.phase // "") }
               + ((.metadata.labels // {}) | meta("__meta_kubernetes_pod_label_"))
               + ((.metadata.annotations // {}) | with_entries(select(.key | startswith("prometheus.io/")))
                  | meta("__meta_kubernetes_pod_annotation_"))) } ]
JQ

echo "pod-discovery: listing running pods from $API every ${INTERVAL}s into $OUT"
last=""
while true; do
  # The projected token is rotated by the kubelet: read it each time.
  if body=$(curl -sS --fail --max-time 10 --cacert "$SA/ca.crt" -H "Authorization: Bearer $(cat "$SA/token")" \
      "$API/api/v1/pods?fieldSelector=status.phase%3DRunning") \
     && targets=$(jq -c "$TO_TARGETS" <<<"$body"); then
    if [ "$targets" != "$last" ]; then
      printf '%s\n' "$targets" > "$OUT.tmp" && mv "$OUT.tmp" "$OUT"
      echo "pod-discovery: $(jq length <<<"$targets") pods to scrape"
      last=$targets
    fi
  else
    echo "pod-discovery: listing pods failed; keeping the previous targets" >&2
  fi
  sleep "$INTERVAL"
done
