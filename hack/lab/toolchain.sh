#!/usr/bin/env bash
# make toolchain: the Kubernetes toolchain at $K8S_VERSION, built from source through the Go
# module proxy (no release downloads, no registry), cached under $MS_CACHE by version:
#   $MS_CACHE/k8s/<v>/bin/   kube-apiserver kube-controller-manager kube-scheduler kube-proxy
#                            kubelet kubeadm kubectl crictl pause
#   $MS_CACHE/etcd/<v>/bin/etcd, $MS_CACHE/coredns/<v>/bin/coredns  (versions that kubeadm names)
#   $MS_CACHE/kind/<v>/bin/kind, $MS_CACHE/local-path/<v>/bin/local-path-provisioner
#   $MS_CACHE/kube-network-policies/<v>/bin/cmd   (NetworkPolicy engine, hack/lab/netpol.sh)
# A second run finds the stamps and does nothing. Build flags keep it short on 2 cores:
# only the binaries needed, -trimpath, -ldflags '-s -w', CGO off, one `go build` per module.
LOG_PREFIX=toolchain
source "$(dirname "$0")/lib.sh"

GO_LDFLAGS_BASE="-s -w"
export CGO_ENABLED=0 GOFLAGS="-buildvcs=false -trimpath"
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"   # an older local Go fetches the needed one from the module proxy

# One build at a time: other helpers may call `make kube-api-test-bins` while `make toolchain` runs.
mkdir -p "$MS_CACHE/locks"
exec 9>"$MS_CACHE/locks/toolchain.lock"
if ! flock -n 9; then
  log "another toolchain build is running; waiting for it (lock $MS_CACHE/locks/toolchain.lock)"
  flock 9
fi

phase "go"
command -v jq >/dev/null || apt_install jq
command -v gcc >/dev/null || apt_install gcc libc6-dev
command -v go >/dev/null || die "Go not found; install Go >= 1.21 (it fetches the exact toolchain through the module proxy), e.g. from https://go.dev/dl, and put it on PATH"
log "$(go version)  GOPROXY=$(go env GOPROXY)"

# wrapper_module DIR MODULE_PATH REQUIRE... : a throw-away module that requires the real ones,
# so that `go build <their main package>` works even where their go.mod has replace directives.
wrapper_module() {
  local dir=$1 name=$2; shift 2
  mkdir -p "$dir"
  ( cd "$dir"
    [ -f go.mod ] || go mod init "$name" >/dev/null 2>&1
    for r in "$@"; do go mod edit -require="$r"; done )
}

