#!/usr/bin/env bash
# Builds messagestack/operator:dev: the operator's fast-jar (Maven), then the image. Offline, it builds on
# messagestack/debian-base:bookworm (made by `make base-image`) and installs the JRE from Debian.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need docker "run make docker"
docker info >/dev/null 2>&1 || die "Docker does not answer: run make docker"
phase "building the operator jar (mvn package, tests skipped: make test-operator runs them)"
# Same lock as hack/make/50-operator.mk: one operator build per checkout at a time.
flock "/tmp/messagestack-build-$(echo "$ROOT" | md5sum | cut -c1-8)-operator.lock" \
  mvn -B -q -f "$ROOT/operator/pom.xml" package -DskipTests
base=${BASE_IMAGE:-}
if [ -z "$base" ]; then
  if docker image inspect messagestack/debian-base:bookworm >/dev/null 2>&1; then
    base=messagestack/debian-base:bookworm
  else
    base=eclipse-temurin:17-jre
  fi
fi
phase "docker build $OPERATOR_IMAGE on $base"
docker build -q -t "$OPERATOR_IMAGE" --build-arg BASE_IMAGE="$base" \
  -f "$ROOT/operator/src/main/docker/Dockerfile" "$ROOT/operator" >/dev/null
phase "built $OPERATOR_IMAGE ($(docker image inspect -f '{{.Size}}' "$OPERATOR_IMAGE" | awk '{printf "%d MB", $1/1e6}'))"
