#!/usr/bin/env bash
# make test-container: the container path built and run, not only read.
#   1. rootful podman, set up if it can be (packages from apt, containers.conf)
#   2. the stand-in base images (scripts/container/standin-bases.sh; cached)
#   3. the project's image from the Dockerfile (podman build --format docker)
#   4. docker-compose.yml as written: db, the one-shot migrate job, the API
#      (Debian's docker-compose 1.29 on `podman system service`'s socket, since
#      podman-compose ignores depends_on conditions; health checks run by
#      `podman healthcheck run` in a loop, since there are no systemd timers)
#   5. readiness, register, log in, deposit, transfer (scripts/container/smoke.mjs);
#      the API runs as a non-root user that cannot write its code, on a read-only
#      root without capabilities and with no-new-privileges; its database role
#      cannot drop a trigger, truncate or alter (scripts/container/api-db-role.cjs);
#      the image's HEALTHCHECK turns healthy; one clear line without DATABASE_URL
#   6. docker-compose down -v
#   7. the HA layout, deploy/ha/docker-compose.ha.yml (scripts/container/test-ha.sh): a pg_auto_failover
#      monitor and two PostgreSQL nodes, HAProxy, migrate and two API instances; the walk through
#      HAProxy, the primary stopped, the seconds without a writable primary, the walk again, down -v
#      (SKIP_HA_CONTAINER_TEST=1 skips this part)
# Where podman can't run it says why and exits 0 (SKIP_CONTAINER_TEST=1 skips).
set -euo pipefail
cd "$(dirname "$0")/.."

PROJECT=wallet-ledger-ct
IMAGE=wallet-ledger:latest
STARTED=$SECONDS
say() { echo "== test-container: $*"; }
skip() {
  say "SKIPPED: $*"
  exit 0
}
elapsed() { echo "$((SECONDS - $1)) s"; }

[ "${SKIP_CONTAINER_TEST:-0}" = 1 ] && skip "SKIP_CONTAINER_TEST=1"
[ "$(uname -s)" = Linux ] || skip "needs Linux (rootful podman), this is $(uname -s)"
[ "$(id -u)" = 0 ] || skip "needs root for rootful podman (running as uid $(id -u))"
command -v flock > /dev/null || skip "flock (util-linux) is missing"

# One run at a time on a machine: the image tag, the compose project and podman's setup are shared.
exec 9> /var/lock/wallet-ledger-test-container.lock
flock -w 900 9 || skip "another test-container run held the lock for 15 minutes"

# --- 1. podman --------------------------------------------------------------
PACKAGES=(podman runc netavark aardvark-dns iptables debootstrap docker-compose)
COMMANDS=(podman runc debootstrap docker-compose)
missing=()
for command in "${COMMANDS[@]}"; do command -v "$command" > /dev/null || missing+=("$command"); done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get > /dev/null || skip "missing ${missing[*]} and no apt-get to install them"
  say "installing ${PACKAGES[*]} with apt (missing: ${missing[*]})"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${PACKAGES[@]}"; } > /tmp/wallet-ledger-container-apt.log 2>&1; then
    tail -5 /tmp/wallet-ledger-container-apt.log
    skip "could not install ${PACKAGES[*]} with apt (log: /tmp/wallet-ledger-container-apt.log)"
  fi
fi

