#!/usr/bin/env bash
# make kube-api-test-bins: the kube-apiserver, etcd and kubectl of the pinned Kubernetes version,
# laid out where fabric8 kube-api-test looks for them with KUBE_API_TEST_OFFLINE_MODE=true:
#   $KUBE_API_TEST_DIR/k8s/<version-without-v>-linux-amd64/{kube-apiserver,etcd,kubectl}
# Builds them first (hack/lab/toolchain.sh kube-api-test) if they are not cached.
LOG_PREFIX=kube-api-test-bins
source "$(dirname "$0")/lib.sh"

dest="$KUBE_API_TEST_DIR/k8s/$K8S_V-linux-amd64"
etcd_bin() { ls "$MS_CACHE"/etcd/*/bin/etcd 2>/dev/null | sort -V | tail -1; }
if [ ! -x "$K8S_CACHE/bin/kube-apiserver" ] || [ ! -f "$K8S_CACHE/bin/.built" ] || [ -z "$(etcd_bin)" ]; then
  "$LAB_DIR/toolchain.sh" kube-api-test
fi
phase "layout $dest"
etcd_v=$(grep '/etcd:' "$K8S_CACHE/images.txt" | sed 's/.*://; s/-[0-9]*$//')
etcd="$MS_CACHE/etcd/v$etcd_v/bin/etcd"
[ -x "$etcd" ] || die "etcd v$etcd_v missing at $etcd; run 'make toolchain'"
mkdir -p "$dest"
for f in "$K8S_CACHE/bin/kube-apiserver" "$etcd" "$K8S_CACHE/bin/kubectl"; do
  ln -sfn "$f" "$dest/$(basename "$f")"
done
"$dest/kube-apiserver" --version | grep -q "$K8S_VERSION" || die "$dest/kube-apiserver is not $K8S_VERSION"
"$dest/etcd" --version >/dev/null || die "$dest/etcd does not run"
log "ready: $dest ($(ls "$dest" | tr '\n' ' '))"
log "use: KUBE_API_TEST_DIR=$KUBE_API_TEST_DIR KUBE_API_TEST_OFFLINE_MODE=true"
finish
