#!/usr/bin/env bash
# make base-image: messagestack/debian-base:<suite>, the base image of every image we build.
# Online (a registry answers): pull debian:<suite>-slim and tag it.
# Offline: debootstrap --variant=minbase from this machine's Debian mirror, with the same apt
# sources inside (so `apt-get install` works in Dockerfiles), imported with `docker import`.
# The rootfs tarball is cached in $MS_CACHE/debian/, so re-creating the image after a Docker
# wipe takes seconds. Does nothing when the image exists.
LOG_PREFIX=base-image
source "$(dirname "$0")/lib.sh"

IMAGE="messagestack/debian-base:$DEBIAN_SUITE"
TARBALL="$MS_CACHE/debian/$DEBIAN_SUITE-minbase.tar"
need_docker

phase "image $IMAGE"
if docker image inspect "$IMAGE" >/dev/null 2>&1 && [ "${FORCE:-0}" != 1 ]; then
  log "$IMAGE exists; nothing to do (FORCE=1 rebuilds)"
  finish; exit 0
fi

if [ ! -s "$TARBALL" ] && registry_reachable; then
  log "path: ONLINE (a registry answers): pulling debian:$DEBIAN_SUITE-slim"
  docker pull "debian:$DEBIAN_SUITE-slim"
  docker tag "debian:$DEBIAN_SUITE-slim" "$IMAGE"
  finish; exit 0
fi
log "path: OFFLINE (no registry): debootstrap from $(debian_mirror)"

if [ ! -s "$TARBALL" ]; then
  phase "debootstrap $DEBIAN_SUITE"
  apt_install debootstrap
  need_root base-image
  root=$(mktemp -d "${TMPDIR:-/tmp}/ms-debian-XXXXXX")
  trap 'rm -rf "$root"' EXIT
  debootstrap --variant=minbase "$DEBIAN_SUITE" "$root" "$(debian_mirror)" > "$MS_CACHE/logs/debootstrap.log" 2>&1 \
    || die "debootstrap failed; see $MS_CACHE/logs/debootstrap.log (is the Debian mirror reachable?)"
  # Same apt sources as the host, so images built FROM this one can apt-get install.
  rm -f "$root/etc/apt/sources.list"
  if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
    cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/"
  else
    cp /etc/apt/sources.list "$root/etc/apt/sources.list"
  fi
  # Small images: no docs/man pages, no recommends (like debian:*-slim).
  printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\npath-include /usr/share/doc/*/copyright\n' \
    > "$root/etc/dpkg/dpkg.cfg.d/docker-slim"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' > "$root/etc/apt/apt.conf.d/docker-no-recommends"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/*
  mkdir -p "$(dirname "$TARBALL")"
  tar --numeric-owner -C "$root" -cf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL"
fi

phase "docker import"
docker import -c 'CMD ["/bin/bash"]' -c 'ENV LANG=C.UTF-8' "$TARBALL" "$IMAGE" >/dev/null
docker run --rm "$IMAGE" test -f /etc/debian_version || die "$IMAGE does not run; remove $TARBALL and retry"
log "built $IMAGE ($(docker image inspect -f '{{.Size}}' "$IMAGE" | numfmt --to=iec))"
finish
