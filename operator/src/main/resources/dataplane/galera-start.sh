#!/usr/bin/env bash
# galera-start.sh: the database container's entry point in every MessageStack database pod.
#
# It decides, and says in one log line, whether this node
#   - bootstraps a NEW cluster (empty datadir, ordinal 0, no peer holds data or a Primary component),
#   - joins the Primary component of its peers (every normal start and restart), or
#   - after a full crash (data present, no Primary peer) records its last committed position in
#     $DATADIR/messagestack-recovery.json and waits until a Primary peer appears (then joins) or
#     the marker $DATADIR/messagestack-bootstrap appears (then bootstraps from its own data).
#     The marker is written by the galera-agent's POST /bootstrap, on the operator's choice.
# It runs with MariaDB 10.11 (mariadbd) and Percona XtraDB Cluster 8.0 (mysqld): the server
# binary, Galera provider and SST method are detected from what the image contains.
#
# Environment (set by the operator; see docs/dataplane.md):
#   POD_NAME, PEER_SERVICE, REPLICAS, POD_NAMESPACE, CLUSTER_NAME, ENGINE (checked if set),
#   MYSQL_ROOT_PASSWORD, MONITOR_USER, MONITOR_PASSWORD, APP_DATABASE, APP_USER, APP_PASSWORD,
#   POD_IP (optional: wsrep_node_address; default: the container hostname's address), CLUSTER_DOMAIN (cluster.local).
# Overrides (tests, unusual layouts): DATADIR (/var/lib/mysql), CONF_DIR (/etc/messagestack/conf.d),
#   RUN_DIR (/tmp/messagestack-galera), GALERA_PEERS (comma list of gcomm host[:port]),
#   GALERA_PEER_AGENTS (comma list of agent host:port), AGENT_PORT (9200), ORDINAL,
#   NODE_ADDRESS, RECOVERY_POLL_SECONDS (2), SERVER_START_TIMEOUT (600), DRAIN_TIMEOUT_SECONDS (15).
#
# `galera-start.sh drain` (the container's preStop hook) writes $DATADIR/messagestack-draining, so the
# galera-agent's /health answers 503 and HAProxy moves the writer to another node and cuts this
# node's sessions; it returns when no session of APP_USER is left (or after DRAIN_TIMEOUT_SECONDS),
# and only then does Kubernetes send the stop signal to the server.
set -euo pipefail

DATADIR=${DATADIR:-/var/lib/mysql}
CONF_DIR=${CONF_DIR:-/etc/messagestack/conf.d}
RUN_DIR=${RUN_DIR:-/tmp/messagestack-galera}
AGENT_PORT=${AGENT_PORT:-9200}
RECOVERY_POLL_SECONDS=${RECOVERY_POLL_SECONDS:-2}
SERVER_START_TIMEOUT=${SERVER_START_TIMEOUT:-600}
NODE_NAME=${POD_NAME:-$(cat /proc/sys/kernel/hostname)}
RECOVERY_FILE="$DATADIR/messagestack-recovery.json"
BOOTSTRAP_MARKER="$DATADIR/messagestack-bootstrap"
# Written by `galera-start.sh drain` (the preStop hook): the galera-agent answers 503 while it exists.
DRAIN_MARKER="$DATADIR/messagestack-draining"
DRAIN_TIMEOUT_SECONDS=${DRAIN_TIMEOUT_SECONDS:-15}
# A running server outside the Primary component while a peer's agent reports one has failed to join
# (e.g. "IST didn't contain all write sets ... node restart required": Galera leaves the group on purpose
# and the server stays up, refusing writes forever). After this many seconds the script stops it and
# starts over (a fresh join); after REJOIN_LIMIT such restarts in a row it exits so the kubelet's back-off
# takes over. A partitioned node reaches no peer agent, so it is left alone and re-merges after the heal.
STUCK_SECONDS=${STUCK_SECONDS:-20}
REJOIN_LIMIT=${REJOIN_LIMIT:-3}
STOP_TIMEOUT_SECONDS=${STOP_TIMEOUT_SECONDS:-15}
REJOIN_ATTEMPT=${MESSAGESTACK_REJOIN_ATTEMPT:-0}
INITIALIZED_MARKER="$DATADIR/messagestack-initialized"
# The cluster uuid Galera writes to grastate.dat while a state transfer into this node runs.
ZERO_UUID=00000000-0000-0000-0000-000000000000
T0=$SECONDS

# ---------------------------------------------------------------- logging
# logfmt lines: ts, level, component, node, elapsed seconds, msg, then key=value pairs.
log() {
  local level=$1 msg=$2; shift 2
  local kv=""
  for pair in "$@"; do kv+=" ${pair%%=*}=\"${pair#*=}\""; done
  printf 'ts=%s level=%s component=galera-start node=%s elapsed=%ss msg="%s"%s\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$level" "$NODE_NAME" "$((SECONDS - T0))" "$msg" "$kv"
}
info() { log info "$@"; }
warn() { log warn "$@"; }
die() { log error "$@"; exit 1; }

