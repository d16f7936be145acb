#!/usr/bin/env bash
# Tests the data-plane IMAGES in Docker, laid out like the pods: three messagestack/mariadb-galera
# containers (as uid 999, datadir on a volume, the start script and conf.d mounted like the
# ConfigMaps, the galera-agent binary copied into a volume by `galera-agent install` like the pod's
# init container), each with a galera-agent container in its network namespace (a pod's sidecar),
# HAProxy from messagestack/haproxy in front, then a full crash (docker kill of all three) and the
# recovery through POST /bootstrap. Also: nginx serves as non-root on port 80 with logs on stdout,
# keepalived runs. Needs `make dataplane-images`. Safe to run twice (removes its own containers
# and volumes first). KEEP=1 leaves them running. IMAGE_TAG=h1 tests images built with the same
# IMAGE_TAG (build-images.sh) instead of the lab's.
# shellcheck source=hack/dataplane/lib.sh
source "$(dirname "$0")/lib.sh"

NET=ms-dp-images
P=ms-dp           # prefix of every container and volume this test creates
DB_IMAGE=messagestack/mariadb-galera:${IMAGE_TAG:-10.11}
TAG=${IMAGE_TAG:-dev}
CTX="$BASE-images"

docker info >/dev/null 2>&1 || die "Docker does not answer; run 'make docker' first"
for img in $DB_IMAGE messagestack/galera-agent:$TAG messagestack/haproxy:$TAG messagestack/nginx:$TAG messagestack/keepalived:$TAG; do
  docker image inspect "$img" >/dev/null 2>&1 || die "image $img is missing; run 'make dataplane-images'"
done

remove_all() {
  local c
  for c in $(docker ps -aq --filter "name=^${P}-"); do docker rm -f "$c" >/dev/null 2>&1 || true; done
  for i in 0 1 2; do docker volume rm "$P-data-$i" "$P-bin-$i" >/dev/null 2>&1 || true; done
  docker network rm "$NET" >/dev/null 2>&1 || true
}
cleanup() {
  local rc=$?
  if [ "$FAILED" -gt 0 ] || [ $rc -ne 0 ]; then
    for i in 0 1 2; do echo "----- $P-db-$i (last 25 lines)"; docker logs --tail 25 "$P-db-$i" 2>&1 || true; done
  fi
  [ "${KEEP:-0}" = 1 ] || remove_all
}
trap cleanup EXIT

phase "clean start"
remove_all
docker network create "$NET" >/dev/null
mkdir -p "$CTX/conf.d" "$CTX/haproxy" "$CTX/nginx" "$CTX/agent-token"
# The agents' bearer token (the operator's Secret <name>-db-agent-token); readable by the agent's uid 999.
head -c 30 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$CTX/agent-token/token"
chmod 0444 "$CTX/agent-token/token"
# What the operator renders into <name>-db-config, made smaller for a test machine.
cat >"$CTX/conf.d/messagestack.cnf" <<'EOF'
[mysqld]
bind-address = 0.0.0.0
skip-name-resolve = ON
binlog_format = ROW
innodb_autoinc_lock_mode = 2
wsrep_on = ON
wsrep_cluster_name = imagetest
wsrep_provider_options = "evs.suspect_timeout=PT5S;evs.inactive_timeout=PT15S;gcache.size=64M"
innodb_buffer_pool_size = 64M
innodb_log_file_size = 48M
performance_schema = OFF
EOF
chmod -R a+rX "$CTX"

