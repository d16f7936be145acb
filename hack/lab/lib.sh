# Shared helpers for the offline lab scripts (sourced, not run).
# Every script prints what it does as it runs, with elapsed time per phase, and fails
# with a message that names the fix.
set -euo pipefail

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$LAB_DIR/../.." && pwd)"
# shellcheck disable=SC1091
source "$REPO_ROOT/hack/versions.env"
source "$REPO_ROOT/hack/lib/kind-load.sh"
export MS_CACHE="${MS_CACHE:-$HOME/.cache/messagestack}"
export KUBE_API_TEST_DIR="${KUBE_API_TEST_DIR:-$MS_CACHE/kube-api-test}"
K8S_V="${K8S_VERSION#v}"                       # 1.34.4
K8S_CACHE="$MS_CACHE/k8s/$K8S_VERSION"         # binaries + images, keyed by version
export PATH="$K8S_CACHE/bin:$MS_CACHE/kind/$KIND_VERSION/bin:/usr/local/go/bin:$PATH"

_script_t0=$SECONDS
_phase_name=""
_phase_t0=$SECONDS

log() { echo "[$(date +%H:%M:%S)] ${LOG_PREFIX:-lab}: $*"; }
die() { printf "[%s] %s: ERROR: %b\n" "$(date +%H:%M:%S)" "${LOG_PREFIX:-lab}" "$*" >&2; exit 1; }

phase() {
  phase_end
  _phase_name="$1"; _phase_t0=$SECONDS
  log "--> $1"
}
phase_end() {
  if [ -n "$_phase_name" ]; then
    log "<-- $_phase_name done in $((SECONDS - _phase_t0))s"
    _phase_name=""
  fi
}
finish() {
  phase_end
  log "total $((SECONDS - _script_t0))s"
}

need_root() {
  [ "$(id -u)" = 0 ] || die "this step installs packages or configures Docker; run it as root (sudo make $*)"
}

# apt_install PKG... : installs the Debian packages that are missing, nothing else.
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  need_root apt
  log "installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null \
    || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
         DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; } \
    || die "apt-get install ${missing[*]} failed; check the Debian mirror in /etc/apt/sources.list*"
}

docker_ok() { docker info >/dev/null 2>&1; }
need_docker() { docker_ok || die "Docker does not answer; run 'make docker' first"; }

# The Debian mirror this machine uses (offline images must use the same one).
debian_mirror() {
  local m
  m=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
  [ -n "$m" ] || m=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -1 || true)
  echo "${m:-http://deb.debian.org/debian}"
}

# Can this machine pull public images? (a user's laptop: yes; our build machines: no)
# Decided once per run; LAB_ONLINE=1/0 overrides.
registry_reachable() {
  if [ -n "${LAB_ONLINE:-}" ]; then [ "$LAB_ONLINE" = 1 ]; return; fi
  local rc=0
  timeout 8 curl -fsS -o /dev/null https://registry-1.docker.io/v2/ 2>/dev/null || rc=$?
  # 401 from the registry still means it answers; curl -f turns it into 22.
  [ "$rc" = 0 ] || [ "$rc" = 22 ]
}

# The kind node image: kind's published one when a registry answers, else ours (node-image.sh).
# The chosen path is remembered per version so every later step agrees.
KIND_ONLINE_NODE_IMAGE="${KIND_ONLINE_NODE_IMAGE:-kindest/node:v1.34.0}"
OFFLINE_NODE_IMAGE="messagestack/kind-node:$K8S_VERSION"
node_image_name() {
  if [ -n "${NODE_IMAGE:-}" ]; then echo "$NODE_IMAGE"; return; fi
  local f="$MS_CACHE/lab/path-$K8S_VERSION"
  if [ ! -f "$f" ]; then
    mkdir -p "$(dirname "$f")"
    if registry_reachable; then echo online > "$f"; else echo offline > "$f"; fi
  fi
  if [ "$(cat "$f")" = online ]; then echo "$KIND_ONLINE_NODE_IMAGE"; else echo "$OFFLINE_NODE_IMAGE"; fi
}
