#!/usr/bin/env bash
# Starts a three-node MariaDB Galera cluster on loopback with HAProxy in front in the
# single-writer layout the operator deploys (n1 active, n2/n3 backup), for the message-api
# Galera tests and the benchmark.
#   SQL:     n1 127.0.0.1:33311, n2 :33312, n3 :33313; HAProxy writer endpoint :33310
#   health:  per-node HTTP check on :39201..39203 (200 when Synced+Primary), used by HAProxy
# Safe to run twice: it starts only what is not running. A node that was killed rejoins the
# running cluster. With no node running it creates a fresh cluster (test data only).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_root_and_packages
command -v haproxy >/dev/null || die "haproxy not found: run 'make api-deps'"
command -v socat >/dev/null || die "socat not found: run 'make api-deps'"
[[ -e /usr/lib/galera/libgalera_smm.so ]] || die "galera-4 not installed: run 'make api-deps'"
here=$(cd "$(dirname "$0")" && pwd)
base=$MS_TEST_RUN/galera
mkdir -p "$base"

node_dir() { echo "$base/n$(( $1 + 1 ))"; }
gcomm_list() { local i out=; for i in 0 1 2; do out+="${out:+,}127.0.0.1:${GALERA_GCOMM_PORTS[$i]}"; done; echo "$out"; }

write_cnf() {
  local i=$1 dir; dir=$(node_dir "$i")
  local g=${GALERA_GCOMM_PORTS[$i]}
  {
    base_cnf "$dir" "${GALERA_PORTS[$i]}" 300
    cat <<CNF
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=/usr/lib/galera/libgalera_smm.so
wsrep_cluster_name=messagestack-test
wsrep_cluster_address=gcomm://$(gcomm_list)
wsrep_node_name=n$(( i + 1 ))
wsrep_node_address=127.0.0.1:$g
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$g;ist.recv_addr=127.0.0.1:$(( g + 1 ));gcache.size=64M"
wsrep_sst_receive_address=127.0.0.1:$(( g + 2 ))
wsrep_sst_method=rsync
CNF
  } > "$dir/my.cnf"
  chown mysql:mysql "$dir/my.cnf"
}

node_running() { local dir; dir=$(node_dir "$1"); pid_alive "$dir/run/mysqld.pid"; }

wsrep_state() { sql "$(node_dir "$1")" "SHOW STATUS LIKE 'wsrep_local_state'" 2>/dev/null | awk '{print $2}'; }

wait_synced() {
  local i=$1 pid=$2 secs=${3:-120} dir deadline; dir=$(node_dir "$i"); deadline=$(( $(date +%s) + secs ))
  until [[ $(wsrep_state "$i") == 4 ]]; do
    kill -0 "$pid" 2>/dev/null || die "n$(( i + 1 )) exited while starting; last log lines:$(echo; tail -25 "$dir/error.log")"
    [[ $(date +%s) -lt $deadline ]] || die "n$(( i + 1 )) not Synced within $secs s; see $dir/error.log"
    sleep 1
  done
}

start_node() {
  local i=$1 bootstrap=$2 dir pid; dir=$(node_dir "$i")
  if [[ -n $bootstrap ]]; then
    init_datadir "$dir"
  else
    # A joiner receives its whole datadir by SST from a donor; it needs only the folders.
    mkdir -p "$dir/data" "$dir/run"; chown -R mysql:mysql "$dir"
  fi
  write_cnf "$i"
  # A node that crashed left its pid file and socket behind; mariadbd refuses a live socket only.
  rm -f "$dir/run/mysqld.pid"
  say "starting n$(( i + 1 )) on 127.0.0.1:${GALERA_PORTS[$i]}${bootstrap:+ (bootstrapping a new cluster)}"
  nohup mariadbd --defaults-file="$dir/my.cnf" --user=mysql ${bootstrap:+--wsrep-new-cluster} >>"$dir/stdout.log" 2>&1 &
  pid=$!
  wait_synced "$i" "$pid"
  say "n$(( i + 1 )) Synced (cluster size $(sql "$dir" "SHOW STATUS LIKE 'wsrep_cluster_size'" | awk '{print $2}'))"
}