build_k8s() {
  local stamp="$K8S_CACHE/bin/.built" src="$K8S_CACHE/src"
  if [ -f "$stamp" ]; then log "kubernetes $K8S_VERSION binaries cached in $K8S_CACHE/bin"; return; fi
  phase "kubernetes $K8S_VERSION: module"
  wrapper_module "$src" messagestack.local/k8s-build "k8s.io/kubernetes@$K8S_VERSION"
  local kmod
  kmod=$(cd "$src" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | jq -r .Dir)
  # k8s.io/kubernetes replaces its staging modules with ./staging/...; pin them to v0.Y.Z instead.
  local minor=${K8S_VERSION#v1.}
  ( cd "$src"
    for m in $(awk '/=> \.\/staging\/src\//{print $1}' "$kmod/go.mod" | sort -u); do
      go mod edit -replace="$m=$m@v0.$minor"
    done
    # Match the main module's go directive and godebug defaults.
    go mod edit -go="$(awk '/^go /{print $2}' "$kmod/go.mod")"
    go mod edit -require="k8s.io/kubernetes@$K8S_VERSION" )
  phase "kubernetes $K8S_VERSION: go build (7 binaries)"
  local pkgver="k8s.io/component-base/version" cgver="k8s.io/client-go/pkg/version" x=""
  local major=1 minorn=${minor%%.*}
  for p in $pkgver $cgver; do
    x+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minorn"
    x+=" -X $p.gitTreeState=clean -X $p.buildDate=2026-01-01T00:00:00Z"
  done
  mkdir -p "$K8S_CACHE/bin"
  ( cd "$src" && go build -mod=mod -ldflags "$GO_LDFLAGS_BASE$x" -o "$K8S_CACHE/bin/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kube-proxy \
      k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kubeadm k8s.io/kubernetes/cmd/kubectl ) \
    || die "go build of kubernetes failed (above); check the Go module proxy and GOPROXY"
  "$K8S_CACHE/bin/kubeadm" version -o short | grep -qx "$K8S_VERSION" \
    || die "kubeadm reports $("$K8S_CACHE/bin/kubeadm" version -o short), expected $K8S_VERSION"
  # The pause binary: a few lines of C from the kubernetes module, static.
  phase "pause"
  command -v gcc >/dev/null || apt_install gcc libc6-dev
  gcc -Os -static -Wall -Werror -DVERSION="v3.10-$K8S_VERSION" -o "$K8S_CACHE/bin/pause" "$kmod/build/pause/linux/pause.c" \
    || die "gcc failed to build pause; install gcc and libc6-dev"
  strip "$K8S_CACHE/bin/pause" || true
  # The image versions kubeadm will ask for (etcd, coredns, pause), recorded for the other steps.
  "$K8S_CACHE/bin/kubeadm" config images list --kubernetes-version "$K8S_VERSION" > "$K8S_CACHE/images.txt"
  touch "$stamp"
}

# image_tag NAME: the tag kubeadm names for an image (e.g. etcd -> 3.6.5-0)
image_tag() { grep "/$1:" "$K8S_CACHE/images.txt" | sed 's/.*://'; }

build_etcd() {
  local tag ver dir
  tag=$(image_tag etcd); ver="v${tag%-*}"; dir="$MS_CACHE/etcd/$ver"
  if [ -x "$dir/bin/etcd" ]; then log "etcd $ver cached"; return; fi
  phase "etcd $ver"
  wrapper_module "$dir/src" messagestack.local/etcd-build "go.etcd.io/etcd/server/v3@$ver"
  ( cd "$dir/src"
    kmod=$(go mod download -json "go.etcd.io/etcd/server/v3@$ver" | jq -r .Dir)
    # etcd's modules replace each other by ../path; pin them to the same release instead.
    for m in $(awk '/=> \.\.\//{print $1}' "$kmod/go.mod" | sort -u); do go mod edit -replace="$m=$m@$ver"; done
    go mod edit -go="$(awk '/^go /{print $2}' "$kmod/go.mod")"
    go build -mod=mod -ldflags "$GO_LDFLAGS_BASE" -o "$dir/bin/etcd" go.etcd.io/etcd/server/v3 ) \
    || die "go build of etcd $ver failed (above)"
}

# `go install MODULE@VERSION` into $MS_CACHE/NAME/VERSION/bin, once: later runs find BINARY there.
go_install_cached() {
  local name=$1 ver=$2 module=$3 binary=$4
  local dir="$MS_CACHE/$name/$ver"
  if [ -x "$dir/bin/$binary" ]; then log "$name $ver cached"; return; fi
  phase "$name $ver"
  mkdir -p "$dir/bin"
  GOBIN="$dir/bin" go install -ldflags "$GO_LDFLAGS_BASE" "$module@$ver" \
    || die "go install $name $ver failed (above)"
}

# CoreDNS with the plugins a kubeadm cluster's Corefile uses (kubeadm writes errors, health, ready,
# kubernetes, prometheus, forward, cache, loop, reload, loadbalance; log, hosts, rewrite and
# template are what people add), the way CoreDNS documents custom builds: a main that imports
# coremain and those plugins. The full build compiles every cloud provider's SDK (route53, azure,
# clouddns, the tracers): about three times the compile time for plugins the lab never loads.
COREDNS_PLUGINS="errors log health ready kubernetes metrics forward cache loop reload loadbalance hosts rewrite template"
build_coredns() {
  local ver dir
  ver=$(image_tag coredns); ver="v${ver#v}"; dir="$MS_CACHE/coredns/$(image_tag coredns)"
  if [ -x "$dir/bin/coredns" ]; then log "coredns $ver cached"; return; fi
  phase "coredns $ver (plugins: $COREDNS_PLUGINS)"
  wrapper_module "$dir/src" messagestack.local/coredns-build "github.com/coredns/coredns@$ver"
  { echo "// Generated by hack/lab/toolchain.sh: CoreDNS with the plugins of a kubeadm Corefile."
    echo "package main"; echo; echo "import ("
    for p in $COREDNS_PLUGINS; do echo "	_ \"github.com/coredns/coredns/plugin/$p\""; done
    echo "	\"github.com/coredns/coredns/coremain\""; echo ")"; echo
    echo "func main() { coremain.Run() }"; } > "$dir/src/main.go"
  mkdir -p "$dir/bin"
  ( cd "$dir/src"
    kmod=$(go mod download -json "github.com/coredns/coredns@$ver" | jq -r .Dir)
    go mod edit -go="$(awk '/^go /{print $2}' "$kmod/go.mod")"
    go build -mod=mod -ldflags "$GO_LDFLAGS_BASE" -o "$dir/bin/coredns" . ) \
    || die "go build of coredns $ver failed (above)"
  "$dir/bin/coredns" -plugins | grep -qx kubernetes || die "the coredns build lacks the kubernetes plugin"
}

build_kind() { go_install_cached kind "$KIND_VERSION" sigs.k8s.io/kind kind; }

build_crictl() {
  [ -x "$K8S_CACHE/bin/crictl" ] && { log "crictl cached"; return; }
  # cri-tools follows Kubernetes minors: v1.34.0 for 1.34.x.
  local ver="v1.${K8S_VERSION#v1.}"; ver="${ver%.*}.0"
  phase "crictl $ver"
  local d="$MS_CACHE/cri-tools/$ver"
  wrapper_module "$d/src" messagestack.local/crictl-build "sigs.k8s.io/cri-tools@$ver"
  ( cd "$d/src" && go build -mod=mod -ldflags "$GO_LDFLAGS_BASE" -o "$K8S_CACHE/bin/crictl" sigs.k8s.io/cri-tools/cmd/crictl ) \
    || die "go build of crictl $ver failed (above)"
}

build_local_path() {
  go_install_cached local-path "$LOCAL_PATH_VERSION" github.com/rancher/local-path-provisioner local-path-provisioner
}

# NetworkPolicy engine for the offline lab (hack/lab/netpol.sh); its main package is .../cmd.
build_netpol() {
  go_install_cached kube-network-policies "$KUBE_NETWORK_POLICIES_VERSION" sigs.k8s.io/kube-network-policies/cmd cmd
}

case "${1:-all}" in
  kube-api-test) build_k8s; build_etcd ;;
  all) build_k8s; build_etcd; build_kind; build_crictl; build_coredns; build_local_path; build_netpol ;;
  netpol) build_netpol ;;
  coredns) build_coredns ;;
  *) die "usage: $0 [all|kube-api-test|netpol|coredns]" ;;
esac
finish
