#!/usr/bin/env bash
# Builds the message-api image from the packaged fast-jar, then checks it for real: runs it
# with a 384 MiB memory limit against the test MariaDB (host network, loopback only), waits
# for readiness, stores a message, reads its memory use, and stops it with SIGTERM.
# usage: build-image.sh [IMAGE] [BASE_IMAGE]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
root=$(repo_root)
IMAGE=${1:-messagestack/message-api:dev}
BASE=${2:-messagestack/debian-base:bookworm}
SMOKE_PORT=${API_IMAGE_SMOKE_PORT:-18095}

docker info >/dev/null 2>&1 || die "no Docker engine answers: run 'make docker'"
if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  [[ $BASE == messagestack/* ]] && die "base image $BASE missing: run 'make base-image'"
  say "base image $BASE not present locally; docker build will try to pull it"
fi

# The image carries a hash of what it is built from: the same sources and base build nothing again (make up
# and make test reach this more than once: the api-image phase, then deploy-sample's and test-e2e's prerequisite).
base_id=$(docker image inspect -f '{{.Id}}' "$BASE" 2>/dev/null || echo "$BASE")
source_hash=$( (cd "$root" && find pom.xml message-api/pom.xml message-api/src -type f -print0 | sort -z | xargs -0 sha256sum
  echo "$base_id") | sha256sum | cut -c1-16)
built_hash=$(docker image inspect -f '{{index .Config.Labels "io.messagestack.source-hash"}}' "$IMAGE" 2>/dev/null || true)
if [[ $built_hash == "$source_hash" && ${FORCE:-0} != 1 ]]; then
  say "$IMAGE is up to date (sources $source_hash, built and smoke-tested before): nothing to do (FORCE=1 rebuilds)"
  exit 0
fi

say "phase: mvn package (message-api)"
mvn -B -q -f "$root/message-api/pom.xml" package -DskipTests || die "message-api build failed"

say "phase: docker build $IMAGE (BASE_IMAGE=$BASE)"
# The JVM options and the archive script live with the Dockerfile; the build context is the fast-jar.
cp "$root/message-api/src/main/docker/jvm.options" "$root/message-api/src/main/docker/app-cds.sh" \
  "$root/message-api/src/main/docker/with-training-database.sh" "$root/message-api/target/quarkus-app/"
# Built under a temporary tag; the real tag (with the hash) only after the smoke run passed.
candidate="$IMAGE-candidate"
docker build -q -f "$root/message-api/src/main/docker/Dockerfile" --build-arg BASE_IMAGE="$BASE" \
  --label io.messagestack.source-hash="$source_hash" \
  -t "$candidate" "$root/message-api/target/quarkus-app" >/dev/null || die "docker build failed"
user=$(docker image inspect -f '{{.Config.User}}' "$candidate")
[[ $user == 185 ]] || die "image runs as '$user', expected the non-root uid 185"
say "built $candidate ($(docker image inspect -f '{{.Size}}' "$candidate" | awk '{printf "%.0f MB", $1/1e6}'), user $user)"

say "phase: smoke run with --memory 384m against the test MariaDB"
mariadb_was_running=
pid_alive "$MS_TEST_RUN/mariadb/run/mysqld.pid" && mariadb_was_running=1
"$(dirname "$0")/start-mariadb.sh" >/dev/null
name=message-api-smoke
docker rm -f "$name" >/dev/null 2>&1 || true
trap 'docker rm -f "$name" >/dev/null 2>&1 || true; [[ -n $mariadb_was_running ]] || "$(dirname "$0")/stop-mariadb.sh" >/dev/null 2>&1 || true' EXIT
docker run -d --name "$name" --network host --memory 384m --hostname api-smoke \
  -e QUARKUS_HTTP_PORT="$SMOKE_PORT" -e QUARKUS_HTTP_HOST=127.0.0.1 \
  -e QUARKUS_DATASOURCE_JDBC_URL="jdbc:mysql://127.0.0.1:$SINGLE_PORT/$APP_DB" \
  -e QUARKUS_DATASOURCE_USERNAME="$APP_USER" -e QUARKUS_DATASOURCE_PASSWORD="$APP_PASSWORD" \
  "$candidate" >/dev/null
deadline=$(( $(date +%s) + 90 ))
until curl -fs -o /dev/null "http://127.0.0.1:$SMOKE_PORT/q/health/ready"; do
  [[ $(docker inspect -f '{{.State.Running}}' "$name") == true ]] || die "container exited: $(docker logs --tail 30 "$name" 2>&1)"
  [[ $(date +%s) -lt $deadline ]] || die "not ready within 90 s: $(docker logs --tail 30 "$name" 2>&1)"
  sleep 1
done
served=$(curl -fsS -D - -o /dev/null -H 'Content-Type: application/json' -d '{"subject":"image smoke","body":"ok"}' \
  "http://127.0.0.1:$SMOKE_PORT/api/messages/" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-served-by"{print $2}')
[[ $served == api-smoke ]] || die "X-Served-By was '$served', expected the container hostname api-smoke"
pid=$(docker inspect -f '{{.State.Pid}}' "$name")
rss=$(awk '/VmRSS/{printf "%.0f MiB", $2/1024}' "/proc/$pid/status")
heap=$(docker exec "$name" sh -c 'exec java @/deployments/jvm.options $JAVA_OPTS -XX:+PrintFlagsFinal -version' 2>/dev/null | awk '$2=="MaxHeapSize"{printf "%.0f", $4/1048576}')
[[ -n $heap && $heap -le 100 ]] || die "the JVM in a 384 MiB container sizes its heap to '${heap}' MiB; expected about 96 (is the memory limit seen?)"
say "container ready, stored a message, X-Served-By=$served, RSS $rss, max heap ${heap} MiB under --memory 384m"
# The JVM ignores an archive it cannot use (another JVM build, other options): check the running
# service really mapped it.
grep -q /deployments/app-cds.jsa "/proc/$pid/maps" || die "the service did not map /deployments/app-cds.jsa (class-data sharing off)"
say "the service runs with its class-data sharing archive (/deployments/app-cds.jsa mapped)"
start=$(date +%s)
docker stop -t 30 "$name" >/dev/null
code=$(docker inspect -f '{{.State.ExitCode}}' "$name")
say "stopped by SIGTERM in $(( $(date +%s) - start )) s (exit code $code)"
docker logs "$name" 2>&1 | grep -q '"message":"message-api stopped' || docker logs "$name" 2>&1 | grep -q 'stopped in' \
  || die "no clean shutdown in the log: $(docker logs --tail 20 "$name" 2>&1)"
docker tag "$candidate" "$IMAGE" && docker rmi "$candidate" >/dev/null
say "image $IMAGE OK (sources $source_hash)"