start_health() {
  local i=$1 dir pidfile; dir=$(node_dir "$i"); pidfile=$base/health-n$(( i + 1 )).pid
  pid_alive "$pidfile" && return 0
  nohup socat TCP-LISTEN:"${GALERA_HEALTH_PORTS[$i]}",bind=127.0.0.1,reuseaddr,fork \
    EXEC:"$here/galera-health.sh $dir" >>"$base/health-n$(( i + 1 )).log" 2>&1 &
  echo $! > "$pidfile"
}

start_haproxy() {
  local cfg=$base/haproxy.cfg pidfile=$base/haproxy.pid
  cat > "$cfg" <<CFG
# Single writer: n1 takes every connection while healthy; n2, then n3, take over when it
# fails its check. Sessions on a node that goes down are cut at once, so clients reconnect
# instead of waiting on a dead server; when n1 comes back, sessions on the backup are cut
# too, so there is again one writer. The check is tolerant (3 misses of 1 s, 2 s timeout:
# on a busy 2-core machine a stricter one flapped), but a refused connection from real
# traffic marks a server down at once (observe layer4), so a killed node is left in < 1 s.
global
    maxconn 4000
    pidfile $pidfile
    stats socket $base/haproxy.sock mode 600 level admin
defaults
    mode tcp
    timeout connect 1s
    timeout client 8h
    timeout server 8h
    timeout check 2s
    retries 2
frontend galera_writer
    bind 127.0.0.1:$HAPROXY_PORT
    default_backend galera_nodes
backend galera_nodes
    option httpchk GET /health
    default-server inter 1s fall 3 rise 2 observe layer4 error-limit 1 on-error mark-down on-marked-down shutdown-sessions on-marked-up shutdown-backup-sessions
    server n1 127.0.0.1:${GALERA_PORTS[0]} check port ${GALERA_HEALTH_PORTS[0]}
    server n2 127.0.0.1:${GALERA_PORTS[1]} check port ${GALERA_HEALTH_PORTS[1]} backup
    server n3 127.0.0.1:${GALERA_PORTS[2]} check port ${GALERA_HEALTH_PORTS[2]} backup
CFG
  haproxy -c -q -f "$cfg" || die "haproxy rejected $cfg"
  if pid_alive "$pidfile"; then
    if ! cmp -s "$cfg" "$cfg.running" 2>/dev/null; then
      say "haproxy configuration changed: reloading"
      haproxy -D -f "$cfg" -sf "$(cat "$pidfile")" || die "haproxy reload failed"
      cp "$cfg" "$cfg.running"
    fi
    return 0
  fi
  cp "$cfg" "$cfg.running"
  say "starting haproxy on 127.0.0.1:$HAPROXY_PORT (single writer n1, backups n2 n3)"
  haproxy -D -f "$cfg" || die "haproxy failed to start with $cfg"
}

running=0
for i in 0 1 2; do node_running "$i" && running=$(( running + 1 )); done

if (( running == 0 )); then
  say "no node running: creating a fresh cluster under $base"
  for i in 0 1 2; do rm -rf "$(node_dir "$i")"; done
  start_node 0 yes
  create_app_schema "$(node_dir 0)"
fi
for i in 0 1 2; do
  if node_running "$i"; then
    [[ $(wsrep_state "$i") == 4 ]] && continue
    say "n$(( i + 1 )) running but not Synced yet; waiting"
    wait_synced "$i" "$(cat "$(node_dir "$i")/run/mysqld.pid")"
  else
    start_node "$i" ""
  fi
done
for i in 0 1 2; do start_health "$i"; done
start_haproxy

deadline=$(( $(date +%s) + 30 ))
until mariadb --no-defaults -h127.0.0.1 -P"$HAPROXY_PORT" -u"$APP_USER" -p"$APP_PASSWORD" -N -B \
      -e "SELECT @@wsrep_node_name" "$APP_DB" >/dev/null 2>&1; do
  [[ $(date +%s) -lt $deadline ]] || die "HAProxy on :$HAPROXY_PORT does not reach a node; see $base/haproxy.cfg and the health logs"
  sleep 0.5
done
say "Galera ready: 3 nodes Synced; writer endpoint jdbc:mysql://127.0.0.1:$HAPROXY_PORT/$APP_DB served by $(mariadb --no-defaults -h127.0.0.1 -P"$HAPROXY_PORT" -u"$APP_USER" -p"$APP_PASSWORD" -N -B -e 'SELECT @@wsrep_node_name' "$APP_DB")"