# ---------------------------------------------------------------- engine detection
detect_engine() {
  if command -v mariadbd >/dev/null; then
    SERVER=$(command -v mariadbd); KIND=mariadb-galera
  elif command -v mysqld >/dev/null; then
    SERVER=$(command -v mysqld)
    if "$SERVER" --version 2>/dev/null | grep -qi mariadb; then KIND=mariadb-galera; else KIND=percona-xtradb-cluster; fi
  else
    die "no mariadbd or mysqld in this image" fix="use a MariaDB 10.11 or Percona XtraDB Cluster 8.0 image"
  fi
  if [ -n "${ENGINE:-}" ] && [ "$ENGINE" != "$KIND" ]; then
    die "ENGINE does not match the image" ENGINE="$ENGINE" image="$KIND" fix="set spec.database.image to an image of engine $ENGINE"
  fi
  PROVIDER=""
  for p in /usr/lib/galera/libgalera_smm.so /usr/lib64/galera4/libgalera_smm.so /usr/lib/galera4/libgalera_smm.so \
           /usr/lib64/galera/libgalera_smm.so /usr/lib/libgalera_smm.so; do
    if [ -e "$p" ]; then PROVIDER=$p; break; fi
  done
  [ -n "$PROVIDER" ] || die "no Galera provider (libgalera_smm.so) in this image" fix="install galera-4 in the image"
  if [ "$KIND" = percona-xtradb-cluster ]; then
    SST=xtrabackup-v2
    CLIENT=$(command -v mysql || true); ADMIN=$(command -v mysqladmin || true)
  else
    # mariabackup first: it copies from a donor that keeps taking writes (an rsync SST blocks its donor's
    # commits for the whole copy, and the donor may be HAProxy's writer: 99 failed requests while a new
    # node joined, chaos/notes/scale-db-3-5-3.md). It needs socat and a password for the donor's backup.
    if { command -v mariadb-backup >/dev/null || command -v mariabackup >/dev/null; } \
        && command -v socat >/dev/null && [ -n "${MYSQL_ROOT_PASSWORD:-}" ]; then SST=mariabackup
    elif command -v rsync >/dev/null; then SST=rsync
    else die "no SST tool (mariabackup with socat, or rsync) in this image" fix="install mariadb-backup and socat in the image"; fi
    CLIENT=$(command -v mariadb || command -v mysql || true); ADMIN=$(command -v mariadb-admin || command -v mysqladmin || true)
  fi
  [ -n "$CLIENT" ] && [ -n "$ADMIN" ] || die "no SQL client in this image" fix="install the mariadb/mysql client"
}

# ---------------------------------------------------------------- identity and peers
# Names and passwords go into SQL; refuse anything that would need quoting as an identifier.
check_name() { [[ ${!1:-} =~ ^[A-Za-z0-9_.-]{1,64}$ ]] || die "$1 is missing or not a plain name" value="${!1:-}" fix="use letters, digits, _ . - only"; }

identity() {
  if [ -n "${ORDINAL:-}" ]; then :;
  elif [[ $NODE_NAME =~ -([0-9]+)$ ]]; then ORDINAL=${BASH_REMATCH[1]};
  else die "cannot tell this pod's ordinal from POD_NAME" POD_NAME="$NODE_NAME" fix="run in a StatefulSet or set ORDINAL"; fi
  STS=${NODE_NAME%-*}
  PEERS=(); AGENTS=()
  if [ -n "${GALERA_PEERS:-}" ]; then
    IFS=, read -r -a PEERS <<<"$GALERA_PEERS"
  else
    [ -n "${PEER_SERVICE:-}" ] || die "PEER_SERVICE is not set" fix="set it to the headless Service of the StatefulSet, or set GALERA_PEERS"
    [[ ${REPLICAS:-} =~ ^[0-9]+$ ]] && [ "$REPLICAS" -ge 1 ] || die "REPLICAS is missing or not a number" value="${REPLICAS:-}"
    local domain=$PEER_SERVICE
    # Fully qualified when the namespace is known, so that resolv.conf search lists do not matter.
    if [ -n "${POD_NAMESPACE:-}" ]; then domain="$PEER_SERVICE.$POD_NAMESPACE.svc.${CLUSTER_DOMAIN:-cluster.local}"; fi
    for ((i = 0; i < REPLICAS; i++)); do PEERS+=("$STS-$i.$domain"); done
  fi
  if [ -n "${GALERA_PEER_AGENTS:-}" ]; then
    IFS=, read -r -a AGENTS <<<"$GALERA_PEER_AGENTS"
  else
    for p in "${PEERS[@]}"; do
      [ "${p%%.*}" = "$NODE_NAME" ] && continue   # our own agent knows nothing a peer needs
      AGENTS+=("${p%%:*}:$AGENT_PORT")
    done
  fi
  CLUSTER_ADDRESS="gcomm://$(IFS=,; echo "${PEERS[*]}")"
  # The container's own hostname is in /etc/hosts (Kubernetes and Docker write it there).
  NODE_ADDRESS=${NODE_ADDRESS:-${POD_IP:-$(timeout 2 getent hosts "$(cat /proc/sys/kernel/hostname)" 2>/dev/null | awk '{print $1; exit}')}}
}

