#!/bin/bash
# galera-start.sh: the database container's entry point (`galera-start.sh`) and preStop hook
# (`galera-start.sh drain`), shipped by the operator in ConfigMap <name>-db-scripts. The logic is Go:
# `galera-agent start` and `galera-agent drain` (galera-agent/start.go; the rules: docs/dataplane.md).
# The pod's init container copies the binary to /opt/messagestack/bin; GALERA_AGENT overrides the path.
set -eu
case "${1:-start}" in
  start | drain) exec "${GALERA_AGENT:-/opt/messagestack/bin/galera-agent}" "${1:-start}" ;;
  *) echo "usage: $0 [start|drain]" >&2; exit 2 ;;
esac
