# shellcheck shell=bash
# Loading local images into the kind lab's nodes (sourced, not run).

# kind_load_image CLUSTER IMAGE [all-nodes]: loads IMAGE into the cluster's worker nodes that do not hold
# this exact image (same id), and only those. The control-plane node is skipped unless all-nodes is given:
# it is tainted NoSchedule and only the images that tolerate it run there (the lab's Prometheus, which
# prefers it; kube-network-policies loads its own image in hack/lab/netpol.sh). `kind load` imports a whole image
# archive per node, the slowest step of a cold deploy: a quarter less work without it.
# Prints one line saying what it did; non-zero when the image is missing or the load failed.
kind_load_image() {
  local cluster=$1 image=$2 where=${3:-workers} id node missing=()
  id=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null) || { echo "$image: not built" >&2; return 1; }
  for node in $(kind get nodes --name "$cluster"); do
    [ "$where" != all-nodes ] && [ "$(docker inspect -f '{{index .Config.Labels "io.x-k8s.kind.role"}}' "$node")" = control-plane ] && continue
    [ "$(docker exec "$node" crictl inspecti -o go-template --template '{{.status.id}}' "docker.io/$image" 2>/dev/null)" = "$id" ] \
      || missing+=("$node")
  done
  if [ ${#missing[@]} -eq 0 ]; then echo "$image: already on every node it runs on ($where)"; return 0; fi
  kind load docker-image "$image" --name "$cluster" --nodes "$(IFS=,; echo "${missing[*]}")" >/dev/null || return 1
  echo "$image: loaded into ${missing[*]}"
}