# ---------------------------------------------------------------- configuration
write_config() {
  mkdir -p "$RUN_DIR"
  chmod 700 "$RUN_DIR"
  local socket=/run/mysqld/mysqld.sock
  [ -w /run/mysqld ] || socket="$RUN_DIR/mysqld.sock"
  umask 077
  {
    echo "# generated by galera-start.sh; settings in $CONF_DIR override these"
    echo "[mysqld]"
    echo "datadir=$DATADIR"
    echo "socket=$socket"
    echo "pid-file=$RUN_DIR/mysqld.pid"
    echo "port=3306"
    echo "bind-address=0.0.0.0"
    echo "skip-name-resolve"
    echo "binlog_format=ROW"
    echo "default_storage_engine=InnoDB"
    echo "innodb_autoinc_lock_mode=2"
    echo "wsrep_on=ON"
    echo "wsrep_provider=$PROVIDER"
    echo "wsrep_cluster_address=$CLUSTER_ADDRESS"
    echo "wsrep_cluster_name=${CLUSTER_NAME:-messagestack}"
    echo "wsrep_node_name=$NODE_NAME"
    [ -n "$NODE_ADDRESS" ] && echo "wsrep_node_address=$NODE_ADDRESS"
    echo "wsrep_sst_method=$SST"
    if [ "$SST" = mariabackup ] && [ -n "${MYSQL_ROOT_PASSWORD:-}" ]; then
      # mariabackup connects to the donor as a user; this file is private to the container (RUN_DIR is 0700).
      echo "wsrep_sst_auth=root:$MYSQL_ROOT_PASSWORD"
    fi
    if [ "$KIND" = percona-xtradb-cluster ]; then
      echo "pxc_strict_mode=ENFORCING"
      # PXC 8.0 encrypts cluster traffic by default, which needs the same CA on every node;
      # the operator renders TLS settings into conf.d when it provides certificates.
      echo "pxc-encrypt-cluster-traffic=OFF"
    fi
    echo "[client]"
    echo "socket=$socket"
    if [ -d "$CONF_DIR" ]; then echo "!includedir $CONF_DIR"; fi
  } >"$RUN_DIR/my.cnf"
  [ -d "$CONF_DIR" ] || warn "config directory missing; running with defaults only" CONF_DIR="$CONF_DIR"
  # The effective values (conf.d may override them).
  DATADIR=$(effective mysqld datadir "$DATADIR")
  SOCKET=$(effective mysqld socket "$socket")
  RECOVERY_FILE="$DATADIR/messagestack-recovery.json"
  BOOTSTRAP_MARKER="$DATADIR/messagestack-bootstrap"
  INITIALIZED_MARKER="$DATADIR/messagestack-initialized"
}

effective() { # group option default
  local v
  v=$(my_print_defaults --defaults-file="$RUN_DIR/my.cnf" "$1" 2>/dev/null | sed -n "s/^--$2=//p" | tail -1)
  echo "${v:-$3}"
}

