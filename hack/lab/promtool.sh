#!/usr/bin/env bash
# promtool from Debian's prometheus package (the same build as the lab's Prometheus image), unpacked
# into $MS_CACHE/prometheus/<package version>/ without installing the package: installing it would
# start a Prometheus service on this machine. Prints the path of promtool on its last line.
# Safe to run twice (a cached unpack is reused).
LOG_PREFIX=promtool
# shellcheck source=hack/lab/lib.sh
source "$(dirname "$0")/lib.sh"

version=$(apt-cache policy prometheus 2>/dev/null | awk '/Candidate:/{print $2}')
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
  need_root apt
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || die "apt-get update failed; check the Debian mirror"
  version=$(apt-cache policy prometheus | awk '/Candidate:/{print $2}')
  [ -n "$version" ] && [ "$version" != "(none)" ] || die "no 'prometheus' package in the Debian sources"
fi
dir="$MS_CACHE/prometheus/${version//[:+~]/_}"
bin="$dir/root/usr/bin/promtool"
if [ ! -x "$bin" ]; then
  log "unpacking promtool from Debian's prometheus $version into $dir"
  rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
  # apt-get download writes into the current directory; _apt cannot write there, so it runs unsandboxed.
  (cd "$dir.tmp" && apt-get download -q "prometheus=$version" >/dev/null 2>&1) \
    || die "apt-get download prometheus=$version failed; check the Debian mirror"
  dpkg-deb -x "$dir.tmp"/prometheus_*.deb "$dir.tmp/root"
  rm -f "$dir.tmp"/prometheus_*.deb
  rm -rf "$dir"; mv "$dir.tmp" "$dir"
fi
"$bin" --version 2>&1 | head -1 | sed "s/^/[$(date +%H:%M:%S)] promtool: /"
echo "$bin"
