#!/usr/bin/env bash
# Kills the main process inside one frontend (nginx) or proxy (haproxy) container with SIGKILL,
# from the kind node (a process cannot SIGKILL its own PID 1), while the pod stays. With
# spec.vip.enabled the pod chosen is the one on the node holding the VIP, and the time until the
# VIP is held by another node is measured (with vip off, the VIP is switched on for the scenario
# and back after it). Targets: VIP moves within 3 s; no write lost.
# usage: chaos/scenarios/process-kill.sh frontend|proxy        (CHAOS_VIP: the VIP to watch)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
# shellcheck source=../../hack/e2e/vip-observe.sh
source "$(dirname "$0")/../../hack/e2e/vip-observe.sh"
component=${1:-frontend}
case $component in frontend | proxy) ;; *) die "usage: $0 frontend|proxy (got '$component')" ;; esac
CHAOS_VIP_WAIT=${CHAOS_VIP_WAIT:-30}

# vip_address: the VIP in front of this component, from CHAOS_VIP or the spec.
vip_address() {
  if [[ -n ${CHAOS_VIP:-} ]]; then echo "$CHAOS_VIP"; return; fi
  local v
  if [[ $component == proxy ]]; then v=$(spec_get "$SPEC_VIP_PROXY"); else v=$(spec_get "$SPEC_VIP_FRONTEND"); fi
  echo "${v%/*}"
}
# vip_holder VIP: the kind node container that has the address on an interface (the first, if several).
vip_holder() {
  local h
  h=$(CLUSTER_NAME=$KIND_CLUSTER vip_holders "$1")
  echo "${h%%$'\n'*}"
}

