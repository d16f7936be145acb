#!/bin/bash
# keepalived track script: succeeds while something accepts TCP on 127.0.0.1:<port> (the local nginx or HAProxy;
# the pods use the host network). keepalived runs it every second with fall 1, so one refused connection is
# retried once after 0.3 s: a dead process fails within ~1.3 s, a single hiccup does not move the address.
# Uses bash's /dev/tcp so the image needs no extra tools.
port="${1:?usage: check-port.sh <port>}"
for attempt in 1 2; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    exit 0
  fi
  [ "$attempt" = 1 ] && sleep 0.3
done
exit 1