client_config() { # file password
  local pw=${2//\\/\\\\}; pw=${pw//\"/\\\"}
  (umask 077; printf '[client]\nuser=root\npassword="%s"\nsocket=%s\n' "$pw" "$SOCKET" >"$1")
}

as_mysql_args() { [ "$(id -u)" = 0 ] && echo "--user=mysql" || true; }

# ---------------------------------------------------------------- state of the datadir
has_data() { [ -d "$DATADIR/mysql" ] || [ -s "$DATADIR/grastate.dat" ]; }

read_grastate() {
  GS_UUID=""; GS_SEQNO=-1; GS_SAFE=0
  [ -f "$DATADIR/grastate.dat" ] || return 0
  GS_UUID=$(sed -n 's/^uuid:[[:space:]]*//p' "$DATADIR/grastate.dat" | tail -1)
  GS_SEQNO=$(sed -n 's/^seqno:[[:space:]]*//p' "$DATADIR/grastate.dat" | tail -1)
  GS_SAFE=$(sed -n 's/^safe_to_bootstrap:[[:space:]]*//p' "$DATADIR/grastate.dat" | tail -1)
  [[ $GS_SEQNO =~ ^-?[0-9]+$ ]] || GS_SEQNO=-1
  [ "$GS_SAFE" = 1 ] || GS_SAFE=0
}

# Position from InnoDB when grastate.dat does not know it (seqno -1 after a crash). Sets
# REC_UUID/REC_SEQNO when the log has a position, else RECOVER_ERROR (why not).
wsrep_recover() {
  local logf="$RUN_DIR/wsrep-recover.log" line
  info "running --wsrep-recover to find the last committed position" reason="grastate.dat seqno is -1" attempt="$REC_ATTEMPTS"
  rm -f "$logf"
  RECOVER_ERROR=""
  # shellcheck disable=SC2046
  if ! "$SERVER" --defaults-file="$RUN_DIR/my.cnf" $(as_mysql_args) --wsrep-recover --log-error="$logf" >/dev/null 2>&1; then
    warn "--wsrep-recover failed" log="$(tail -5 "$logf" 2>/dev/null | tr '\n"' ' _')"
  fi
  line=$(grep -Eo 'Recovered position:?[[:space:]]*[0-9a-f-]{36}:-?[0-9]+' "$logf" 2>/dev/null | tail -1 || true)
  if [ -n "$line" ]; then
    REC_UUID=$(echo "$line" | grep -Eo '[0-9a-f-]{36}')
    REC_SEQNO=${line##*:}
  fi
  if [ "$REC_SEQNO" = -1 ] || [ -z "$REC_UUID" ] || [ "$REC_UUID" = "$ZERO_UUID" ]; then
    RECOVER_ERROR=$(grep -m1 -E '\[ERROR\]' "$logf" 2>/dev/null | cut -c1-240 || true)
    RECOVER_ERROR="--wsrep-recover found no position (${line:-no 'Recovered position' line})${RECOVER_ERROR:+: $RECOVER_ERROR}"
    REC_SEQNO=-1
  fi
}

# This node's position, in REC_UUID/REC_SEQNO/REC_SOURCE and REC_STATE:
#   waiting    the position is known (grastate.dat, or --wsrep-recover);
#   needs-sst  grastate.dat has the zero uuid: Galera writes it when a state transfer starts and
#              replaces it when the transfer completes, so the InnoDB files are a partial copy and
#              whatever --wsrep-recover reads from them is no position of the cluster's history
#              (mariadb-operator issue 1108 bootstrapped from such a node and lost every database).
# An unknown position is never recorded as -1: --wsrep-recover is retried with backoff (3 s,
# doubling to 60 s), and each failure is published as state "recovering" with the error, so the
# operator waits and says why. A Primary peer ends the wait (the node joins it).
recovered_position() {
  read_grastate
  REC_UUID=$GS_UUID; REC_SEQNO=$GS_SEQNO; REC_SOURCE=grastate; REC_STATE=waiting; REC_ERROR=""; REC_ATTEMPTS=0
  if [ "$GS_UUID" = "$ZERO_UUID" ]; then
    REC_STATE=needs-sst; REC_SEQNO=-1
    REC_ERROR="grastate.dat has the zero uuid: a state transfer did not finish; this node's data is no bootstrap source"
    warn "unfinished state transfer" reason="$REC_ERROR"
    return 0
  fi
  if [ "$GS_SEQNO" = -1 ]; then
    REC_SOURCE=wsrep-recover
    local delay=3 peer donor
    while true; do
      REC_ATTEMPTS=$((REC_ATTEMPTS + 1))
      wsrep_recover
      [ -z "$RECOVER_ERROR" ] && break
      # A pod that was force-deleted may still be dying on this node and hold the InnoDB lock on the
      # same volume; a disk may be slow to attach. Keep trying, and say why.
      REC_STATE=recovering; REC_ERROR=$RECOVER_ERROR; REC_UUID=$GS_UUID
      write_recovery_file
      warn "position not recovered; retrying" state=recovering attempt="$REC_ATTEMPTS" retry_in="${delay}s" error="$(printf '%s' "$REC_ERROR" | tr '"' _)"
      if read -r peer donor < <(primary_peer); then
        join_cluster "position unknown ($REC_ERROR); peer agent $peer reports a Primary component" "$donor"
      fi
      sleep "$delay" & wait $! || true
      delay=$((delay * 2)); [ "$delay" -le 60 ] || delay=60
    done
    REC_STATE=waiting; REC_ERROR=""
    # A marker written while the position was unknown (an older agent accepts one) was decided without
    # this node's position: it must not make the node bootstrap now.
    if [ "$REC_ATTEMPTS" -gt 1 ] && [ -e "$BOOTSTRAP_MARKER" ]; then
      warn "removing a bootstrap marker written while the position was unknown" marker="$BOOTSTRAP_MARKER"
      rm -f "$BOOTSTRAP_MARKER"
    fi
  fi
  info "recovered position" uuid="$REC_UUID" seqno="$REC_SEQNO" source="$REC_SOURCE" safe_to_bootstrap="$GS_SAFE" attempts="$REC_ATTEMPTS"
}

# The recovery file the agent serves in /state (recovered). seqno is null unless the position is
# known (state waiting); safeToBootstrap only then.
write_recovery_file() {
  local safe=false seqno=null err
  if [ "$REC_STATE" = waiting ]; then
    [ "$GS_SAFE" = 1 ] && safe=true
    [[ $REC_SEQNO =~ ^[0-9]+$ ]] && seqno=$REC_SEQNO
  fi
  err=$(printf '%s' "${REC_ERROR:-}" | tr -d '"\\' | tr -c '[:print:]' ' ')
  printf '{"uuid":"%s","seqno":%s,"safeToBootstrap":%s,"source":"%s","state":"%s","error":"%s","attempts":%s,"node":"%s","time":"%s"}\n' \
    "$REC_UUID" "$seqno" "$safe" "$REC_SOURCE" "$REC_STATE" "$err" "${REC_ATTEMPTS:-0}" "$NODE_NAME" \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$RECOVERY_FILE.tmp"
  mv -f "$RECOVERY_FILE.tmp" "$RECOVERY_FILE"
}

# ---------------------------------------------------------------- peers' agents
# http_get host:port path -> sets HTTP_CODE, HTTP_BODY. Plain bash, so it works in any image.
http_get() {
  local host=${1%:*} port=${1##*:} out
  HTTP_CODE=000; HTTP_BODY=""
  out=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n" "$2" "$0" >&3
    cat <&3' "$host" "$port" "$2" 2>/dev/null) || return 1
  HTTP_CODE=$(printf '%s' "$out" | head -1 | awk '{print $2}')
  HTTP_BODY=$(printf '%s' "$out" | sed '1,/^\r\{0,1\}$/d')
}

# Prints "<agent> <node name>" of a peer whose server is in the Primary component (the node name, from the
# same /state answer, may be missing): a Synced one (ready) first, since it becomes the preferred donor of
# a joiner (see join_cluster), else the first Primary one. Highest ordinal first: HAProxy writes to the
# lowest healthy ordinal, and a donor leaves Synced for the transfer (its /health answers 503), which
# would move the writer and cut its sessions. Read it with: read -r peer donor < <(primary_peer)
primary_peer() {
  local a first="" i node
  for ((i = ${#AGENTS[@]} - 1; i >= 0; i--)); do
    a=${AGENTS[$i]}
    if http_get "$a" /state && [ "$HTTP_CODE" = 200 ] && [[ $HTTP_BODY == *'"clusterStatus":"Primary"'* ]]; then
      node=""; [[ $HTTP_BODY =~ \"node\":\"([A-Za-z0-9_.-]+)\" ]] && node=${BASH_REMATCH[1]}
      if [[ $HTTP_BODY == *'"ready":true'* ]]; then echo "$a $node"; return 0; fi
      [ -n "$first" ] || first="$a $node"
    fi
  done
  [ -n "$first" ] && echo "$first"
}

# May ordinal 0 create a NEW cluster? Only when every peer's agent answers and none reports data
# (a uuid in grastate.dat, a running server, or a wait for recovery). A peer that does not answer
# may hold the cluster's data (its pod is not scheduled yet): creating a new cluster then would
# let it join the empty one and lose its data by state transfer. Sets NEW_CLUSTER_BLOCKER to
# the reason when not, or to "" when yes.
check_new_cluster_allowed() {
  local a silent=() with_data=()
  for a in "${AGENTS[@]}"; do
    if ! http_get "$a" /state || [ "$HTTP_CODE" != 200 ]; then silent+=("$a"); continue; fi
    if [[ $HTTP_BODY == *'"running":true'* ]] || [[ $HTTP_BODY == *'"waitingForDecision":true'* ]] ||
       { [[ $HTTP_BODY =~ \"uuid\":\"([0-9a-f-]+)\" ]] && [ "${BASH_REMATCH[1]}" != 00000000-0000-0000-0000-000000000000 ]; }; then
      with_data+=("$a")
    fi
  done
  NEW_CLUSTER_BLOCKER=""
  if [ ${#with_data[@]} -gt 0 ]; then
    NEW_CLUSTER_BLOCKER="peers hold data of an existing cluster: ${with_data[*]} (this node's volume was lost; it joins once a peer forms a Primary component)"
  elif [ ${#silent[@]} -gt 0 ]; then
    NEW_CLUSTER_BLOCKER="peer agents do not answer yet: ${silent[*]} (a new cluster is created only when every peer answers without data)"
  fi
}

# ---------------------------------------------------------------- server process
SERVER_PID=""
on_term() {
  info "received a stop signal" action="$([ -n "$SERVER_PID" ] && echo "stopping the server" || echo "exiting")"
  if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; else exit 143; fi
}
trap on_term TERM INT

start_server() { # mode extra-args...
  local mode=$1; shift
  mkdir -p "$(dirname "$SOCKET")" 2>/dev/null || true
  info "starting $(basename "$SERVER")" mode="$mode" args="$*"
  # shellcheck disable=SC2046
  "$SERVER" --defaults-file="$RUN_DIR/my.cnf" $(as_mysql_args) "$@" &
  SERVER_PID=$!
}

# Waits for the server to exit and exits with its status (the container ends with it), unless the
# watchdog stopped it: then the script starts over in the same process (a fresh decision and join).
wait_server() {
  local rc=0
  watch_membership &
  local watchdog=$!
  while kill -0 "$SERVER_PID" 2>/dev/null; do
    wait "$SERVER_PID" && rc=0 || rc=$?
  done
  kill "$watchdog" 2>/dev/null || true
  info "server exited" status="$rc"
  if [ -e "$RUN_DIR/stuck-outside-primary" ]; then
    rm -f "$RUN_DIR/stuck-outside-primary"
    if [ "$REJOIN_ATTEMPT" -lt "$REJOIN_LIMIT" ]; then
      info "starting over to join afresh" attempt="$((REJOIN_ATTEMPT + 1))" limit="$REJOIN_LIMIT"
      MESSAGESTACK_REJOIN_ATTEMPT=$((REJOIN_ATTEMPT + 1)) exec "$BASH" "$0"
    fi
    die "the server failed to stay in the Primary component $REJOIN_LIMIT times in a row; exiting so the container restarts with back-off"
  fi
  exit "$rc"
}

cluster_status() {
  echo "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_status'" |
    "$CLIENT" --defaults-extra-file="$RUN_DIR/watchdog.cnf" --batch --skip-column-names 2>/dev/null | awk '{print $2}'
}

# Background watchdog of a running server (see STUCK_SECONDS). It only acts when the server answers,
# says it is not in the Primary component, and a peer's agent reports a Primary component.
watch_membership() {
  local since="" status peer
  trap - TERM INT
  client_config "$RUN_DIR/watchdog.cnf" "${MYSQL_ROOT_PASSWORD:-}"
  while kill -0 "$SERVER_PID" 2>/dev/null; do
    sleep 3
    status=$(cluster_status || true)
    if [ -z "$status" ] || [ "$status" = Primary ] || ! read -r peer _ < <(primary_peer); then since=""; continue; fi
    [ -n "$since" ] || { since=$SECONDS; info "outside the Primary component while a peer has one" status="$status" peer="$peer"; }
    if [ $((SECONDS - since)) -ge "$STUCK_SECONDS" ]; then
      warn "stopping the server: it stayed outside the Primary component while peer $peer reports one" \
        status="$status" for="$((SECONDS - since))s" action="stop the server, then join afresh"
      : >"$RUN_DIR/stuck-outside-primary"
      kill -TERM "$SERVER_PID" 2>/dev/null || true
      # A server that left the group this way can hang in its shutdown ("initialized -> disconnecting",
      # seen on kind): kill it after STOP_TIMEOUT_SECONDS; the next start recovers its position with --wsrep-recover.
      local deadline=$((SECONDS + STOP_TIMEOUT_SECONDS))
      while kill -0 "$SERVER_PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 1; done
      if kill -0 "$SERVER_PID" 2>/dev/null; then
        warn "the server did not stop within ${STOP_TIMEOUT_SECONDS}s; killing it" action="SIGKILL"
        kill -KILL "$SERVER_PID" 2>/dev/null || true
      fi
      return 0
    fi
  done
}

sql_root() { # [client args] < sql; tries the root password, then an empty one (a fresh datadir)
  local sql; sql=$(cat)
  client_config "$RUN_DIR/root.cnf" "$MYSQL_ROOT_PASSWORD"
  client_config "$RUN_DIR/root-nopw.cnf" ""
  if printf '%s' "$sql" | "$CLIENT" --defaults-extra-file="$RUN_DIR/root.cnf" --batch "$@" 2>"$RUN_DIR/sql.err"; then
    return 0
  fi
  printf '%s' "$sql" | "$CLIENT" --defaults-extra-file="$RUN_DIR/root-nopw.cnf" --batch "$@" 2>>"$RUN_DIR/sql.err"
}

wait_for_sql() {
  local deadline=$((SECONDS + SERVER_START_TIMEOUT))
  while ! echo "SELECT 1" | sql_root >/dev/null 2>&1; do
    kill -0 "$SERVER_PID" 2>/dev/null || { warn "server exited before it answered"; wait_server; }
    [ $SECONDS -lt $deadline ] || die "server did not answer SQL within ${SERVER_START_TIMEOUT}s" errors="$(tail -2 "$RUN_DIR/sql.err" | tr '\n"' ' _')"
    sleep 1
  done
}

sql_str() { local s=${1//\\/\\\\}; s=${s//\'/\\\'}; printf "'%s'" "$s"; }

# Users and the app database; safe to run on every bootstrap (IF NOT EXISTS + ALTER).
setup_users() {
  local mon mon_pw app_pw root_pw drops
  mon=$(sql_str "$MONITOR_USER"); mon_pw=$(sql_str "$MONITOR_PASSWORD"); root_pw=$(sql_str "$MYSQL_ROOT_PASSWORD")
  wait_for_sql
  info "creating users and the app database (idempotent)" monitor="$MONITOR_USER" database="${APP_DATABASE:-}" app_user="${APP_USER:-}"
  drops=$(echo "SELECT CONCAT('DROP USER IF EXISTS ', QUOTE(user), '@', QUOTE(host), ';') FROM mysql.user WHERE user = '' OR (user = 'root' AND host NOT IN ('localhost'));" |
    sql_root --skip-column-names 2>/dev/null | grep '^DROP USER' || true)
  {
    for host in "'%'" "'localhost'"; do
      echo "CREATE USER IF NOT EXISTS $mon@$host IDENTIFIED BY $mon_pw;"
      echo "ALTER USER $mon@$host IDENTIFIED BY $mon_pw;"
      echo "GRANT USAGE, REPLICATION CLIENT, PROCESS ON *.* TO $mon@$host;"
    done
    if [ -n "${APP_DATABASE:-}" ]; then
      local app app_pw
      app=$(sql_str "$APP_USER"); app_pw=$(sql_str "$APP_PASSWORD")
      echo "CREATE DATABASE IF NOT EXISTS \`$APP_DATABASE\`;"
      echo "CREATE USER IF NOT EXISTS $app@'%' IDENTIFIED BY $app_pw;"
      echo "ALTER USER $app@'%' IDENTIFIED BY $app_pw;"
      # Only what schema migrations and the app need, on its own database only.
      echo "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES, CREATE VIEW, SHOW VIEW, LOCK TABLES, CREATE TEMPORARY TABLES ON \`$APP_DATABASE\`.* TO $app@'%';"
    fi
    echo "$drops"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $root_pw;"
  } | sql_root || die "creating users failed" errors="$(tail -3 "$RUN_DIR/sql.err" | tr '\n"' ' _')"
  : >"$INITIALIZED_MARKER"
  rm -f "$RUN_DIR/root-nopw.cnf"
  info "users and app database ready"
}

initialize_datadir() {
  info "initializing an empty datadir" engine="$KIND" datadir="$DATADIR"
  local logf="$RUN_DIR/init.log"
  # shellcheck disable=SC2046
  if [ "$KIND" = percona-xtradb-cluster ]; then
    "$SERVER" --defaults-file="$RUN_DIR/my.cnf" $(as_mysql_args) --initialize-insecure --log-error="$logf" >/dev/null 2>&1 \
      || die "mysqld --initialize-insecure failed" log="$(tail -5 "$logf" | tr '\n"' ' _')"
  else
    local installer
    installer=$(command -v mariadb-install-db || command -v mysql_install_db) || die "mariadb-install-db not found in the image"
    "$installer" --defaults-file="$RUN_DIR/my.cnf" $(as_mysql_args) --datadir="$DATADIR" \
      --auth-root-authentication-method=normal --skip-test-db >"$logf" 2>&1 \
      || die "mariadb-install-db failed" log="$(tail -5 "$logf" | tr '\n"' ' _')"
  fi
}

# ---------------------------------------------------------------- the three ways to start
# gcomm:// list of the peers whose names resolve now: a pod that does not exist (yet) has no DNS
# record, and Galera gives up on an address it cannot resolve.
resolvable_cluster_address() {
  local p ok=()
  for p in "${PEERS[@]}"; do
    if timeout 2 getent hosts "${p%:*}" >/dev/null 2>&1; then ok+=("$p"); fi
  done
  if [ ${#ok[@]} -eq 0 ]; then echo "$CLUSTER_ADDRESS"; else echo "gcomm://$(IFS=,; echo "${ok[*]}")"; fi
}

join_cluster() { # reason [donor: node name of the peer that reported a Primary component]
  CLUSTER_ADDRESS=$(resolvable_cluster_address)
  local args=(--wsrep-cluster-address="$CLUSTER_ADDRESS") donor=${2:-}
  [ "${REC_SEQNO:--1}" != -1 ] && [ -n "${REC_UUID:-}" ] && args+=(--wsrep-start-position="$REC_UUID:$REC_SEQNO")
  # Donor: the node that was Primary when this one decided, then any (the trailing comma). Left to itself, Galera
  # may pick a node that has only just joined; right after a full-crash bootstrap such a donor sent a short IST
  # ("IST didn't contain all write sets ... node restart required") and the joiner left the group (seen on kind
  # and in the image test; chaos/notes/full-db-crash.md). The watchdog (watch_membership) recovers if it happens.
  [ "$donor" = "$NODE_NAME" ] && donor=""   # wsrep_node_name is POD_NAME on every node
  [ -n "$donor" ] && args+=(--wsrep-sst-donor="$donor,")
  info "decision: join" decision=join reason="$1" cluster_address="$CLUSTER_ADDRESS" donor="${donor:-any}"
  rm -f "$RECOVERY_FILE" "$BOOTSTRAP_MARKER"
  start_server join "${args[@]}"
  wait_server
}

bootstrap_new_cluster() {
  info "decision: bootstrap a new cluster" decision=bootstrap-new-cluster reason="empty datadir, ordinal 0, every peer agent answered: no Primary component, no data"
  check_secrets
  has_data || initialize_datadir
  start_server bootstrap-new --wsrep-cluster-address=gcomm:// --wsrep-new-cluster
  setup_users
  wait_server
}

bootstrap_from_recovery() {
  info "decision: bootstrap from this node's data" decision=bootstrap-recovered uuid="$REC_UUID" seqno="$REC_SEQNO" reason="$1"
  # The marker stays until the server is Primary (below): until then a peer's agent that is asked to
  # bootstrap sees it and refuses (galera-agent peers.go). Every start removes a leftover one.
  rm -f "$RECOVERY_FILE"
  if [ -f "$DATADIR/grastate.dat" ]; then
    sed -i 's/^safe_to_bootstrap:.*/safe_to_bootstrap: 1/' "$DATADIR/grastate.dat"
  fi
  local args=(--wsrep-cluster-address=gcomm:// --wsrep-new-cluster)
  [ "$REC_SEQNO" != -1 ] && [ -n "$REC_UUID" ] && args+=(--wsrep-start-position="$REC_UUID:$REC_SEQNO")
  start_server bootstrap-recovered "${args[@]}"
  setup_users
  rm -f "$BOOTSTRAP_MARKER"
  wait_server
}

check_secrets() {
  check_name MONITOR_USER
  [ -n "${MONITOR_PASSWORD:-}" ] || die "MONITOR_PASSWORD is not set" fix="mount the db-credentials Secret key monitor"
  [ -n "${MYSQL_ROOT_PASSWORD:-}" ] || die "MYSQL_ROOT_PASSWORD is not set" fix="mount the db-credentials Secret key root"
  if [ -n "${APP_DATABASE:-}" ]; then
    [[ $APP_DATABASE =~ ^[A-Za-z0-9_]{1,64}$ ]] || die "APP_DATABASE is not a plain database name" value="$APP_DATABASE"
    check_name APP_USER
    [ -n "${APP_PASSWORD:-}" ] || die "APP_PASSWORD is not set" fix="mount the db-credentials Secret key app"
  fi
}

# Waits for a Primary peer (then joins). mode=recovery: also for the bootstrap marker (then
# bootstraps from this node's data). mode=new: ordinal 0 with an empty datadir, also creates a new
# cluster as soon as check_new_cluster_allowed says so. mode=join: only waits for a Primary peer.
wait_for_decision() { # mode
  local mode=$1 next_note=$SECONDS peer donor
  while true; do
    if read -r peer donor < <(primary_peer); then
      join_cluster "peer agent $peer reports a Primary component" "$donor"
    fi
    if [ "$mode" = recovery ] && [ -e "$BOOTSTRAP_MARKER" ]; then
      bootstrap_from_recovery "bootstrap marker present (POST /bootstrap)"
    fi
    if [ "$mode" = new ]; then
      check_new_cluster_allowed
      [ -n "$NEW_CLUSTER_BLOCKER" ] || bootstrap_new_cluster
    fi
    if [ $SECONDS -ge $next_note ]; then
      case $mode in
        recovery)
          info "waiting: no Primary peer and no bootstrap marker" waiting=recovery uuid="$REC_UUID" seqno="$REC_SEQNO" \
            hint="the operator bootstraps the most advanced node; by hand: curl -X POST http://<this pod>:$AGENT_PORT/bootstrap" ;;
        new)
          info "waiting before creating a new cluster" waiting=new-cluster reason="$NEW_CLUSTER_BLOCKER" ;;
        *)
          info "waiting for a Primary peer to join" waiting=primary-peer ordinal="$ORDINAL" agents="$(IFS=,; echo "${AGENTS[*]}")" ;;
      esac
      next_note=$((SECONDS + 30))
    fi
    sleep "$RECOVERY_POLL_SECONDS" & wait $! || true
  done
}

main() {
  detect_engine
  identity
  write_config
  [ -w "$DATADIR" ] || die "datadir is not writable" datadir="$DATADIR" user="$(id -un)" fix="mount the volume with fsGroup or chown it to the mysql user"
  info "starting" engine="$KIND" server="$SERVER" provider="$PROVIDER" sst="$SST" ordinal="$ORDINAL" \
    cluster_address="$CLUSTER_ADDRESS" node_address="$NODE_ADDRESS" datadir="$DATADIR" conf_dir="$CONF_DIR"
  # A marker or recovery file from an earlier run is stale: decisions are made afresh now.
  rm -f "$BOOTSTRAP_MARKER" "$RECOVERY_FILE" "$DRAIN_MARKER" "$RUN_DIR/stuck-outside-primary"
  REC_UUID=""; REC_SEQNO=-1; REC_SOURCE=none; REC_STATE=waiting; REC_ERROR=""; REC_ATTEMPTS=0

  local peer donor
  if ! has_data; then
    if read -r peer donor < <(primary_peer); then
      join_cluster "empty datadir; peer agent $peer reports a Primary component (state transfer follows)" "$donor"
    fi
    if [ "$ORDINAL" = 0 ]; then
      wait_for_decision new
    fi
    wait_for_decision join
  fi

  if [ "$ORDINAL" = 0 ] && [ ! -e "$INITIALIZED_MARKER" ] && [ ! -s "$DATADIR/grastate.dat" ]; then
    # A first bootstrap stopped before the server ever ran (no grastate.dat): finish creating
    # the new cluster, under the same rule as for an empty datadir.
    info "datadir from an unfinished first bootstrap" reason="no $(basename "$INITIALIZED_MARKER") and no grastate.dat"
    wait_for_decision new
  fi

  recovered_position
  if read -r peer donor < <(primary_peer); then
    join_cluster "restart; peer agent $peer reports a Primary component" "$donor"
  fi
  if [ "$REC_STATE" = needs-sst ]; then
    # Never a bootstrap source, whatever it is told: it waits for a Primary peer and joins it.
    write_recovery_file
    info "no Primary peer: unfinished state transfer, waiting for a Primary peer to join" decision=wait-primary \
      uuid="$REC_UUID" state="$REC_STATE" recovery_file="$RECOVERY_FILE"
    wait_for_decision join
  fi
  if [ -z "${GALERA_PEERS:-}" ] && [ "${REPLICAS:-0}" = 1 ]; then
    bootstrap_from_recovery "single-node cluster (REPLICAS=1): no peer can hold newer data"
  fi
  write_recovery_file
  info "no Primary peer: full-cluster recovery, waiting for a decision" decision=wait-recovery \
    uuid="$REC_UUID" seqno="$REC_SEQNO" source="$REC_SOURCE" recovery_file="$RECOVERY_FILE"
  wait_for_decision recovery
}

# ---------------------------------------------------------------- drain (preStop)
app_sessions() {
  local user; user=$(sql_str "${APP_USER:-}")
  echo "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = $user;" | sql_root --skip-column-names 2>/dev/null | tail -1
}

drain() {
  detect_engine
  # The running server's socket, from the config the start script wrote for it.
  SOCKET=/run/mysqld/mysqld.sock
  [ -f "$RUN_DIR/my.cnf" ] && SOCKET=$(effective mysqld socket "$SOCKET")
  if ! : >"$DRAIN_MARKER"; then
    warn "drain: cannot write the drain marker; stopping without a drain" marker="$DRAIN_MARKER"
    return 0
  fi
  info "draining: the agent reports 503 so HAProxy moves the writes to another node" marker="$DRAIN_MARKER" timeout="${DRAIN_TIMEOUT_SECONDS}s"
  local deadline=$((SECONDS + DRAIN_TIMEOUT_SECONDS)) n
  while true; do
    n=$(app_sessions || true)
    if [ -z "$n" ]; then
      info "drain: the server does not answer; nothing to drain"; return 0
    fi
    if [ "$n" = 0 ]; then
      info "drain: no application session left; the server may stop" waited="$((SECONDS - T0))s"; return 0
    fi
    if [ $SECONDS -ge $deadline ]; then
      warn "drain: sessions still open after the timeout; stopping anyway" sessions="$n"; return 0
    fi
    sleep 0.5
  done
}

if [ "${1:-}" = drain ]; then
  drain
  exit 0
fi

main "$@"
