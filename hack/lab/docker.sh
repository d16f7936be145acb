#!/usr/bin/env bash
# make docker: a Docker engine that answers and can run privileged containers (kind's nodes).
#  1. If `docker info` answers, use that engine.
#  2. Otherwise install Debian's docker.io (plus jq for the runtime wrapper) and start dockerd.
#  3. Run a privileged test container; only if it fails with the capability error, register
#     hack/lab/runc-wrapper.sh as dockerd's default runtime and restart dockerd.
# Safe to run twice: each step checks first.
LOG_PREFIX=docker
source "$(dirname "$0")/lib.sh"
# shellcheck source=hack/lib/pidfile.sh
source "$(dirname "$0")/../lib/pidfile.sh"

WRAPPER_DST=/etc/docker/messagestack-runc     # Docker's own config dir; survives cache wipes
DOCKERD_LOG="$MS_CACHE/logs/dockerd.log"
TEST_IMAGE=messagestack/privileged-probe:1

start_dockerd() {
  command -v dockerd >/dev/null || die "dockerd not found; install docker.io (apt-get install docker.io)"
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  log "starting dockerd (log: $DOCKERD_LOG)"
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl restart docker || true
  fi
  if ! docker_ok; then
    # No systemd here (build machines are containers/VMs without it): run it in the background,
    # in its own session, so that it outlives the shell (and process group) that started it. Without the
    # caller's open files: a `flock LOCK make up` would otherwise leave the lock held by dockerd (and its
    # containerd) for as long as they run, and every later flock on it would wait forever.
    (
      for fd in /proc/$BASHPID/fd/*; do
        fd=${fd##*/}
        if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-"; fi
      done
      exec setsid nohup /usr/sbin/dockerd </dev/null >>"$DOCKERD_LOG" 2>&1
    ) &
    echo $! > "$MS_CACHE/logs/dockerd.pid"
  fi
  for _ in $(seq 1 60); do docker_ok && return 0; sleep 1; done
  tail -20 "$DOCKERD_LOG" >&2 || true
  die "dockerd did not answer within 60s; see $DOCKERD_LOG"
}

stop_our_dockerd() {
  local pid
  pid=$(cat "$MS_CACHE/logs/dockerd.pid" 2>/dev/null || true)
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl stop docker || true
  elif pidfile_alive "$MS_CACHE/logs/dockerd.pid"; then
    kill "$pid"; for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  else
    die "dockerd must be restarted to pick up the runtime wrapper, but it was not started by this script; restart it yourself and rerun 'make docker'"
  fi
}

# A one-file image (docker-init is a static binary shipped with docker.io) for the privileged probe.
probe_image() {
  docker image inspect "$TEST_IMAGE" >/dev/null 2>&1 && return 0
  local init tmp
  init=$(command -v docker-init || true)
  [ -n "$init" ] || init=/usr/bin/docker-init
  [ -x "$init" ] || die "docker-init not found (it ships with docker.io); install docker.io"
  tmp=$(mktemp -d)
  cp "$init" "$tmp/probe"
  tar -C "$tmp" -c probe | docker import -c 'ENTRYPOINT ["/probe"]' - "$TEST_IMAGE" >/dev/null
  rm -rf "$tmp"
}

privileged_ok() { docker run --rm --privileged "$TEST_IMAGE" --version >/dev/null 2>"$MS_CACHE/logs/privileged-probe.err"; }

phase "engine"
if docker_ok; then
  log "a Docker engine answers: $(docker version -f '{{.Server.Version}}' 2>/dev/null)"
else
  apt_install docker.io jq
  start_dockerd
fi

phase "privileged containers"
mkdir -p "$MS_CACHE/logs"
probe_image
if privileged_ok; then
  log "privileged containers run (runtime: $(docker info -f '{{.DefaultRuntime}}'))"
else
  if grep -q 'unable to apply caps' "$MS_CACHE/logs/privileged-probe.err"; then
    need_root docker
    apt_install jq
    log "privileged containers fail with the capability error; installing the runc wrapper"
    install -m 0755 "$LAB_DIR/runc-wrapper.sh" "$WRAPPER_DST"
    mkdir -p /etc/docker
    cfg=/etc/docker/daemon.json
    [ -s "$cfg" ] || echo '{}' > "$cfg"
    jq --arg p "$WRAPPER_DST" '.runtimes["messagestack-runc"] = {"path": $p} | .["default-runtime"] = "messagestack-runc"' \
      "$cfg" > "$cfg.tmp" && mv "$cfg.tmp" "$cfg"
    stop_our_dockerd
    start_dockerd
    privileged_ok || { cat "$MS_CACHE/logs/privileged-probe.err" >&2; die "privileged containers still fail with the wrapper; see $MS_CACHE/logs/privileged-probe.err"; }
    log "privileged containers run with the wrapper"
  else
    cat "$MS_CACHE/logs/privileged-probe.err" >&2
    die "a privileged test container failed for an unknown reason (above); kind needs privileged containers"
  fi
fi
# Keep the wrapper in step with the repo if it is installed and the repo changed it.
if [ -f "$WRAPPER_DST" ] && ! cmp -s "$LAB_DIR/runc-wrapper.sh" "$WRAPPER_DST"; then
  install -m 0755 "$LAB_DIR/runc-wrapper.sh" "$WRAPPER_DST"; log "updated $WRAPPER_DST"
fi
finish
