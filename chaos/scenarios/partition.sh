#!/usr/bin/env bash
# Isolates the node of one database pod from the other workers (iptables inside the kind node
# container: traffic to and from the other workers' node IPs and pod CIDRs is dropped; the control
# plane stays reachable so kubelet and `kubectl exec` keep working), holds it, then heals.
# Targets: the isolated database node refuses writes (it is not in the Primary component), and
# after the heal it rejoins with no manual step; no write lost or duplicated.
# usage: chaos/scenarios/partition.sh [POD]      (default <name>-db-0; CHAOS_PARTITION seconds, default 45)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
CHAOS_PARTITION=${CHAOS_PARTITION:-45}
CHAOS_REJOIN_TIMEOUT=${CHAOS_REJOIN_TIMEOUT:-240}
victim=${1:-$DB_STS-0}
NODE=
CHAIN=MS_CHAOS_PARTITION

# mysql_in POD SQL: run SQL as root in a database pod (password from the container's own env).
mysql_in() {
  kc exec "$1" -c "$DB_CONTAINER" -- sh -c 'exec "$(command -v mariadb || command -v mysql)" -uroot -p"$MYSQL_ROOT_PASSWORD" -N -B -e "$0"' "$2"
}

inject() {
  local peers=() n ip cidr refused=false t_nonprimary=
  NODE=$(node_of_pod "$victim")
  [[ -n $NODE ]] || die "pod $victim not found or not scheduled"
  for n in $(kind_workers); do
    [[ $n == "$NODE" ]] && continue
    ip=$(node_ip "$n"); cidr=$(kubectl get node "$n" -o jsonpath='{.spec.podCIDR}')
    peers+=("$ip"); [[ -n $cidr ]] && peers+=("$cidr")
  done
  (( ${#peers[@]} > 0 )) || die "no other worker to partition $NODE from"
  measure isolatedPod "\"$victim\""
  measure isolatedNode "\"$NODE\""
  # A table outside the app's schema, for the write probe; created while the cluster is whole.
  mysql_in "$victim" "CREATE DATABASE IF NOT EXISTS chaos_probe; CREATE TABLE IF NOT EXISTS chaos_probe.writes (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(100))" \
    || die "cannot run SQL in $victim before the partition"
  say "iptables in $NODE: drop traffic to/from ${peers[*]}"
  docker exec "$NODE" sh -c "iptables -N $CHAIN 2>/dev/null || iptables -F $CHAIN
    for c in INPUT OUTPUT FORWARD; do iptables -C \$c -j $CHAIN 2>/dev/null || iptables -I \$c 1 -j $CHAIN; done
    for p in ${peers[*]}; do iptables -A $CHAIN -s \$p -j DROP; iptables -A $CHAIN -d \$p -j DROP; done"
  # The proof: the chain holds a DROP rule each way for every peer, and INPUT, OUTPUT, FORWARD jump to it.
  local drops jumps
  drops=$(docker exec "$NODE" iptables -S "$CHAIN" | grep -c -- '-j DROP' || true)
  jumps=$(docker exec "$NODE" iptables -S | grep -cE -- "^-A (INPUT|OUTPUT|FORWARD) -j $CHAIN\$" || true)
  (( drops == 2 * ${#peers[@]} && jumps == 3 )) ||
    die "fault not injected: $NODE has $drops DROP rules in $CHAIN (want $(( 2 * ${#peers[@]} ))) and $jumps jumps to it (want 3)"
  measure partitionDropRules "$drops"
  local deadline=$(( $(date +%s) + CHAOS_PARTITION )) status
  while (( $(date +%s) < deadline )); do
    status=$(mysql_in "$victim" "SHOW STATUS LIKE 'wsrep_cluster_status'" 2>/dev/null | awk '{print $2}' || true)
    if [[ -n $status && $status != Primary ]]; then
      [[ -n $t_nonprimary ]] || { t_nonprimary=$(now_ms); measure nonPrimaryAfterMs $(( t_nonprimary - FAULT_START )); }
      if mysql_in "$victim" "INSERT INTO chaos_probe.writes (note) VALUES ('written during partition $(date +%s)')" >/dev/null 2>&1; then
        note "the isolated node ACCEPTED a write while its cluster status was '$status'"
        refused=false; break
      fi
      refused=true; break
    fi
    sleep 1
  done
  [[ -n $t_nonprimary ]] || note "the isolated node still reported Primary (or did not answer) after ${CHAOS_PARTITION}s"
  measure isolatedNodeRefusedWrite "$refused"
  sleep $(( deadline > $(date +%s) ? deadline - $(date +%s) : 0 ))
  heal
  fault_over
}

heal() {
  [[ -n $NODE ]] || return 0
  say "heal: remove the iptables rules in $NODE"
  docker exec "$NODE" sh -c "for c in INPUT OUTPUT FORWARD; do while iptables -D \$c -j $CHAIN 2>/dev/null; do :; done; done
    iptables -F $CHAIN 2>/dev/null; iptables -X $CHAIN 2>/dev/null; true"
  NODE=
}

after_ready() {
  # Rejoined = the isolated pod Ready and the cluster whole again, with nothing done by hand.
  local want size deadline=$(( $(date +%s) + CHAOS_REJOIN_TIMEOUT ))
  want=$(kc get sts "$DB_STS" -o jsonpath='{.spec.replicas}')
  while (( $(date +%s) < deadline )); do
    size=$(mysql_in "$victim" "SHOW STATUS LIKE 'wsrep_cluster_size'" 2>/dev/null | awk '{print $2}' || true)
    if [[ $size == "$want" ]] && mysql_in "$victim" "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | grep -q Synced; then
      measure rejoinedWithoutManualStep true
      measure rejoinAfterHealMs $(( $(now_ms) - FAULT_END ))
      return 0
    fi
    sleep 2
  done
  measure rejoinedWithoutManualStep false
  note "$victim did not rejoin (cluster size ${size:-?} of $want) within ${CHAOS_REJOIN_TIMEOUT}s after the heal"
}

run_scenario partition-db-node partition "network partition isolating the node of $victim from the other workers for ${CHAOS_PARTITION}s, then healed"
