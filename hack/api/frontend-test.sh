#!/usr/bin/env bash
# The page test: real MariaDB -> message-api (packaged fast-jar) -> nginx serving frontend/,
# driven by Playwright in Debian's headless Chromium. Screenshots go to
# frontend/test/test-artifacts/. The large-table case stores PAGE_TEST_ROWS (30000) messages with
# SQL through the MariaDB socket and empties the table afterwards. Starts what it needs and stops it again (MariaDB only if it
# was not already running).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
root=$(repo_root)
API_PORT=${PAGE_TEST_API_PORT:-18090}
PAGE_PORT=${PAGE_TEST_PORT:-18088}

[[ -d $root/frontend/test/node_modules/playwright-core ]] || die "playwright-core missing: run 'make api-deps' (npm ci in frontend/test)"
command -v chromium >/dev/null || die "chromium missing: run 'make api-deps'"
ensure_app_jar

mariadb_was_running=
pid_alive "$MS_TEST_RUN/mariadb/run/mysqld.pid" && mariadb_was_running=1
cleanup() {
  stop_nginx page >/dev/null 2>&1 || true
  stop_api api-page-test >/dev/null 2>&1 || true
  [[ -n $mariadb_was_running ]] || "$(dirname "$0")/stop-mariadb.sh" >/dev/null 2>&1 || true
}
trap cleanup EXIT

"$(dirname "$0")/start-mariadb.sh"
start_api api-page-test "$API_PORT" "jdbc:mysql://127.0.0.1:$SINGLE_PORT/$APP_DB"
start_nginx page "$PAGE_PORT" "$API_PORT"

say "running Playwright against http://127.0.0.1:$PAGE_PORT/"
cd "$root/frontend/test"
MARIADB_SOCKET="$MS_TEST_RUN/mariadb/run/mysqld.sock" APP_DB="$APP_DB" \
PAGE_URL="http://127.0.0.1:$PAGE_PORT/" API_PID="$(cat "$MS_TEST_RUN/api/api-page-test.pid")" \
EXPECTED_SERVED_BY=api-page-test ARTIFACTS="$root/frontend/test/test-artifacts" npm test
say "page test passed; screenshots in frontend/test/test-artifacts/"
