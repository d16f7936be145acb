#!/usr/bin/env bash
# Builds messagestack/operator:dev: the operator's fast-jar (Maven), then the image. Offline, it builds on
# messagestack/debian-base:bookworm (made by `make base-image`) and installs the JRE from Debian.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need docker "run make docker"
docker info >/dev/null 2>&1 || die "Docker does not answer: run make docker"
# The image carries a hash of everything it is built from; the same sources build nothing again (make up and
# make test reach this twice: the operator-image phase, then deploy-operator's prerequisite).
base=${BASE_IMAGE:-}
if [ -z "$base" ]; then
  if docker image inspect messagestack/debian-base:bookworm >/dev/null 2>&1; then
    base=messagestack/debian-base:bookworm
  else
    base=eclipse-temurin:17-jre
  fi
fi
source_hash=$( (cd "$ROOT" && find pom.xml operator/pom.xml operator/src frontend -type f ! -path '*/node_modules/*' -print0 \
  | sort -z | xargs -0 sha256sum; echo "$base") | sha256sum | cut -c1-16)
built_hash=$(docker image inspect -f '{{index .Config.Labels "io.messagestack.source-hash"}}' "$OPERATOR_IMAGE" 2>/dev/null || true)
if [ "$built_hash" = "$source_hash" ]; then
  phase "$OPERATOR_IMAGE is up to date (sources $source_hash): nothing to build"
  exit 0
fi
phase "building the operator jar (mvn package, tests skipped: make test-operator runs them)"
# Same lock as hack/make/50-operator.mk: one operator build per checkout at a time.
flock "/tmp/messagestack-build-$(echo "$ROOT" | md5sum | cut -c1-8)-operator.lock" \
  mvn -B -q -f "$ROOT/operator/pom.xml" package -DskipTests
phase "docker build $OPERATOR_IMAGE on $base"
docker build -q -t "$OPERATOR_IMAGE" --build-arg BASE_IMAGE="$base" --label io.messagestack.source-hash="$source_hash" \
  -f "$ROOT/operator/src/main/docker/Dockerfile" "$ROOT/operator" >/dev/null
phase "built $OPERATOR_IMAGE ($(docker image inspect -f '{{.Size}}' "$OPERATOR_IMAGE" | awk '{printf "%d MB", $1/1e6}'))"
