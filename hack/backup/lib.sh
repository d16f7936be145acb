# shellcheck shell=bash
# Helpers shared by the backup and PITR test scripts (sourced, not run).

# recovery_point_lags DIR: the recovery point of every row, from DIR/archiver.log (galera-agent
# binlog-archive's JSON lines) and DIR/rows.steady ("<n> <seqno> <acknowledged_at_ms>" per row):
# each row's lag is the upload time of the first segment holding its seqno minus its
# acknowledgement. Writes DIR/segments.log, DIR/lags.txt (one lag or "missing" per row) and
# DIR/lag.txt: "ROWS MISSING MIN P50 P95 MAX" (ms; "-" when no row was archived).
recovery_point_lags() {
  local dir=$1
  jq -r 'select(.msg == "segment archived") | "\(.first) \(.last) \(.archived_at_ms)"' "$dir/archiver.log" >"$dir/segments.log"
  awk 'NR == FNR { first[NR] = $1; last[NR] = $2; at[NR] = $3; n = NR; next }
    { seq = $2; ack = $3; found = 0
      for (i = 1; i <= n; i++) if (first[i] <= seq && seq <= last[i]) { print at[i] - ack; found = 1; break }
      if (!found) print "missing" }' "$dir/segments.log" "$dir/rows.steady" >"$dir/lags.txt"
  grep -v missing "$dir/lags.txt" | sort -n | awk -v missing="$(grep -c missing "$dir/lags.txt" || true)" \
    '{ l[NR] = $1 } END { if (NR == 0) { print 0, missing, "-", "-", "-", "-"; exit }
      p50 = int((NR + 1) * 0.5); p95 = int(NR * 0.95); if (p95 < 1) p95 = 1
      print NR, missing, l[1], l[p50], l[p95], l[NR] }' >"$dir/lag.txt"
}

# copy_store_credentials STORE_NS NS: the Secret backup-s3 in NS holding the lab object store's keys
# (from STORE_NS/objectstore-credentials), as a user would create it; an existing one is kept.
# Prints "created" or "exists, kept". Needs the k function (kubectl on the lab) of hack/operator/lib.sh.
copy_store_credentials() {
  local store_ns=$1 ns=$2
  if k -n "$ns" get secret backup-s3 >/dev/null 2>&1; then echo "exists, kept"; return 0; fi
  k -n "$store_ns" get secret objectstore-credentials -o json \
    | jq --arg ns "$ns" '{apiVersion: "v1", kind: "Secret", type: "Opaque",
        metadata: {name: "backup-s3", namespace: $ns, labels: {"app.kubernetes.io/part-of": "messagestack-lab"}},
        data: {AWS_ACCESS_KEY_ID: .data.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: .data.AWS_SECRET_ACCESS_KEY}}' \
    | k apply -f - >/dev/null
  echo "created"
}

# start_loopback_s3 KEY_PREFIX: the lab's S3 server (versitygw, posix backend in $MS_TEST_RUN/s3) as a
# plain process on 127.0.0.1:$S3_PORT with keys generated now (exported as AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY, known only to this run), built first when missing; its pid in
# $MS_TEST_RUN/s3.pid and PIDS (the caller's cleanup list); returns once it answers or after 10 s.
# Uses the caller's REPO, VERSITYGW, S3_PORT, REGION, MS_TEST_RUN, S3 and say.
start_loopback_s3() {
  if [ ! -x "$VERSITYGW" ]; then
    say "versitygw not built yet: hack/lab/objectstore.sh binary (a few minutes the first time)"
    "$REPO/hack/lab/objectstore.sh" binary
  fi
  AWS_ACCESS_KEY_ID="$1$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  AWS_SECRET_ACCESS_KEY="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
  say "starting versitygw on 127.0.0.1:$S3_PORT (posix backend in $MS_TEST_RUN/s3)"
  ROOT_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID ROOT_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
    nohup "$VERSITYGW" --port "127.0.0.1:$S3_PORT" --region "$REGION" posix --sidecar "$MS_TEST_RUN/s3/meta" \
    "$MS_TEST_RUN/s3/buckets" >"$MS_TEST_RUN/s3.log" 2>&1 &
  echo $! >"$MS_TEST_RUN/s3.pid"; PIDS+=("$!")
  for _ in $(seq 1 50); do [ "$(s3 GET / 2>/dev/null)" = 200 ] && break; sleep 0.2; done
}

# s3 METHOD PATH [curl args]: a signed request (curl --aws-sigv4, an independent client) to $S3; the
# body in $MS_TEST_RUN/body; prints the status code (curl-failed when there was no answer).
s3() {
  local method=$1 path=$2; shift 2
  printf 'user = "%s:%s"\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" |
    curl -sS -K - --aws-sigv4 "aws:amz:$REGION:s3" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
      -X "$method" -o "$MS_TEST_RUN/body" -w '%{http_code}' --max-time 120 "$@" "$S3$path" || echo curl-failed
}
