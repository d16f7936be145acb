#!/usr/bin/env bash
# Runs INSIDE a pod of the messagestack/objectstore image (a Job made by hack/lab/objectstore.sh),
# talking S3 to the lab's object store through its Service, as any backup client would.
#   s3-client.sh ensure-bucket NAME   create bucket NAME unless it exists (safe to run twice)
#   s3-client.sh check                the checks of `make test-objectstore` (below); exit 1 if any fails
# Environment: S3_ENDPOINT (http://host:port), S3_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
# (from the Secret objectstore-credentials, never on a command line: curl reads them from stdin
# with -K -, and printf is a shell builtin), LAB_BUCKET for `check`.
# Requests are signed with curl's --aws-sigv4 (SigV4). Debian's curl 7.88 does not send the
# x-amz-content-sha256 header S3 requires, so we send it ourselves: the real SHA-256 of the body,
# which the server checks (a body that does not match is refused, one of the checks below).
set -euo pipefail

: "${S3_ENDPOINT:?}" "${S3_REGION:?}" "${AWS_ACCESS_KEY_ID:?}" "${AWS_SECRET_ACCESS_KEY:?}"
WORK=${TMPDIR:-/tmp}/s3-client.$$
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

log() { echo "[$(date -u +%H:%M:%S)] s3-client: $*"; }

# s3_as ACCESS SECRET METHOD PATH PAYLOAD_SHA256 [curl args...]: prints the HTTP status code;
# the response body is in $WORK/body, the headers in $WORK/headers.
s3_as() {
  local access=$1 secret=$2 method=$3 path=$4 sha=$5; shift 5
  printf 'user = "%s:%s"\n' "$access" "$secret" |
    curl -sS -K - --aws-sigv4 "aws:amz:${S3_REGION}:s3" -H "x-amz-content-sha256: $sha" \
      -X "$method" -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' --max-time 120 \
      "$@" "${S3_ENDPOINT}${path}" || echo "curl-failed"
}
s3() { s3_as "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$@"; }
# put_file PATH FILE [SHA256]: PUT with the file's own SHA-256 unless one is given.
put_file() {
  local sha=${3:-$(sha256sum "$2" | cut -d' ' -f1)}
  s3 PUT "$1" "$sha" -T "$2"
}

ensure_bucket() {
  local name=$1 code tries=0
  # Right after the server turns Ready its Service may not route yet (kube-proxy programs the
  # rules a moment later: "Couldn't connect" on a fresh lab); a refused connection reached nothing.
  while code=$(s3 HEAD "/$name" "$EMPTY_SHA256" -I) && [[ $code == *curl-failed ]] && [ $((tries += 1)) -lt 30 ]; do
    log "HEAD /$name: no connection yet (attempt $tries of 30), again in 1 s"; sleep 1
  done
  case $code in
    200) log "bucket $name exists"; return 0 ;;
    404) ;;
    *) log "HEAD /$name answered $code (expected 200 or 404)"; cat "$WORK/body" 2>/dev/null; return 1 ;;
  esac
  code=$(s3 PUT "/$name" "$EMPTY_SHA256")
  [ "$code" = 200 ] || { log "creating bucket $name answered $code"; cat "$WORK/body"; return 1; }
  log "bucket $name created"
}

PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); log "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); log "FAIL $*"; }
# expect DESCRIPTION WANT GOT
expect() { if [ "$3" = "$2" ]; then pass "$1 ($3)"; else fail "$1: expected $2, got $3"; fi; }

