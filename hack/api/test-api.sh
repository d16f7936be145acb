#!/usr/bin/env bash
# message-api tests against real servers: starts the single MariaDB and the three-node
# Galera + HAProxy (the operator's data plane and configs: start-galera.sh), runs `mvn verify` on message-api (unit and @QuarkusTest API tests, then
# the packaged fast-jar in Galera process tests), and stops the servers it started.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
root=$(repo_root)

started=()
pid_alive "$MS_TEST_RUN/mariadb/run/mysqld.pid" || started+=(mariadb)
pid_alive "$MS_TEST_RUN/galera/node0/start.pid" || started+=(galera)
cleanup() {
  local rc=$?
  [[ " ${started[*]} " == *" galera "* ]] && "$(dirname "$0")/stop-galera.sh" || true
  [[ " ${started[*]} " == *" mariadb "* ]] && "$(dirname "$0")/stop-mariadb.sh" || true
  exit $rc
}
trap cleanup EXIT

say "phase: test servers"
"$(dirname "$0")/start-mariadb.sh"
"$(dirname "$0")/start-galera.sh"

say "phase: mvn verify (message-api)"
mvn -B -f "$root/message-api/pom.xml" verify ${MVN_ARGS:-}
if [[ -f $root/message-api/target/it-results/node-kill.txt ]]; then
  say "$(cat "$root/message-api/target/it-results/node-kill.txt")"
fi
say "message-api tests passed"