db_ip() { docker inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" "$P-db-$1" 2>/dev/null; }
agent_url() { echo "http://$(db_ip "$1"):9200$2"; }
img_health() { curl -s -m 4 -o /dev/null -w '%{http_code}' "$(agent_url "$1" /health)" || true; }
img_all_healthy() { local i; for i in 0 1 2; do [ "$(img_health "$i")" = 200 ] || return 1; done; }

# Peers are found like in Kubernetes (no GALERA_PEERS override): the script builds
# ms-db-<i>.ms-db-peers.default.svc.cluster.local for i < REPLICAS, which Docker's DNS answers
# through a network alias per container, as the headless Service's DNS would.
start_db() { # i: the database container and its agent, like the two containers of one pod
  local i=$1
  docker rm -f "$P-db-$i" "$P-agent-$i" >/dev/null 2>&1 || true
  # The pod's init container: the galera-agent image copies its binary into the pod (an emptyDir there).
  docker volume rm "$P-bin-$i" >/dev/null 2>&1 || true
  docker run --rm -v "$P-bin-$i:/opt/messagestack/bin" --entrypoint /usr/local/bin/galera-agent \
    "messagestack/galera-agent:$TAG" install /opt/messagestack/bin/galera-agent >/dev/null
  docker run -d --name "$P-db-$i" --hostname "ms-db-$i" --network "$NET" --network-alias "ms-db-$i" \
    --network-alias "ms-db-$i.ms-db-peers.default.svc.cluster.local" \
    -e POD_NAME="ms-db-$i" -e POD_NAMESPACE=default -e PEER_SERVICE=ms-db-peers -e CLUSTER_DOMAIN=cluster.local \
    -e ENGINE=mariadb-galera -e REPLICAS=3 -e CLUSTER_NAME=imagetest \
    -e MYSQL_ROOT_PASSWORD="$ROOT_PW" -e MONITOR_USER="$MON_USER" -e MONITOR_PASSWORD="$MON_PW" \
    -e APP_DATABASE="$APP_DB" -e APP_USER="$APP_USER" -e APP_PASSWORD="$APP_PW" -e RECOVERY_POLL_SECONDS=1 \
    -e SST_USER=sst -e SST_PASSWORD="$SST_PW" \
    -v "$P-data-$i:/var/lib/mysql" -v "$CTX/conf.d:/etc/messagestack/conf.d:ro" \
    -v "$P-bin-$i:/opt/messagestack/bin:ro" \
    -v "$(dirname "$START_SCRIPT"):/etc/messagestack/scripts:ro" \
    --memory 600m \
    "$DB_IMAGE" /bin/bash /etc/messagestack/scripts/galera-start.sh >/dev/null
  # The bearer token file, as the operator's Secret volume mounts it into the agent container only.
  docker run -d --name "$P-agent-$i" --network "container:$P-db-$i" \
    -e POD_NAME="ms-db-$i" -e MONITOR_USER="$MON_USER" -e MONITOR_PASSWORD="$MON_PW" \
    -e DATA_DIR=/var/lib/mysql -e AGENT_PORT=9200 -e MYSQL_HOST=127.0.0.1 -e MYSQL_PORT=3306 \
    -e AGENT_TOKEN_FILE=/etc/messagestack/agent-token/token -v "$CTX/agent-token:/etc/messagestack/agent-token:ro" \
    -v "$P-data-$i:/var/lib/mysql" "messagestack/galera-agent:$TAG" >/dev/null
}
db_decision() { docker logs "$P-db-$1" 2>&1 | grep -o 'decision="[a-z-]*"' | tail -1 | cut -d'"' -f2; }
in_db() { docker exec "$P-db-$1" mariadb -uroot -p"$ROOT_PW" -N -B -e "$2"; }

phase "images run as non-root users"
check "mariadb-galera runs as uid 999" [ "$(docker run --rm --entrypoint id "$DB_IMAGE" -u)" = 999 ]
check "galera-agent runs as uid 999" [ "$(docker run --rm --entrypoint id "messagestack/galera-agent:$TAG" -u)" = 999 ]
check "haproxy runs as user haproxy" [ "$(docker run --rm "messagestack/haproxy:$TAG" id -un)" = haproxy ]
check "nginx runs as user www-data" [ "$(docker run --rm "messagestack/nginx:$TAG" id -un)" = www-data ]
check "the nginx image carries Debian's prometheus-nginx-exporter (the frontend pod's sidecar)" \
  bash -c "docker run --rm messagestack/nginx:$TAG prometheus-nginx-exporter -version 2>&1 | grep -q 'NGINX Prometheus Exporter'"
check "the nginx image carries Debian's mtail (the frontend pod's request-metrics sidecar)" \
  bash -c "docker run --rm messagestack/nginx:$TAG mtail -version 2>&1 | grep -q 'mtail version 3'"
check "galera-agent binary is static" bash -c "! docker run --rm --entrypoint /bin/sh messagestack/galera-agent:$TAG -c 'ldd /usr/local/bin/galera-agent' 2>&1 | grep -q 'libc.so'"

phase "three database pods start at once"
t=$SECONDS
for i in 0 1 2; do start_db "$i"; done
wait_until 180 "all three agents report Synced" img_all_healthy || true
log "cluster of images ready in $((SECONDS - t))s"
check "ms-db-0 bootstrapped a new cluster" [ "$(db_decision 0)" = bootstrap-new-cluster ]
check "ms-db-1 and ms-db-2 joined" [ "$(db_decision 1),$(db_decision 2)" = join,join ]
check "cluster size 3" [ "$(curl -s "$(agent_url 2 /state)" | jq -r .clusterSize)" = 3 ]
check "peers found by their Kubernetes-style DNS names" \
  bash -c "docker logs $P-db-1 2>&1 | grep -q 'cluster_address=\"gcomm://ms-db-0.ms-db-peers.default.svc.cluster.local,ms-db-1.ms-db-peers.default.svc.cluster.local,ms-db-2.ms-db-peers.default.svc.cluster.local\"'"
check "the start script runs as mysql inside the container" [ "$(docker exec "$P-db-0" id -un)" = mysql ]

phase "HAProxy image in front of the three agents"
cat >"$CTX/haproxy/haproxy.cfg" <<EOF
global
    log stdout format raw local0 info
defaults
    mode tcp
    log global
    timeout connect 2s
    timeout client 1h
    timeout server 1h
    timeout check 2s
frontend health
    bind :8404
    mode http
    monitor-uri /healthz
listen galera-writer
    bind :3306
    balance first
    option httpchk GET /health
    http-check expect status 200
    default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions
    server db0 ms-db-0:3306 check port 9200
    server db1 ms-db-1:3306 check port 9200 backup
    server db2 ms-db-2:3306 check port 9200 backup
EOF
chmod a+r "$CTX/haproxy/haproxy.cfg"
docker run -d --name "$P-haproxy" --network "$NET" --network-alias ms-proxy \
  -v "$CTX/haproxy:/etc/messagestack/haproxy:ro" "messagestack/haproxy:$TAG" \
  haproxy -W -db -f /etc/messagestack/haproxy/haproxy.cfg >/dev/null
via_img_proxy() { docker exec "$P-db-2" mariadb -hms-proxy -u"$APP_USER" -p"$APP_PW" -N -B --connect-timeout=2 "$APP_DB" -e "$1"; }
wait_until 20 "the proxy answers" bash -c "[ \"\$(docker exec $P-db-2 mariadb -hms-proxy -u$APP_USER -p'$APP_PW' -N -B -e 'SELECT @@wsrep_node_name' 2>/dev/null)\" = ms-db-0 ]" || true
check "writes through the proxy go to ms-db-0" [ "$(via_img_proxy 'SELECT @@wsrep_node_name' 2>/dev/null)" = ms-db-0 ]
via_img_proxy "CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY)" || true
for id in $(seq 1 30); do via_img_proxy "INSERT INTO t VALUES ($id)" 2>/dev/null || true; done
check "30 rows written through the proxy" [ "$(in_db 1 "SELECT COUNT(*) FROM $APP_DB.t")" = 30 ]

phase "full crash of the database pods (docker kill), then restart"
docker kill "$P-db-0" "$P-db-1" "$P-db-2" >/dev/null
t=$SECONDS
for i in 0 1 2; do start_db "$i"; done   # new containers, same volumes: like pods recreated by the StatefulSet
waiting_all() { local i; for i in 0 1 2; do [ "$(curl -s -m 3 "$(agent_url "$i" /state)" | jq -r .waitingForDecision 2>/dev/null)" = true ] || return 1; done; }
wait_until 120 "all three wait for a decision with a recovered position" waiting_all || true
sleep 5
best=0; best_seq=-2
for i in 0 1 2; do
  st=$(curl -s "$(agent_url "$i" /state)")
  seq=$(echo "$st" | jq -r '.recovered.seqno // -1')
  log "ms-db-$i /state: $(echo "$st" | jq -c '{seqno, recovered, running, waitingForDecision}')"
  check "ms-db-$i recovered a real seqno ($seq) and does not run" bash -c "[ '$seq' -ge 0 ] && [ '$(db_decision "$i")' = wait-recovery ]"
  if [ "$seq" -gt "$best_seq" ]; then best=$i; best_seq=$seq; fi
done
r=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$(agent_url "$best" /bootstrap)")
check "POST /bootstrap without the token refused with 401 ($r)" [ "$r" = 401 ]
r=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $(cat "$CTX/agent-token/token")" "$(agent_url "$best" /bootstrap)")
check "POST /bootstrap to ms-db-$best accepted ($r)" [ "$r" = 202 ]
wait_until 180 "all three Synced after the recovery" img_all_healthy || true
log "full crash of the images: restart to Synced in $((SECONDS - t))s"
check "ms-db-$best bootstrapped from its data" [ "$(db_decision "$best")" = bootstrap-recovered ]
for i in 0 1 2; do check "ms-db-$i holds the 30 rows" [ "$(in_db "$i" "SELECT COUNT(*) FROM $APP_DB.t")" = 30 ]; done
wait_until 20 "the proxy writes again" bash -c "docker exec $P-db-2 mariadb -hms-proxy -u$APP_USER -p'$APP_PW' $APP_DB -e 'INSERT INTO t VALUES (31)' 2>/dev/null" || true
check "writes through the proxy work after the recovery" [ "$(in_db 0 "SELECT COUNT(*) FROM $APP_DB.t")" = 31 ]

phase "nginx image: non-root on port 80, logs to stdout"
cat >"$CTX/nginx/nginx.conf" <<'EOF'
worker_processes 1;
pid /tmp/nginx.pid;
error_log /dev/stderr warn;
events { worker_connections 64; }
http {
    access_log /dev/stdout;
    client_body_temp_path /tmp/nginx-client-body;
    proxy_temp_path /tmp/nginx-proxy;
    fastcgi_temp_path /tmp/nginx-fastcgi;
    uwsgi_temp_path /tmp/nginx-uwsgi;
    scgi_temp_path /tmp/nginx-scgi;
    server { listen 80; location = /healthz { return 200 "ok\n"; } }
}
EOF
chmod a+r "$CTX/nginx/nginx.conf"
docker run -d --name "$P-nginx" --network "$NET" -v "$CTX/nginx:/etc/messagestack/nginx:ro" "messagestack/nginx:$TAG" \
  nginx -g 'daemon off;' -c /etc/messagestack/nginx/nginx.conf >/dev/null
nginx_ip=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" "$P-nginx")
wait_until 15 "nginx answers" bash -c "curl -sf -m 2 http://$nginx_ip/healthz >/dev/null" || true
check "nginx (www-data) serves on port 80" [ "$(curl -s -m 3 "http://$nginx_ip/healthz")" = ok ]
check "nginx's access log goes to stdout" bash -c "docker logs $P-nginx 2>/dev/null | grep -q 'GET /healthz'"

phase "keepalived image"
check "keepalived runs ($(docker run --rm messagestack/keepalived:$TAG keepalived --version 2>&1 | head -1))" \
  bash -c "docker run --rm messagestack/keepalived:$TAG keepalived --version 2>&1 | grep -q 'Keepalived v'"

echo
log "image test: $PASSED passed, $FAILED failed (total $((SECONDS - _t0))s)"
[ "$FAILED" = 0 ]