check() {
  : "${LAB_BUCKET:?}"
  local b code small big got t0 ms
  b="ms-check-$(date -u +%Y%m%d%H%M%S)-$RANDOM"   # a bucket of this run only, removed at the end

  code=$(s3 HEAD "/$LAB_BUCKET" "$EMPTY_SHA256" -I)
  expect "the lab bucket $LAB_BUCKET exists" 200 "$code"

  # Refused requests first: wrong secret, unknown access key, no signature at all.
  code=$(s3_as "$AWS_ACCESS_KEY_ID" "wrong-${AWS_SECRET_ACCESS_KEY}" GET / "$EMPTY_SHA256")
  expect "list buckets with a wrong secret key is refused" 403 "$code"
  # AWS answers 403 InvalidAccessKeyId; versitygw answers 404 XAdminUserNotFound (docs/backup.md).
  # Either is a refusal a backup client must report as a credentials error.
  code=$(s3_as "AKNOTAUSER0000000000" "$AWS_SECRET_ACCESS_KEY" GET / "$EMPTY_SHA256")
  got="$code $(grep -o '<Code>[^<]*</Code>' "$WORK/body" | sed 's/<[^>]*>//g')"
  case $got in
    "403 InvalidAccessKeyId"|"404 XAdminUserNotFound") pass "list buckets with an unknown access key is refused ($got)" ;;
    *) fail "list buckets with an unknown access key: expected 403 InvalidAccessKeyId or 404 XAdminUserNotFound, got $got" ;;
  esac
  code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 30 "${S3_ENDPOINT}/$LAB_BUCKET?list-type=2" || echo curl-failed)
  expect "an anonymous listing of the lab bucket is refused" 403 "$code"

  code=$(s3 PUT "/$b" "$EMPTY_SHA256")
  expect "create bucket $b" 200 "$code"
  code=$(s3 GET / "$EMPTY_SHA256")
  if [ "$code" = 200 ] && grep -q "<Name>$b</Name>" "$WORK/body" && grep -q "<Name>$LAB_BUCKET</Name>" "$WORK/body"; then
    pass "list buckets shows $b and $LAB_BUCKET"
  else
    fail "list buckets ($code) does not show $b and $LAB_BUCKET: $(head -c 400 "$WORK/body")"
  fi

  # A small object, then a multi-MB one: what comes back has the same SHA-256 as what went in.
  small="$WORK/small.txt"; big="$WORK/big.bin"
  printf 'messagestack object store check %s\n' "$b" > "$small"
  code=$(put_file "/$b/dir/small.txt" "$small")
  expect "put a small object" 200 "$code"
  code=$(s3 GET "/$b/dir/small.txt" "$EMPTY_SHA256")
  got=$(sha256sum < "$WORK/body" | cut -d' ' -f1)
  expect "get the small object: same SHA-256 as sent ($code)" "$(sha256sum < "$small" | cut -d' ' -f1)" "$got"

  head -c $((${BIG_MB:-32} * 1024 * 1024)) /dev/urandom > "$big"
  t0=$(date +%s%N)
  code=$(put_file "/$b/big.bin" "$big")
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  expect "put a ${BIG_MB:-32} MiB object (${ms} ms)" 200 "$code"
  t0=$(date +%s%N)
  code=$(s3 GET "/$b/big.bin" "$EMPTY_SHA256")
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  got=$(sha256sum < "$WORK/body" | cut -d' ' -f1)
  expect "get the ${BIG_MB:-32} MiB object (${ms} ms, HTTP $code): same SHA-256 as sent" "$(sha256sum < "$big" | cut -d' ' -f1)" "$got"
  code=$(s3 HEAD "/$b/big.bin" "$EMPTY_SHA256" -I)
  got=$(tr -d '\r' < "$WORK/headers" | awk 'tolower($1)=="content-length:"{print $2}')
  expect "HEAD of the big object ($code) reports its size" "$(stat -c %s "$big")" "$got"

  # Integrity and credentials on writes: nothing is stored when the request is refused.
  code=$(put_file "/$b/corrupt.bin" "$small" "$EMPTY_SHA256")
  expect "a PUT whose body does not match its x-amz-content-sha256 is refused" 400 "$code"
  code=$(s3 HEAD "/$b/corrupt.bin" "$EMPTY_SHA256" -I)
  expect "... and nothing was stored" 404 "$code"
  code=$(s3_as "$AWS_ACCESS_KEY_ID" "wrong-${AWS_SECRET_ACCESS_KEY}" PUT "/$b/intruder.txt" "$(sha256sum < "$small" | cut -d' ' -f1)" -T "$small")
  expect "a PUT with a wrong secret key is refused" 403 "$code"
  code=$(s3 HEAD "/$b/intruder.txt" "$EMPTY_SHA256" -I)
  expect "... and nothing was stored" 404 "$code"

  code=$(s3 GET "/$b?list-type=2" "$EMPTY_SHA256")
  if [ "$code" = 200 ] && [ "$(grep -o '<Key>[^<]*</Key>' "$WORK/body" | sort | tr -d '\n')" = "<Key>big.bin</Key><Key>dir/small.txt</Key>" ]; then
    pass "list objects shows exactly big.bin and dir/small.txt"
  else
    fail "list objects ($code): $(grep -o '<Key>[^<]*</Key>' "$WORK/body" | tr -d '\n')"
  fi
  code=$(s3 GET "/$b/missing" "$EMPTY_SHA256")
  expect "get of a missing key" 404 "$code"

  # Clean up only what this run created.
  for key in dir/small.txt big.bin; do
    code=$(s3 DELETE "/$b/$key" "$EMPTY_SHA256")
    expect "delete $key" 204 "$code"
  done
  code=$(s3 DELETE "/$b" "$EMPTY_SHA256")
  expect "delete bucket $b" 204 "$code"
  code=$(s3 HEAD "/$b" "$EMPTY_SHA256" -I)
  expect "bucket $b is gone" 404 "$code"

  echo "objectstore: $PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}

case "${1:-}" in
  ensure-bucket) ensure_bucket "${2:?bucket name}" ;;
  check) check ;;
  *) echo "usage: $0 ensure-bucket NAME | check" >&2; exit 2 ;;
esac
