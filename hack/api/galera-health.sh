#!/usr/bin/env bash
# A tiny HTTP health check for one Galera node, run by socat per connection (see
# start-galera.sh). 200 when the node is Synced in a Primary component and ready, else 503.
# HAProxy probes it with `option httpchk`, like the operator's galera-agent on port 9200.
dir=$1
while IFS=$'\r\n' read -r -t 2 line && [[ -n $line ]]; do :; done   # consume the request
status=$(mariadb --no-defaults --connect-timeout=1 --socket="$dir/run/mysqld.sock" -uroot -N -B -e \
  "SELECT GROUP_CONCAT(CONCAT(VARIABLE_NAME,'=',VARIABLE_VALUE) ORDER BY VARIABLE_NAME SEPARATOR ' ')
   FROM information_schema.GLOBAL_STATUS
   WHERE VARIABLE_NAME IN ('WSREP_READY','WSREP_CLUSTER_STATUS','WSREP_LOCAL_STATE')" 2>/dev/null)
if [[ $status == *"WSREP_CLUSTER_STATUS=Primary"* && $status == *"WSREP_LOCAL_STATE=4"* && $status == *"WSREP_READY=ON"* ]]; then
  code="200 OK"; body="synced: $status"
else
  code="503 Service Unavailable"; body="not ready: ${status:-server not answering}"
fi
printf 'HTTP/1.0 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s\n' "$code" $(( ${#body} + 1 )) "$body"
