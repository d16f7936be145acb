# shellcheck shell=bash
# The operator's own data-plane configs on loopback (sourced by lib.sh, not run).
# `make product-configs` renders the my.cnf of the database ConfigMap and the haproxy.cfg of the proxy
# ConfigMap with the operator's model classes (ProductConfigCli over DatabaseCluster#config and
# DatabaseProxy#config) into $PRODUCT_CONFIGS. Three nodes and a proxy on one host cannot all use the
# pod's addresses and ports, so these functions change exactly those, nothing else:
#   my.cnf:      bind-address 0.0.0.0 -> 127.0.0.1; Galera's group and IST listen addresses put in front
#                of the product's wsrep_provider_options; added: the node's SQL port, its SST port and
#                its socket (a pod has its own /run/mysqld, three processes on a host do not).
#                The node address comes from the product's own NODE_ADDRESS variable (start_node).
#                MariaDB's extra_port (the agent's own logins) -> the node's SQL port + 100.
#   haproxy.cfg: the two `bind :PORT` lines -> 127.0.0.1:PORT; the servers db-0..db-2 -> 127.0.0.1:PORT
#                with their own agent check port (`port P`, which overrides the default-server's).
#                The other server slots (db-3..db-8: pods that do not exist) keep their cluster DNS
#                names, which do not resolve here either, so they stay in maintenance as in a cluster.
#                With HAPROXY_ADMIN_SOCKET set, added in `global`: an admin socket at that path (the
#                message-api tests disable and enable servers through it; a pod has none).
#   nginx.conf:  (the frontend pod's, for the page test and the bench: loopback_nginx_conf) the public and
#                metrics ports on 127.0.0.1, the pid, temp, upstream and metrics-socket paths and the page
#                root under the instance's folder; replaced in place, each one checked to be there.
# Every substitution is two lines, a comment naming it and the line used:
#   # loopback: <why>; the operator renders: <the rendered line, or (nothing) for an added line>
#   <the line used>
# only_loopback_substitutions reads them back: it refuses any change that is not one of the above and
# any difference from the rendered file outside them.
PRODUCT_CONFIGS=${PRODUCT_CONFIGS:-$REPO_ROOT/operator/target/product-configs}
_SUB_MARK='# loopback: '
_SUB_SEP='; the operator renders: '

# need_product_configs [FILE...]: dies unless the rendered files exist (default: my.cnf and haproxy.cfg).
need_product_configs() {
  local f
  (( $# > 0 )) || set -- messagestack.cnf haproxy.cfg
  for f in "$@"; do
    [ -s "$PRODUCT_CONFIGS/$f" ] || die "$PRODUCT_CONFIGS/$f missing: run 'make product-configs' (the operator's rendered configs)"
  done
}

# _sub WHY ORIGINAL NEW: one substitution (ORIGINAL "(nothing)" for an added line).
_sub() { printf '%s%s%s%s\n%s\n' "$_SUB_MARK" "$1" "$_SUB_SEP" "$2" "$3"; }

# loopback_my_cnf RENDERED I: prints node I's conf.d file: the rendered my.cnf with the loopback substitutions.
loopback_my_cnf() {
  local rendered=$1 i=$2 g=${GCOMM_PORTS[$2]} line done_bind=0 done_opts=0 done_add=0
  while IFS= read -r line; do
    case $line in
      'extra_port = '*)
        _sub "node $i's extra port, where its agent logs in (a pod uses ${line#extra_port = })" "$line" "extra_port = $(extra_port_of "$i")" ;;
      'bind-address = 0.0.0.0')
        _sub "three nodes on one host listen on loopback only" "$line" "bind-address = 127.0.0.1"; done_bind=1 ;;
      'wsrep_provider_options = "'*)
        _sub "node $i's Galera group and IST listen addresses (a pod uses :4567 and :4568)" "$line" \
          "wsrep_provider_options = \"gmcast.listen_addr=tcp://127.0.0.1:$g;ist.recv_addr=127.0.0.1:$((g + 1));${line#wsrep_provider_options = \"}"
        done_opts=1 ;;
      '[mysqld]')
        printf '%s\n' "$line"
        _sub "node $i's SQL port (a pod uses 3306)" "(nothing)" "port = ${MYSQL_PORTS[$i]}"
        _sub "node $i's SST port (a pod uses 4444)" "(nothing)" "wsrep_sst_receive_address = 127.0.0.1:$((g + 2))"
        _sub "node $i's own socket (a pod has its own /run/mysqld)" "(nothing)" "socket = $(node_dir "$i")/run/mysqld.sock"
        done_add=1 ;;
      *) printf '%s\n' "$line" ;;
    esac
  done <"$rendered"
  [ "$done_bind$done_opts$done_add" = 111 ] ||
    die "$rendered lacks 'bind-address = 0.0.0.0', 'wsrep_provider_options = \"' or '[mysqld]': the operator's my.cnf changed; update hack/dataplane/loopback-config.sh"
}

