#!/usr/bin/env bash
# A tiny HTTP health check for one Galera node, run by socat per connection (see
# start-galera.sh). 200 when the node is Synced in a Primary component and ready, else 503.
# HAProxy probes it with `option httpchk`, like the operator's galera-agent on port 9200.
dir=$1
while IFS=$'\r\n' read -r -t 2 line && [[ -n $line ]]; do :; done   # consume the request
# A plain SHOW STATUS: an aggregate (GROUP_CONCAT) over information_schema here crashed
# mariadbd 10.11.19 under load (signal 11 in create_tmp_table), so no temporary tables.
status=$(mariadb --no-defaults --connect-timeout=1 --socket="$dir/run/mysqld.sock" -uroot -N -B -e \
  "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready','wsrep_cluster_status','wsrep_local_state')" 2>/dev/null \
  | awk '{printf "%s%s=%s", sep, toupper($1), $2; sep=" "}')
if [[ $status == *"WSREP_CLUSTER_STATUS=Primary"* && $status == *"WSREP_LOCAL_STATE=4"* && $status == *"WSREP_READY=ON"* ]]; then
  code="200 OK"; body="synced: $status"
else
  code="503 Service Unavailable"; body="not ready: ${status:-server not answering}"
fi
printf 'HTTP/1.0 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s\n' "$code" $(( ${#body} + 1 )) "$body"
