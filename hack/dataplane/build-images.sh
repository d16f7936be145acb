#!/usr/bin/env bash
# make dataplane-images: builds the data-plane images from images/*/Dockerfile.
#   messagestack/mariadb-galera:10.11  messagestack/galera-agent:dev  messagestack/haproxy:dev
#   messagestack/nginx:dev  messagestack/keepalived:dev
# Base image: messagestack/debian-base:bookworm (made by `make base-image`: the public
# debian:bookworm-slim when a registry answers, else debootstrap'd here). BASE_IMAGE=... overrides.
# Each image is built in a small context folder under $MS_CACHE (not the whole repo).
# Safe to run twice: Docker's layer cache makes an unchanged rebuild take seconds.
# IMAGES="nginx haproxy" builds only those. IMAGE_TAG=h1 tags every image :h1 instead (mariadb-galera:10.11
# and the others :dev, which the kind lab uses), to build and test a branch beside the lab's images.
set -euo pipefail
# shellcheck source=hack/dataplane/lib.sh
source "$(dirname "$0")/lib.sh"

BASE_IMAGE=${BASE_IMAGE:-messagestack/debian-base:bookworm}
IMAGES=${IMAGES:-"galera-agent mariadb-galera haproxy nginx keepalived"}
CTX_ROOT="$MS_CACHE/dataplane/contexts"

docker info >/dev/null 2>&1 || die "Docker does not answer; run 'make docker' first"
docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 || die "base image $BASE_IMAGE is missing; run 'make base-image' first"

tag_of() {
  case $1 in
    mariadb-galera) echo "messagestack/mariadb-galera:${IMAGE_TAG:-10.11}" ;;
    *) echo "messagestack/$1:${IMAGE_TAG:-dev}" ;;
  esac
}

build_agent_into() { # folder: the static galera-agent binary the images carry
  (cd "$REPO_ROOT/galera-agent" && CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath -ldflags='-s -w' -o "$1/galera-agent" .)
  chmod 0755 "$1/galera-agent"
}

context_for() { # name -> prints the context folder
  local name=$1 ctx="$CTX_ROOT/$1"
  rm -rf "$ctx"; mkdir -p "$ctx"
  cp "$REPO_ROOT/images/$name/Dockerfile" "$ctx/"
  case $name in
    mariadb-galera)
      install -m 0755 "$START_SCRIPT" "$ctx/galera-start.sh"
      build_agent_into "$ctx" ;;
    galera-agent)
      build_agent_into "$ctx" ;;
  esac
  echo "$ctx"
}

summary=()
for name in $IMAGES; do
  [ -f "$REPO_ROOT/images/$name/Dockerfile" ] || die "no images/$name/Dockerfile"
  tag=$(tag_of "$name"); t=$SECONDS
  phase "build $tag (FROM $BASE_IMAGE)"
  ctx=$(context_for "$name")
  if ! docker build -q --build-arg BASE_IMAGE="$BASE_IMAGE" -t "$tag" "$ctx" >"$ctx/build.log" 2>&1; then
    tail -30 "$ctx/build.log" >&2
    die "building $tag failed (log: $ctx/build.log); if apt-get failed, check the Debian sources inside $BASE_IMAGE"
  fi
  size=$(docker image inspect -f '{{.Size}}' "$tag" | numfmt --to=iec)
  summary+=("$(printf '%-36s %6s  %4ss' "$tag" "$size" "$((SECONDS - t))")")
done
phase "images"
printf '  %s\n' "${summary[@]}"