# loopback_haproxy_cfg RENDERED: prints the rendered haproxy.cfg with the loopback substitutions
# (health frontend on $HAPROXY_HEALTH_PORT, SQL frontend on $HAPROXY_PORT, servers db-0..db-2).
loopback_haproxy_cfg() {
  local rendered=$1 line frontend="" binds=0 servers=0 re_server='^    server db-([0-9]+) [^ ]+:[0-9]+(.*)$' k
  while IFS= read -r line; do
    [[ $line =~ ^frontend\ ([^ ]+) ]] && frontend=${BASH_REMATCH[1]}
    if [[ $line == global && -n ${HAPROXY_ADMIN_SOCKET:-} ]]; then
      printf '%s\n' "$line"
      _sub "the tests' admin socket (they disable and enable servers; a pod has none)" "(nothing)" "    stats socket $HAPROXY_ADMIN_SOCKET mode 600 level admin"
    elif [[ $line =~ ^'    bind :'[0-9]+$ && $frontend == health ]]; then
      _sub "the proxy's health port on loopback (a pod uses :8404)" "$line" "    bind 127.0.0.1:$HAPROXY_HEALTH_PORT"; binds=$((binds + 1))
    elif [[ $line =~ ^'    bind :'[0-9]+$ && $frontend == mysql ]]; then
      _sub "the proxy's SQL port on loopback (a pod uses :3306)" "$line" "    bind 127.0.0.1:$HAPROXY_PORT"; binds=$((binds + 1))
    elif [[ $line =~ $re_server && ${BASH_REMATCH[1]} -le 2 ]]; then
      k=${BASH_REMATCH[1]}
      _sub "node $k's SQL and agent ports on loopback (a pod uses its DNS name, :3306, agent :9200)" "$line" \
        "    server db-$k 127.0.0.1:${MYSQL_PORTS[$k]} port ${AGENT_PORTS[$k]}${BASH_REMATCH[2]}"
      servers=$((servers + 1))
    else
      printf '%s\n' "$line"
    fi
  done <"$rendered"
  [ "$binds/$servers" = 2/3 ] ||
    die "$rendered: found $binds of 2 bind lines and $servers of 3 servers db-0..db-2: the operator's haproxy.cfg changed; update hack/dataplane/loopback-config.sh"
}