inject() {
  local vip_on vip='' holder='' pod='' container pid node
  vip_on=$(spec_get "$SPEC_VIP_ENABLED")
  measure vipEnabled "${vip_on:-false}"
  if [[ $vip_on == true ]]; then
    vip=$(vip_address)
    [[ -n $vip ]] || die "vip is enabled but its address is unknown: set CHAOS_VIP"
    holder=$(vip_holder "$vip")
    [[ -n $holder ]] || die "no kind node holds the VIP $vip before the fault"
    measure vip "\"$vip\""; measure vipHolderBefore "\"$holder\""
    for p in $(pods_of "$component"); do [[ $(node_of_pod "$p") == "$holder" ]] && { pod=$p; break; }; done
  fi
  [[ -n $pod ]] || pod=$(pods_of "$component" | head -n 1)
  [[ -n $pod ]] || die "no $component pod found"
  container=${CHAOS_CONTAINER:-$(kc get pod "$pod" -o json | jq -r '[.spec.containers[].name] as $n
      | ($n | map(select(test("nginx|haproxy|frontend|proxy"))) | first) // $n[0]')}
  node=$(node_of_pod "$pod")
  measure pod "\"$pod\""; measure container "\"$container\""
  # The VIP's move is timed on the nodes themselves (docker exec takes up to a second here, which
  # would otherwise be counted): on every other node a watcher prints the time the address appears,
  # and the kill prints the time it was sent, both from the same kernel clock.
  local watch_dir='' watchers=() n kill_ms=''
  if [[ $vip_on == true ]]; then
    watch_dir=$(mktemp -d)
    for n in $(kind_nodes); do
      [[ $n == "$holder" ]] && continue
      docker exec "$n" timeout "$CHAOS_VIP_WAIT" sh -c \
        "until ip -o -4 addr show | grep -qw 'inet $vip'; do sleep 0.05; done; date +%s%3N" >"$watch_dir/$n" 2>/dev/null &
      watchers+=($!)
    done
    sleep 1 # the watchers are running before the fault
  fi
  local restarts_before restarts_after out
  restarts_before=$(restart_count "$pod" "$container")
  pid=$(container_host_pid "$pod" "$container") && [[ -n $pid ]] \
    || die "crictl on $node cannot find the host pid of $pod/$container: no fault injected"
  say "SIGKILL to $pod/$container (host pid $pid on $node)"
  out=$(docker exec "$node" sh -c "date +%s%3N; kill -KILL $pid") || die "the SIGKILL of pid $pid on $node failed"
  kill_ms=${out%%$'\n'*}
  if [[ $vip_on == true ]]; then
    local deadline=$(( $(date +%s) + CHAOS_VIP_WAIT )) f t moved='' after=''
    until cat "$watch_dir"/* 2>/dev/null | grep -q . || (( $(date +%s) >= deadline )); do sleep 0.1; done
    kill "${watchers[@]}" 2>/dev/null || true
    [[ -n $kill_ms ]] || kill_ms=$FAULT_START
    for f in "$watch_dir"/*; do
      t=$(head -n 1 "$f" 2>/dev/null || true)
      [[ $t =~ ^[0-9]+$ ]] || continue
      if [[ -z $moved ]] || (( t - kill_ms < moved )); then moved=$(( t - kill_ms )); after=$(basename "$f"); fi
    done
    rm -rf "$watch_dir"
    if [[ -n $moved ]]; then
      measure vipMoveMs "$moved"; measure vipHolderAfter "\"$after\""
    else
      say "the VIP $vip did not reach another node within ${CHAOS_VIP_WAIT}s"
    fi
  fi
  # The fault happened only if the container died: kubelet counts its restart.
  local until_s=$(( $(date +%s) + 30 ))
  until restarts_after=$(restart_count "$pod" "$container"); (( restarts_after > restarts_before )); do
    (( $(date +%s) < until_s )) || die "$pod/$container did not restart within 30 s after the SIGKILL (restarts $restarts_before): no fault happened"
    sleep 0.5
  done
  measure containerRestarts "$((restarts_after - restarts_before))"
  fault_over
}
# restart_count POD CONTAINER: kubelet's restart count of the container.
restart_count() {
  kc get pod "$1" -o json | jq -r --arg c "$2" '.status.containerStatuses[] | select(.name==$c) | .restartCount'
}

# With vip off (the sample's default) the VIP is switched on for this scenario, with two free
# addresses of the kind Docker network, and switched back afterwards (CHAOS_ENABLE_VIP=0: don't).
VIP_BEFORE=
heal() {
  [[ -n $VIP_BEFORE ]] || return 0
  say "restore spec.vip to $VIP_BEFORE"
  if [[ $VIP_BEFORE == null ]]; then
    kc patch "$MS_RESOURCE" "$MS_NAME" --type=json -p '[{"op":"remove","path":"/spec/vip"}]' >/dev/null
  else
    kc patch "$MS_RESOURCE" "$MS_NAME" --type=json -p "[{\"op\":\"replace\",\"path\":\"/spec/vip\",\"value\":$VIP_BEFORE}]" >/dev/null
  fi
  VIP_BEFORE=
  wait_ready "$CHAOS_READY_TIMEOUT" >/dev/null || say "not Ready after restoring spec.vip"
}
enable_vip() {
  local subnet addrs
  subnet=$(docker network inspect kind -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}' | tr ' ' '\n' | grep -m1 '\.') \
    || die "cannot read the kind Docker network's subnet (docker network inspect kind)"
  # The two addresses just below the top of the subnet: Docker hands out addresses from the bottom.
  addrs=$(python3 -c 'import ipaddress,sys; n=ipaddress.ip_network(sys.argv[1]); print(n.broadcast_address-3, n.broadcast_address-2)' "$subnet")
  VIP_BEFORE=$(kc get "$MS_RESOURCE" "$MS_NAME" -o json | jq -c '.spec.vip // null')
  trap 'heal' EXIT
  say "enable the VIP for this scenario: frontend ${addrs% *}, proxy ${addrs#* } (kind network $subnet)"
  kc patch "$MS_RESOURCE" "$MS_NAME" --type=merge -p "$(jq -cn --arg f "${addrs% *}" --arg p "${addrs#* }" \
    '{spec: {vip: {enabled: true, frontendAddress: $f, proxyAddress: $p, networkInterface: "eth0"}}}')" >/dev/null
  wait_ready "$CHAOS_READY_TIMEOUT" >/dev/null || die "not Ready after enabling the VIP"
}
require_tools
require_stack
if [[ ${CHAOS_ENABLE_VIP:-1} == 1 && $(spec_get "$SPEC_VIP_ENABLED") != true ]]; then
  enable_vip
fi

run_scenario "process-kill-$component" process-kill "SIGKILL of the main process in one $component container (the pod stays)"
