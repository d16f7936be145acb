#!/bin/bash
# keepalived track script: succeeds while something accepts TCP on 127.0.0.1:<port> (the local nginx or HAProxy;
# the pods use the host network). Uses bash's /dev/tcp so the image needs no extra tools.
port="${1:?usage: check-port.sh <port>}"
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
exec 3>&-
exit 0