# _allowed KIND ORIGINAL NEW: true when ORIGINAL -> NEW is one of the loopback substitutions above.
_allowed() {
  local kind=$1 orig=$2 new=$3 ip='127\.0\.0\.1' re
  case $kind in
    my.cnf)
      [ "$orig/$new" = "bind-address = 0.0.0.0/bind-address = 127.0.0.1" ] && return 0
      [[ $orig =~ ^'extra_port = '[0-9]+$ && $new =~ ^'extra_port = '[0-9]+$ ]] && return 0
      re="^wsrep_provider_options = \"gmcast\.listen_addr=tcp://$ip:[0-9]+;ist\.recv_addr=$ip:[0-9]+;(.*)$"
      [[ $orig == 'wsrep_provider_options = "'* && $new =~ $re && "wsrep_provider_options = \"${BASH_REMATCH[1]}" == "$orig" ]] && return 0
      re="^(port = [0-9]+|wsrep_sst_receive_address = $ip:[0-9]+|socket = /[^ ]+)$"
      [[ $orig == '(nothing)' && $new =~ $re ]] && return 0 ;;
    haproxy.cfg)
      [[ $orig =~ ^'    bind :'[0-9]+$ && $new =~ ^'    bind '$ip:[0-9]+$ ]] && return 0
      [[ $orig == '(nothing)' && $new =~ ^'    stats socket /'[^\ ]+' mode 600 level admin'$ ]] && return 0
      re='^    server (db-[0-9]+) [^ ]+:[0-9]+(.*)$'
      if [[ $orig =~ $re ]]; then
        local name=${BASH_REMATCH[1]} rest=${BASH_REMATCH[2]}
        re="^    server (db-[0-9]+) $ip:[0-9]+ port [0-9]+(.*)$"
        [[ $new =~ $re && ${BASH_REMATCH[1]} == "$name" && ${BASH_REMATCH[2]} == "$rest" ]] && return 0
      fi ;;
  esac
  return 1
}

# only_loopback_substitutions KIND RENDERED USED: true when USED is RENDERED with only the substitutions
# above (KIND my.cnf or haproxy.cfg); otherwise prints what else differs and fails.
only_loopback_substitutions() {
  local kind=$1 rendered=$2 used=$3 line orig new bad=0 rebuilt
  rebuilt=$(mktemp)
  while IFS= read -r line; do
    if [[ $line == "$_SUB_MARK"*"$_SUB_SEP"* ]]; then
      orig=${line#*"$_SUB_SEP"}
      if ! IFS= read -r new; then echo "$used: a substitution comment without its line: $line" >&2; bad=1; break; fi
      _allowed "$kind" "$orig" "$new" || { echo "$used: not a loopback substitution: '$orig' -> '$new'" >&2; bad=1; }
      [ "$orig" = "(nothing)" ] || printf '%s\n' "$orig"
    else
      printf '%s\n' "$line"
    fi
  done <"$used" >"$rebuilt"
  diff -u --label "$rendered (rendered)" --label "$used (without its loopback substitutions)" "$rendered" "$rebuilt" || bad=1
  rm -f "$rebuilt"
  return "$bad"
}

# loopback_nginx_conf RENDERED DIR PORT METRICS_PORT: the frontend pod's rendered nginx.conf with exactly these
# changes, each checked: the public and metrics ports on 127.0.0.1 (a pod listens on :80 and :8081), the pid, temp,
# upstream and metrics-socket paths under DIR (a pod has its own /tmp), the page from DIR/root (a pod mounts it at
# the page dir). Nothing else differs: every change is a literal replacement of a rendered string.
loopback_nginx_conf() {
  local rendered=$1 dir=$2 port=$3 metrics=$4 conf
  conf=$(<"$rendered")
  _nginx_sub() { [[ $conf == *"$1"* ]] || die "$rendered lacks '$1': the operator's nginx.conf changed; update loopback_nginx_conf"; conf=${conf//"$1"/"$2"}; }
  _nginx_sub "listen 80;" "listen 127.0.0.1:$port;"
  _nginx_sub "listen 8081;" "listen 127.0.0.1:$metrics;"
  _nginx_sub "pid /tmp/nginx.pid;" "pid $dir/nginx.pid;"
  _nginx_sub "/tmp/nginx-" "$dir/nginx-"
  _nginx_sub "root /usr/share/messagestack/page;" "root $dir/root;"
  printf '%s\n' "$conf"
}
