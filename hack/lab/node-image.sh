#!/usr/bin/env bash
# make node-image: the kind node image for $K8S_VERSION.
# Online (a registry answers): pull kind's published node image (KIND_ONLINE_NODE_IMAGE).
# Offline: assemble messagestack/kind-node:$K8S_VERSION from
#   1. the control-plane images kubeadm asks for (kube-apiserver, kube-controller-manager,
#      kube-scheduler, kube-proxy, etcd, coredns, pause), each docker-built FROM the
#      debootstrap'd base image with the binary from `make toolchain`, tagged exactly as
#      `kubeadm config images list` prints;
#   2. the node OS (hack/lab/node/Dockerfile: Debian systemd/containerd/runc/CNI plugins,
#      kind's base files from the kind Go module, kubelet/kubeadm/kubectl/crictl);
#   3. those images imported into the node's containerd (k8s.io namespace, pinned) in a
#      build container, which is then committed as the node image.
# The image carries a label with a hash of its inputs; a second run with the same inputs does
# nothing, a changed input rebuilds.
LOG_PREFIX=node-image
source "$(dirname "$0")/lib.sh"
need_docker

NODE_IMAGE=$(node_image_name)
phase "choose path"
if [ "$NODE_IMAGE" = "$KIND_ONLINE_NODE_IMAGE" ]; then
  log "path: ONLINE (a registry answers): using kind's published $NODE_IMAGE"
  docker image inspect "$NODE_IMAGE" >/dev/null 2>&1 || docker pull "$NODE_IMAGE"
  finish; exit 0
fi
log "path: OFFLINE (no registry): $NODE_IMAGE assembled here"

[ -f "$K8S_CACHE/bin/.built" ] && [ -x "$K8S_CACHE/bin/crictl" ] || die "Kubernetes binaries missing in $K8S_CACHE/bin; run 'make toolchain'"
docker image inspect "messagestack/debian-base:$DEBIAN_SUITE" >/dev/null 2>&1 || die "base image missing; run 'make base-image'"
BASE="messagestack/debian-base:$DEBIAN_SUITE"
KIND_MOD=$(cd /tmp && GOFLAGS= go mod download -json "sigs.k8s.io/kind@$KIND_VERSION" | jq -r .Dir)
[ -d "$KIND_MOD/images/base/files" ] || die "kind module $KIND_VERSION not in the Go module cache; run 'make toolchain'"

