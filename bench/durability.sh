#!/usr/bin/env bash
# What durability costs: create throughput of a three-node MariaDB Galera cluster with the operator's
# rendered my.cnf in Strict mode (innodb_flush_log_at_trx_commit=1, sync_binlog=1) and in Relaxed
# mode (2 and 0), in the same run, alternating the modes (S R S R ...) so both see the same machine.
# Each round: a fresh cluster of real mariadbd processes on loopback, started by the operator's
# galera-start.sh and watched by galera-agents (hack/dataplane/lib.sh, as in make test-dataplane), with
# the operator's rendered my.cnf in conf.d (only loopback ports and addresses changed); then BENCH_CONCURRENCY clients each insert
# single-row autocommit transactions into node 0 (the writer HAProxy would pick) for BENCH_SECONDS.
# Throughput = rows whose server timestamp falls in the measured window (after BENCH_WARMUP_SECONDS)
# divided by the window; rows still queued when the clients stop are not counted.
# Knobs: BENCH_CONCURRENCY (16), BENCH_SECONDS (30), BENCH_WARMUP_SECONDS (5), BENCH_ROUNDS (2).
# Needs root and the data-plane packages (make dataplane-deps) and the operator's classes
# (operator/target/classes: make test-operator-unit or make crds builds them).
# Its scratch folder (/var/tmp, a real disk: fsync must cost what it costs) is removed at the end
# unless BENCH_KEEP=1. Ports 24xxx, so it can run beside make test-dataplane (14xxx) and hack/api (3xxxx).
set -euo pipefail
export DP_BASE=${BENCH_DIR:-/var/tmp/messagestack-bench-durability.$$}
# shellcheck source=hack/dataplane/lib.sh
source "$(cd "$(dirname "$0")/.." && pwd)/hack/dataplane/lib.sh"
MYSQL_PORTS=(24306 24316 24326)
GCOMM_PORTS=(24567 24577 24587)
AGENT_PORTS=(24200 24201 24202)
C=${BENCH_CONCURRENCY:-16}
SECS=${BENCH_SECONDS:-30}
WARMUP=${BENCH_WARMUP_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-2}
[ "$SECS" -gt "$WARMUP" ] || die "BENCH_SECONDS ($SECS) must be larger than BENCH_WARMUP_SECONDS ($WARMUP)"
command -v java >/dev/null || die "java not found (the operator's renderer runs on it)"
[ -f "$REPO_ROOT/operator/target/classes/io/messagestack/operator/database/MyCnfRenderer.class" ] ||
  die "operator/target/classes missing: run 'make test-operator-unit' (or 'make crds') first"
need_tools

mkdir -p "$BASE"; chown mysql:mysql "$BASE"
cleanup() {
  stop_all 2>/dev/null || true
  if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $DP_BASE"; else rm -rf "$DP_BASE"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
build_agent

# one_round mode round -> sets RPS (rows per second in the window) and ROWS
one_round() {
  local mode=$1 round=$2 i
  BASE="$DP_BASE/$mode-$round"; mkdir -p "$BASE"; chown mysql:mysql "$BASE"
  AGENT_BIN="$DP_BASE/bin/galera-agent"
  # The operator's my.cnf in this mode, used with only the loopback substitutions (lib.sh write_node_conf).
  java -cp "$REPO_ROOT/operator/target/classes" "$REPO_ROOT/bench/RenderMyCnf.java" "$mode" >"$BASE/rendered-$mode.cnf"
  for i in 0 1 2; do
    write_node_conf "$i" "$BASE/rendered-$mode.cnf"
    start_agent "$i"
  done
  for i in 0 1 2; do start_node "$i"; done
  wait_until 180 "$mode round $round: three nodes Synced" all_healthy 0 1 2 || { dump_logs; die "cluster did not form"; }
  [ "$(sql_root 0 "SELECT @@innodb_flush_log_at_trx_commit, @@sync_binlog" | tr '\t' ' ')" = "$( [ "$mode" = Strict ] && echo '1 1' || echo '2 0')" ] ||
    die "$mode: the server does not run the rendered durability settings"
  sql_app "${MYSQL_PORTS[0]}" "CREATE TABLE bench (id BIGINT AUTO_INCREMENT PRIMARY KEY, worker INT NOT NULL,
    ts DATETIME(6) NOT NULL DEFAULT NOW(6), payload VARCHAR(255) NOT NULL)"
  local t0; t0=$(sql_root 0 "SELECT NOW(6)")
  local pids=() w
  for w in $(seq 1 "$C"); do
    # yes blocks on the full pipe, so the generator costs no CPU beyond what the client consumes.
    ( timeout "$SECS" yes "INSERT INTO bench (worker, payload) VALUES ($w, REPEAT('x', 200));" 2>/dev/null |
        mariadb --no-defaults -h127.0.0.1 -P"${MYSQL_PORTS[0]}" -u"$APP_USER" -p"$APP_PW" "$APP_DB" >/dev/null 2>&1 ) &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  ROWS=$(sql_root 0 "SELECT COUNT(*) FROM $APP_DB.bench WHERE ts >= '$t0' + INTERVAL $WARMUP SECOND AND ts < '$t0' + INTERVAL $SECS SECOND")
  RPS=$((ROWS / (SECS - WARMUP)))
  stop_all
}

log "durability benchmark: $ROUNDS rounds of Strict and Relaxed, $C clients, ${SECS}s each (first ${WARMUP}s not counted); load $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A SUM=([Strict]=0 [Relaxed]=0)
results=()
for r in $(seq 1 "$ROUNDS"); do
  for mode in Strict Relaxed; do
    one_round "$mode" "$r"
    SUM[$mode]=$((SUM[$mode] + RPS))
    results+=("round $r $mode: $RPS inserts/s ($ROWS rows in $((SECS - WARMUP)) s)")
    log "round $r $mode: $RPS inserts/s"
  done
done
echo
echo "durability benchmark $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $C clients, ${SECS}s per round"
printf '  %s\n' "${results[@]}"
s=$((SUM[Strict] / ROUNDS)); x=$((SUM[Relaxed] / ROUNDS))
echo "  mean: Strict $s inserts/s, Relaxed $x inserts/s; Strict = $((x > 0 ? s * 100 / x : 0))% of Relaxed"