# What this machine kind needs (found by trying): the sandbox refuses podman's
# default ulimits; crun refuses the cgroup layout (runc doesn't); no systemd.
CONF_MARK='# wallet-ledger: scripts/test-container.sh'
CONF="$CONF_MARK
[containers]
default_ulimits = [\"nofile=20000:20000\", \"nproc=32768:32768\"]

[engine]
runtime = \"runc\"
cgroup_manager = \"cgroupfs\"
events_logger = \"file\""
if [ ! -e /etc/containers/containers.conf ] || grep -qF "$CONF_MARK" /etc/containers/containers.conf; then
  mkdir -p /etc/containers
  [ "$(cat /etc/containers/containers.conf 2>/dev/null)" = "$CONF" ] || echo "$CONF" > /etc/containers/containers.conf
else
  # Someone else's containers.conf: leave it, and point podman at ours for this run.
  echo "$CONF" > /etc/containers/wallet-ledger-test.conf
  export CONTAINERS_CONF=/etc/containers/wallet-ledger-test.conf
fi
if ! info="$(podman info --format '{{.Host.OCIRuntime.Name}}, {{.Store.GraphDriverName}}, {{.Host.NetworkBackend}}' 2>&1)"; then
  skip "podman does not run here: $(echo "$info" | tail -1)"
fi
say "podman $(podman version --format '{{.Client.Version}}') ($info), $(docker-compose version --short 2>/dev/null | sed 's/^/docker-compose /')"

# --- 2. stand-in bases ------------------------------------------------------
start=$SECONDS
set +e
scripts/container/standin-bases.sh
rc=$?
set -e
[ $rc -eq 75 ] && skip "the stand-in base images could not be built (no Debian mirror)"
[ $rc -eq 0 ] || exit $rc
if ! probe="$(podman run --rm --no-healthcheck --network none docker.io/library/node:20-bookworm-slim node -e 'console.log(process.version)' 2>&1)"; then
  skip "podman cannot run a container here: $(echo "$probe" | tail -1)"
fi
say "base images ready in $(elapsed $start)"

# --- 3. the project's image -------------------------------------------------
previous="$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
start=$SECONDS
# --format docker: podman's default (OCI) format drops HEALTHCHECK.
if ! podman build --pull=never --format docker -t "$IMAGE" . > /tmp/wallet-ledger-container-build.log 2>&1; then
  tail -30 /tmp/wallet-ledger-container-build.log
  say "FAILED: podman build (log: /tmp/wallet-ledger-container-build.log)"
  exit 1
fi
BUILD_TIME=$((SECONDS - start))
current="$(podman image inspect --format '{{.Id}}' "$IMAGE")"
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then podman rmi "$previous" > /dev/null 2>&1 || true; fi
SIZE_MB=$(($(podman image inspect --format '{{.Size}}' "$IMAGE") / 1000000))
say "image $IMAGE: $SIZE_MB MB, built in $BUILD_TIME s (cached layers reused where their inputs are unchanged)"
podman image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE" | grep -q '"Test"' ||
  { say "FAILED: the image has no HEALTHCHECK"; exit 1; }

# Without DATABASE_URL in production: one clear line naming it, exit 1.
set +e
output="$(podman run --rm --no-healthcheck --network none -e SECURE_COOKIES=false -e SESSION_SECRET="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" "$IMAGE" 2>&1)"
rc=$?
set -e
if [ $rc -ne 1 ] || ! grep -q 'DATABASE_URL' <<< "$output" || [ "$(wc -l <<< "$output")" -ne 1 ]; then
  echo "$output" | tail -5
  say "FAILED: without DATABASE_URL the container should print one line naming it and exit 1 (exit $rc)"
  exit 1
fi
say "without DATABASE_URL: exit 1, \"$output\""

# --- 4. docker-compose.yml as written ----------------------------------------
SOCK="/run/wallet-ledger-podman.$$.sock"
podman system service --time=0 "unix://$SOCK" > /tmp/wallet-ledger-podman-service.log 2>&1 &
SERVICE_PID=$!
HEALTH_PID=
compose() { DOCKER_HOST="unix://$SOCK" docker-compose -p "$PROJECT" -f docker-compose.yml "$@"; }
cleanup() {
  local rc=$?
  if [ $rc -ne 0 ]; then
    say "FAILED (exit $rc); the last lines of each service:"
    compose logs --no-color --tail 30 2> /dev/null || true
  fi
  compose down -v --remove-orphans > /dev/null 2>&1 || true
  [ -n "$HEALTH_PID" ] && kill "$HEALTH_PID" 2> /dev/null
  kill "$SERVICE_PID" 2> /dev/null
  wait 2> /dev/null
  rm -f "$SOCK"
  say "total $(elapsed $STARTED)"
  exit $rc
}
trap cleanup EXIT
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.2; done
[ -S "$SOCK" ] || { say "FAILED: podman system service did not listen on $SOCK"; exit 1; }

# podman 4.3 runs health checks from systemd timers, which don't exist here.
(while :; do
  for id in $(podman ps -q --filter "label=com.docker.compose.project=$PROJECT"); do
    podman healthcheck run "$id" > /dev/null 2>&1 || true
  done
  sleep 2
done) &
HEALTH_PID=$!

export SESSION_SECRET API_PORT SECURE_COOKIES=false DB_OWNER_PASSWORD DB_API_PASSWORD
random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
SESSION_SECRET="$(random_hex 32)"
DB_OWNER_PASSWORD="$(random_hex 24)"
DB_API_PASSWORD="$(random_hex 24)"
API_PORT="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
compose down -v --remove-orphans > /dev/null 2>&1 || true # a run killed before its cleanup
start=$SECONDS
if ! timeout 300 env DOCKER_HOST="unix://$SOCK" docker-compose -p "$PROJECT" -f docker-compose.yml up -d --no-build; then
  say "FAILED: docker-compose up"
  exit 1
fi
say "compose up (db healthy, migrate done, api started) in $(elapsed $start)"

id_of() { compose ps -q "$1"; }
api="$(id_of api)"
migrate="$(id_of migrate)"
[ "$(podman inspect --format '{{.State.ExitCode}}' "$migrate")" = 0 ] || { say "FAILED: migrate did not exit 0"; exit 1; }
podman inspect --format '{{json .Config.Healthcheck}}' "$migrate" | grep -qE '^null$|"NONE"' ||
  { say "FAILED: the migrate job has a health check"; exit 1; }
[ "$(podman port "$api" 8080/tcp)" = "127.0.0.1:$API_PORT" ] ||
  { say "FAILED: the API is published on $(podman port "$api" 8080/tcp), not 127.0.0.1 only"; exit 1; }

# Metrics: reachable inside the compose network (from the db container, by the service name), never
# published on the host, and not served on the API's port.
[ -z "$(podman port "$api" 9464/tcp 2> /dev/null)" ] ||
  { say "FAILED: the metrics port is published on the host: $(podman port "$api" 9464/tcp)"; exit 1; }
metrics_status="$(podman exec "$(id_of db)" bash -c \
  'exec 3<>/dev/tcp/api/9464 && printf "GET /metrics HTTP/1.0\r\nHost: api\r\n\r\n" >&3 && head -1 <&3' | tr -d '\r')"
[ "$metrics_status" = "HTTP/1.1 200 OK" ] ||
  { say "FAILED: api:9464/metrics from the compose network answered \"$metrics_status\""; exit 1; }
api_metrics="$(node -e "fetch('http://127.0.0.1:$API_PORT/metrics').then((r) => console.log(r.status))")"
[ "$api_metrics" = 404 ] || { say "FAILED: GET /metrics on the API port answered $api_metrics, not 404"; exit 1; }
say "metrics: api:9464 answers inside the compose network, not published on the host; 404 on the API port"

# --- 5. through the API, and the container's hardening -----------------------
node scripts/container/smoke.mjs "http://127.0.0.1:$API_PORT"

uids="$(podman exec "$api" sh -c 'grep ^Uid: /proc/1/status')"
if grep -qE '\s0(\s|$)' <<< "$uids"; then
  say "FAILED: the API process runs as root ($uids)"
  exit 1
fi
for path in /app/dist/.probe /app/dist/apps/api/src/main.js /app/node_modules/.probe /app/package.json; do
  if podman exec "$api" node -e "require('fs').appendFileSync('$path', '')" 2> /dev/null; then
    say "FAILED: the API's user can write $path"
    exit 1
  fi
done
say "API process: $(awk '{print "uid " $2}' <<< "$uids"), cannot write /app/dist, /app/node_modules, /app/package.json"

# The container's hardening in effect (podman inspect says what was asked, /proc what the process got).
hardening="$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}} {{.HostConfig.SecurityOpt}}' "$api")"
status="$(podman exec "$api" sh -c 'grep -E "^(CapEff|CapPrm|CapBnd|NoNewPrivs):" /proc/1/status' | tr -s ' \t' ' ')"
if ! grep -q '^true ' <<< "$hardening" || ! grep -q 'no-new-privileges' <<< "$hardening" ||
  ! grep -q 'NoNewPrivs: 1' <<< "$status" || ! grep -q 'CapEff: 0000000000000000' <<< "$status" ||
  ! grep -q 'CapBnd: 0000000000000000' <<< "$status"; then
  say "FAILED: the API container's hardening: inspect \"$hardening\", /proc/1/status: $(tr '\n' ' ' <<< "$status")"
  exit 1
fi
if podman exec "$api" sh -c ': > /probe' 2> /dev/null || podman exec "$api" sh -c ': > /home/node/.probe' 2> /dev/null; then
  say "FAILED: the API container's root filesystem is writable"
  exit 1
fi
podman exec "$api" sh -c ': > /tmp/.probe && rm /tmp/.probe' || { say "FAILED: /tmp (tmpfs) is not writable"; exit 1; }
say "API container: read-only root (tmpfs /tmp), no capabilities (CapEff, CapBnd 0), NoNewPrivs 1"

# Two database roles: the API's can read and write rows only (no DROP TRIGGER, TRUNCATE, DDL, ledger rewrite),
# and the API never sees the owner's password.
if ! podman exec -i "$api" node - < scripts/container/api-db-role.cjs | sed 's/^/== test-container: /'; then
  say "FAILED: the API's database role may do more than rows"
  exit 1
fi
if podman exec "$api" printenv | grep -qF "$DB_OWNER_PASSWORD"; then
  say "FAILED: the API container's environment holds the owner's database password"
  exit 1
fi
podman exec "$(id_of db)" psql -U wallet -d wallet -tAc "select rolname from pg_roles where rolname = 'wallet_api'" |
  grep -qx wallet_api || { say "FAILED: the init script did not create wallet_api"; exit 1; }
say "the migrate job ran as the owner; the API's role wallet_api was refused DDL and ledger rewrites"

start=$SECONDS
for _ in $(seq 90); do
  health="$(podman inspect --format '{{.State.Health.Status}}' "$api")"
  [ "$health" = healthy ] && break
  sleep 1
done
[ "$health" = healthy ] || { say "FAILED: the image's HEALTHCHECK says \"$health\" after 90 s"; exit 1; }
say "the image's HEALTHCHECK: healthy"

# --- 6. down -v ---------------------------------------------------------------
start=$SECONDS
compose down -v --remove-orphans > /dev/null 2>&1
say "compose down -v in $(elapsed $start)"

# --- 7. the HA layout: deploy/ha/docker-compose.ha.yml, its primary stopped between two walks --------
if [ "${SKIP_HA_CONTAINER_TEST:-0}" = 1 ]; then
  say "the HA layout: SKIPPED (SKIP_HA_CONTAINER_TEST=1)"
else
  scripts/container/test-ha.sh "$SOCK"
fi
say "PASSED: image $SIZE_MB MB, build $BUILD_TIME s"