img() { grep "/$1:" "$K8S_CACHE/images.txt"; }
IMG_APISERVER=$(img kube-apiserver); IMG_CM=$(img kube-controller-manager); IMG_SCHED=$(img kube-scheduler)
IMG_PROXY=$(img kube-proxy); IMG_ETCD=$(img etcd); IMG_DNS=$(img coredns); IMG_PAUSE=$(img pause)
ETCD_BIN="$MS_CACHE/etcd/v$(echo "${IMG_ETCD##*:}" | sed 's/-[0-9]*$//')/bin/etcd"
DNS_BIN="$MS_CACHE/coredns/${IMG_DNS##*:}/bin/coredns"
[ -x "$ETCD_BIN" ] && [ -x "$DNS_BIN" ] || die "etcd or coredns binary missing ($ETCD_BIN, $DNS_BIN); run 'make toolchain'"
LP_BIN="$MS_CACHE/local-path/$LOCAL_PATH_VERSION/bin/local-path-provisioner"
[ -x "$LP_BIN" ] || die "local-path-provisioner missing at $LP_BIN; run 'make toolchain'"
IMG_LP="messagestack/local-path-provisioner:$LOCAL_PATH_VERSION"
IMG_HELPER="$BASE"

# Hash of everything that goes into the image: a changed script, Dockerfile or binary rebuilds.
base_id=$(docker image inspect -f '{{.Id}}' "$BASE")
inputs_hash() {
  { echo "$K8S_VERSION $KIND_VERSION $base_id"
    cat "$LAB_DIR"/node/Dockerfile "$LAB_DIR"/images/Dockerfile.* "$LAB_DIR"/podnet/* "$LAB_DIR/node-image.sh"
    ls -l --time-style=+%s "$K8S_CACHE"/bin/ "$ETCD_BIN" "$DNS_BIN" "$LP_BIN"
  } | sha256sum | cut -c1-16
}
HASH=$(inputs_hash)
have=$(docker image inspect -f '{{index .Config.Labels "messagestack.inputs"}}' "$NODE_IMAGE" 2>/dev/null || true)
if [ "$have" = "$HASH" ] && [ "${FORCE:-0}" != 1 ]; then
  log "$NODE_IMAGE is up to date (inputs $HASH); nothing to do"
  finish; exit 0
fi

# NO_CACHE=1 builds every layer again (used to measure a cold build).
BUILD_FLAGS=(); [ "${NO_CACHE:-0}" = 1 ] && BUILD_FLAGS=(--no-cache)
CTX="$MS_CACHE/lab/build"
rm -rf "$CTX"; mkdir -p "$CTX/cp" "$CTX/node/bin" "$CTX/node/kindbase"

# build_image TAG DOCKERFILE [BIN_PATH [BIN_ARG]]: one component image in its own tiny context.
build_image() {
  local tag=$1 df=$2 bin=${3:-} binarg=${4:-} ctx
  ctx="$CTX/cp/$(echo "$tag" | tr '/:' '__')"; mkdir -p "$ctx"
  [ -n "$bin" ] && cp "$bin" "$ctx/"
  local args=(--build-arg "BASE_IMAGE=$BASE")
  [ -n "$binarg" ] && args+=(--build-arg "BIN=$binarg")
  [[ "$df" == *pause ]] && args=(--build-arg BASE_IMAGE=scratch)
  local old
  old=$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
  docker build -q "${BUILD_FLAGS[@]}" "${args[@]}" --label "messagestack.inputs=$HASH" -t "$tag" -f "$LAB_DIR/images/$df" "$ctx" >>"$MS_CACHE/logs/node-image-build.log" 2>&1 \
    || die "docker build of $tag failed; rerun with 'docker build -f hack/lab/images/$df' to see why"
  drop_old_image "$old" "$tag"
  log "built $tag"
}
# drop_old_image ID TAG: remove the image TAG pointed to before a rebuild (never others' images).
drop_old_image() {
  local old=$1 tag=$2
  [ -n "$old" ] && [ "$old" != "$(docker image inspect -f '{{.Id}}' "$tag")" ] && docker rmi "$old" >/dev/null 2>&1 || true
}

phase "control-plane images"
build_image "$IMG_APISERVER" Dockerfile.control-plane "$K8S_CACHE/bin/kube-apiserver" kube-apiserver
build_image "$IMG_CM" Dockerfile.control-plane "$K8S_CACHE/bin/kube-controller-manager" kube-controller-manager
build_image "$IMG_SCHED" Dockerfile.control-plane "$K8S_CACHE/bin/kube-scheduler" kube-scheduler
build_image "$IMG_ETCD" Dockerfile.control-plane "$ETCD_BIN" etcd
build_image "$IMG_PROXY" Dockerfile.kube-proxy "$K8S_CACHE/bin/kube-proxy"
build_image "$IMG_DNS" Dockerfile.coredns "$DNS_BIN"
build_image "$IMG_PAUSE" Dockerfile.pause "$K8S_CACHE/bin/pause"
build_image "$IMG_LP" Dockerfile.local-path "$LP_BIN"

phase "node OS image"
cp -r "$KIND_MOD/images/base/files/usr" "$KIND_MOD/images/base/files/kind" "$KIND_MOD/images/base/files/etc" "$CTX/node/kindbase/"
chmod -R u+w "$CTX/node/kindbase"
# No rootless fuse-overlayfs here: drop its unit and its proxy plugin from containerd's config.
rm -f "$CTX/node/kindbase/etc/systemd/system/containerd-fuse-overlayfs.service"
sed -i '/^\[proxy_plugins/,/^$/d; /fuse-overlayfs/d' "$CTX/node/kindbase/etc/containerd/config.toml"
# Clamp pods' oom_score_adj at containerd's own: lowering it needs CAP_SYS_RESOURCE, which these
# hosts do not grant (see runc-wrapper.sh); otherwise runc fails with "can't get final child's PID".
sed -i 's/restrict_oom_score_adj = false/restrict_oom_score_adj = true/' "$CTX/node/kindbase/etc/containerd/config.toml"
grep -q 'restrict_oom_score_adj = true' "$CTX/node/kindbase/etc/containerd/config.toml" || die "could not set restrict_oom_score_adj in kind's containerd config"
cp -r "$LAB_DIR/podnet" "$CTX/node/podnet"
# Default storage: kind's own local-path manifest (from the kind module), pointed at our images.
# PVs get node affinity, so a pod that comes back finds its data on the same node.
awk '/^const defaultStorageManifest = `/{on=1; next} on && /^`/{exit} on' "$KIND_MOD/pkg/build/nodeimage/const_storage.go" \
  | sed "s#\` + storageProvisionerImage + \`#$IMG_LP#; s#\` + storageHelperImage + \`#$IMG_HELPER#" > "$CTX/node/podnet/default-storage.yaml"
grep -q "image: $IMG_LP" "$CTX/node/podnet/default-storage.yaml" && ! grep -q '`' "$CTX/node/podnet/default-storage.yaml" \
  || die "could not extract kind's storage manifest from $KIND_MOD/pkg/build/nodeimage/const_storage.go"
cp "$K8S_CACHE"/bin/{kubelet,kubeadm,kubectl,crictl} "$CTX/node/bin/"
old_os=$(docker image inspect -f '{{.Id}}' "messagestack/kind-node-os:$K8S_VERSION" 2>/dev/null || true)
docker build -q "${BUILD_FLAGS[@]}" --build-arg "BASE_IMAGE=$BASE" --build-arg "K8S_VERSION=$K8S_VERSION" --build-arg "PAUSE_IMAGE=$IMG_PAUSE" \
  -t "messagestack/kind-node-os:$K8S_VERSION" -f "$LAB_DIR/node/Dockerfile" "$CTX/node" > "$MS_CACHE/logs/node-os-build.log" 2>&1 \
  || { tail -30 "$MS_CACHE/logs/node-os-build.log" >&2; die "node OS image build failed; see $MS_CACHE/logs/node-os-build.log"; }

drop_old_image "$old_os" "messagestack/kind-node-os:$K8S_VERSION"

phase "pre-load images into the node's containerd"
bc="ms-node-build-$$"
docker rm -f "$bc" >/dev/null 2>&1 || true
trap 'docker rm -f "$bc" >/dev/null 2>&1 || true' EXIT
docker run -d --name "$bc" --privileged --entrypoint sleep "messagestack/kind-node-os:$K8S_VERSION" infinity >/dev/null
docker exec "$bc" bash -c 'nohup containerd > /var/log/containerd-build.log 2>&1 &'
for _ in $(seq 1 30); do docker exec "$bc" ctr version >/dev/null 2>&1 && break; sleep 1; done
docker exec "$bc" ctr version >/dev/null || die "containerd did not start in the build container"
ALL_IMAGES=("$IMG_APISERVER" "$IMG_CM" "$IMG_SCHED" "$IMG_PROXY" "$IMG_ETCD" "$IMG_DNS" "$IMG_PAUSE" "$IMG_LP" "$IMG_HELPER")
docker save "${ALL_IMAGES[@]}" \
  | docker exec -i "$bc" ctr --namespace=k8s.io images import --label=io.cri-containerd.pinned=pinned --all-platforms --no-unpack --digests - >/dev/null \
  || die "ctr import failed in the build container"
imported=$(docker exec "$bc" ctr --namespace=k8s.io images list -q)
for i in "${ALL_IMAGES[@]}"; do
  case "$i" in */*/*|*.*/*) ;; *) i="docker.io/$i" ;; esac   # containerd names docker.io images in full
  grep -qx "$i" <<< "$imported" || die "image $i missing from the node's containerd after import"
done
docker exec "$bc" pkill containerd || true
sleep 2
old_node=$(docker image inspect -f '{{.Id}}' "$NODE_IMAGE" 2>/dev/null || true)
docker commit \
  --change 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]' --change 'CMD []' \
  --change "LABEL messagestack.inputs=$HASH" \
  "$bc" "$NODE_IMAGE" >/dev/null
docker rm -f "$bc" >/dev/null
drop_old_image "$old_node" "$NODE_IMAGE"
rm -rf "$CTX"   # the build context holds copies of the binaries (~700 MB)
log "built $NODE_IMAGE ($(docker image inspect -f '{{.Size}}' "$NODE_IMAGE" | numfmt --to=iec)), preloaded: $(grep -v -e '^import-' -e '^sha256:' <<< "$imported" | tr '\n' ' ')"
finish
