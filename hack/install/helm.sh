#!/usr/bin/env bash
# make helm: Helm $HELM_VERSION built once from the Go module proxy (no release download), cached as
# $MS_CACHE/helm/$HELM_VERSION/bin/helm like hack/lab/toolchain.sh caches its builds. A second run finds
# the binary, checks its version and does nothing. `nice` keeps the build from starving other work on 2 cores.
LOG_PREFIX=helm
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

if [ -x "$HELM" ] && "$HELM" version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION"; then
  log "helm $HELM_VERSION cached in $HELM_BIN_DIR"; exit 0
fi
need_go
mkdir -p "$MS_CACHE/locks" "$HELM_BIN_DIR"
exec 9>"$MS_CACHE/locks/helm.lock"
if ! flock -n 9; then log "another helm build is running; waiting for it"; flock 9; fi
if [ -x "$HELM" ]; then log "helm $HELM_VERSION built by the other run"; exit 0; fi

log "building $HELM_MODULE/cmd/helm@$HELM_VERSION (go $(go env GOVERSION), GOPROXY=$(go env GOPROXY))"
export CGO_ENABLED=0 GOFLAGS="-buildvcs=false -trimpath"
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
start=$SECONDS
GOBIN="$HELM_BIN_DIR" nice -n 10 go install \
    -ldflags "-s -w -X $HELM_MODULE/internal/version.version=$HELM_VERSION -X $HELM_MODULE/internal/version.gitTreeState=clean" \
    "$HELM_MODULE/cmd/helm@$HELM_VERSION" \
  || die "go install $HELM_MODULE/cmd/helm@$HELM_VERSION failed (above); check GOPROXY"
"$HELM" version --template '{{.Version}}' | grep -qx "$HELM_VERSION" \
  || die "built helm reports $("$HELM" version --template '{{.Version}}'), expected $HELM_VERSION"
echo "$((SECONDS - start))" > "$HELM_BIN_DIR/.build-seconds"
log "helm $HELM_VERSION built in $((SECONDS - start))s: $HELM"
