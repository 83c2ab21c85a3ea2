#!/usr/bin/env bash
# make test-container, part two (called by scripts/test-container.sh once docker-compose.yml passed):
# deploy/ha/docker-compose.ha.yml built and run on the same podman service, then
#   1. the images of the monitor and nodes (pg_auto_failover) and of HAProxy, from Debian packages
#   2. compose up: monitor, node1 (primary), node2 (secondary), HAProxy, migrate, api1, api2
#   3. the walk through HAProxy's published port (scripts/container/smoke.mjs with a state file):
#      register, deposit, transfer, served by both API instances
#   4. the primary stopped (docker-compose stop); the seconds until HAProxy routes to a writable
#      primary again, polled (the monitor promotes the secondary)
#   5. the walk again: the first walk's users, sessions and balances all there, a keyed transfer
#      posted once, new users registered
#   6. docker-compose down -v
# Usage: scripts/container/test-ha.sh <podman socket>; run from the repository's root.
set -euo pipefail
SOCK="$1"
PROJECT=wallet-ledger-ct-ha
FILE=deploy/ha/docker-compose.ha.yml
PGAF_IMAGE=wallet-ledger-ha/pg-auto-failover:latest
HAPROXY_IMAGE=wallet-ledger-ha/haproxy:latest
STARTED=$SECONDS
say() { echo "== test-container (HA): $*"; }
elapsed() { echo "$((SECONDS - $1)) s"; }
now_ms() { date +%s%3N; }
compose() { DOCKER_HOST="unix://$SOCK" docker-compose -p "$PROJECT" -f "$FILE" "$@"; }

# --- 1. images ------------------------------------------------------------------
image_report=()
for spec in "pg-auto-failover.Dockerfile $PGAF_IMAGE" "haproxy.Dockerfile $HAPROXY_IMAGE"; do
  read -r dockerfile image <<< "$spec"
  previous="$(podman image inspect --format '{{.Id}}' "$image" 2> /dev/null || true)"
  start=$SECONDS
  log="/tmp/wallet-ledger-container-build-${dockerfile%.Dockerfile}.log"
  if ! podman build --pull=never --format docker -f "deploy/ha/$dockerfile" -t "$image" deploy/ha > "$log" 2>&1; then
    tail -30 "$log"
    say "FAILED: podman build of deploy/ha/$dockerfile (log: $log)"
    exit 1
  fi
  current="$(podman image inspect --format '{{.Id}}' "$image")"
  if [ -n "$previous" ] && [ "$previous" != "$current" ]; then podman rmi "$previous" > /dev/null 2>&1 || true; fi
  image_report+=("$image $(($(podman image inspect --format '{{.Size}}' "$image") / 1000000)) MB in $(elapsed "$start")")
done
say "images: ${image_report[0]}; ${image_report[1]} (both on postgres:15-bookworm's layers)"

# --- 2. compose up ------------------------------------------------------------------
HEALTH_PID=
STATE="$(mktemp /tmp/wallet-ledger-ha-walk.XXXXXX)"
rm -f "$STATE"
cleanup() {
  local rc=$?
  if [ $rc -ne 0 ]; then
    say "FAILED (exit $rc); the last lines of each service:"
    compose logs --no-color --tail 25 2> /dev/null | grep -v 'Permission denied' || true
  fi
  # Twice: a container that was restarting the first time holds the network.
  compose down -v --remove-orphans > /dev/null 2>&1 || compose down -v --remove-orphans > /dev/null 2>&1 || true
  [ -n "$HEALTH_PID" ] && kill "$HEALTH_PID" 2> /dev/null
  rm -f "$STATE"
  say "total $(elapsed $STARTED)"
  exit $rc
}
trap cleanup EXIT

# podman 4.3 runs health checks from systemd timers, which don't exist here.
(while :; do
  for id in $(podman ps -q --filter "label=com.docker.compose.project=$PROJECT"); do
    podman healthcheck run "$id" > /dev/null 2>&1 || true
  done
  sleep 1
done) &
HEALTH_PID=$!

random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
export SESSION_SECRET API_PORT SECURE_COOKIES=false DB_OWNER_PASSWORD DB_API_PASSWORD \
  PGAF_MONITOR_PASSWORD PGAF_REPLICATION_PASSWORD HAPROXY_CHECK_PASSWORD
SESSION_SECRET="$(random_hex 32)"
DB_OWNER_PASSWORD="$(random_hex 24)"
DB_API_PASSWORD="$(random_hex 24)"
PGAF_MONITOR_PASSWORD="$(random_hex 24)"
PGAF_REPLICATION_PASSWORD="$(random_hex 24)"
HAPROXY_CHECK_PASSWORD="$(random_hex 24)"
API_PORT="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
compose down -v --remove-orphans > /dev/null 2>&1 || true # a run killed before its cleanup
start=$SECONDS
if ! timeout 300 env DOCKER_HOST="unix://$SOCK" docker-compose -p "$PROJECT" -f "$FILE" up -d --no-build > /tmp/wallet-ledger-container-ha-up.log 2>&1; then
  tail -5 /tmp/wallet-ledger-container-ha-up.log
  say "FAILED: docker-compose up"
  exit 1
fi
say "compose up (monitor, node1 primary and node2 secondary, HAProxy, migrate, api1 and api2) in $(elapsed $start)"

id_of() { compose ps -q "$1"; }
haproxy="$(id_of haproxy)"
monitor="$(id_of monitor)"
[ "$(podman inspect --format '{{.State.ExitCode}}' "$(id_of migrate)")" = 0 ] || { say "FAILED: migrate did not exit 0"; exit 1; }
[ "$(podman port "$haproxy" 8080/tcp)" = "127.0.0.1:$API_PORT" ] ||
  { say "FAILED: HAProxy is published on $(podman port "$haproxy" 8080/tcp), not 127.0.0.1 only"; exit 1; }
for service in monitor node1 node2 api1 api2 migrate; do
  [ -z "$(podman port "$(id_of "$service")" 2> /dev/null)" ] || { say "FAILED: $service publishes a port"; exit 1; }
done

# The formation as the monitor sees it, and the writable primary as HAProxy sees it.
show_state() {
  podman exec "$monitor" setpriv --reuid=postgres --regid=postgres --init-groups \
    pg_autoctl show state --pgdata /var/lib/postgresql/pgaf 2> /dev/null
}
# Prints the address of the server HAProxy's PostgreSQL port leads to when it is writable, else nothing.
writable_through_haproxy() {
  podman exec "$haproxy" sh -c "PGPASSFILE=/run/haproxy-check/pgpass.root PGCONNECT_TIMEOUT=2 psql -X -w -tA \
    -h 127.0.0.1 -p 5432 -U haproxy_check -d postgres -c \"select inet_server_addr() where not pg_is_in_recovery() \
    and current_setting('default_transaction_read_only') = 'off'\"" 2> /dev/null | sed 's,/.*,,' || true
}
primary_node() { show_state | awk -F'|' '$6 ~ /^ *primary *$/ { gsub(/ /, "", $1); print $1 }'; }
address_of() { podman inspect --format "{{(index .NetworkSettings.Networks \"${PROJECT}_db\").IPAddress}}" "$(id_of "$1")"; }

primary="$(primary_node)"
[ "$primary" = node1 ] || { show_state; say "FAILED: node1 should be the first primary, the monitor says \"$primary\""; exit 1; }
show_state | grep -qE '^ *node2 .*\| *secondary *\| *secondary *$' ||
  { show_state; say "FAILED: node2 is not a secondary"; exit 1; }
[ "$(writable_through_haproxy)" = "$(address_of node1)" ] || { say "FAILED: HAProxy does not lead to node1"; exit 1; }
say "formation: node1 primary, node2 secondary (pg_autoctl show state); HAProxy leads to node1"

# HAProxy's view of its servers (its stats page, on the container's loopback only): "backend/server STATUS" lines.
haproxy_view() {
  podman exec "$haproxy" bash -c 'exec 3<>/dev/tcp/127.0.0.1/8404 && printf "GET /stats;csv HTTP/1.0\r\n\r\n" >&3 && cat <&3' 2> /dev/null |
    awk -F, '$2 ~ /^(node|api)[12]$/ { print $1 "/" $2 " " $18 }'
}
# The walk starts when HAProxy has both API instances up (compose starts them after migrate; the first check
# of each comes a few seconds later).
for _ in $(seq 120); do
  [ "$(haproxy_view | grep -cE '^api/api[12] UP')" = 2 ] && break
  sleep 0.5
done
[ "$(haproxy_view | grep -cE '^api/api[12] UP')" = 2 ] || { haproxy_view; say "FAILED: HAProxy does not have both API instances up"; exit 1; }

# --- 3. the walk ----------------------------------------------------------------------
node scripts/container/smoke.mjs "http://127.0.0.1:$API_PORT" "$STATE" | sed 's/^/   /'
api1="$(id_of api1)"
if ! podman exec -i "$api1" node - < scripts/container/api-db-role.cjs | sed 's/^/   /'; then
  say "FAILED: the API's database role may do more than rows"
  exit 1
fi
served="$(compose logs --no-color api1 api2 2> /dev/null | grep -oE '^api[12]_1 .*"url":"/v1/' | cut -d_ -f1 | sort | uniq -c |
  awk '{printf "%s%s %s", sep, $2, $1; sep=", "}')"
say "walk 1 through HAProxy: passed (API requests served: $served)"

# --- 4. the primary stopped -------------------------------------------------------------
old_address="$(address_of node1)"
start_ms=$(now_ms)
compose stop node1 > /dev/null 2>&1
stopped_ms=$(now_ms)
address=
while [ $(($(now_ms) - start_ms)) -lt 120000 ]; do
  address="$(writable_through_haproxy)"
  [ -n "$address" ] && [ "$address" != "$old_address" ] && break
  address=
  sleep 0.25
done
writable_ms=$(now_ms)
[ -n "$address" ] || { show_state; say "FAILED: no writable primary through HAProxy 120 s after node1 stopped"; exit 1; }
[ "$address" = "$(address_of node2)" ] || { say "FAILED: HAProxy leads to $address, not node2"; exit 1; }
seconds() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
gap="$(seconds $((writable_ms - start_ms)))"
show_state | sed 's/^/   /'
# When the monitor saw what, from its log (timestamps to the second): node1 unhealthy, node2 promoted.
compose logs --no-color -t monitor node1 node2 haproxy 2> /dev/null | grep -v 'Permission denied' \
  > /tmp/wallet-ledger-container-ha-failover.log || true
event_s() {
  local stamp
  stamp="$(grep -E "$1" /tmp/wallet-ledger-container-ha-failover.log | awk '{print $3}' | sort |
    awk -v after="$(date -u -d "@$((start_ms / 1000))" +%Y-%m-%dT%H:%M:%S)" '$1 >= after' | head -1)"
  [ -n "$stamp" ] && echo "$(($(date -d "$stamp" +%s) - start_ms / 1000)) s" || echo "?"
}
say "node1 stopped (docker-compose stop took $(seconds $((stopped_ms - start_ms))) s); the monitor marked it unhealthy" \
  "after $(event_s 'monitor_1 .*node1.* is marked as unhealthy'), node2 reported wait_primary after" \
  "$(event_s 'monitor_1 .*New state is reported by node 2 .*"wait_primary"'); HAProxy led to node2 after ${gap} s:" \
  "${gap} s without a writable primary (log: /tmp/wallet-ledger-container-ha-failover.log)"

# --- 5. the walk again ----------------------------------------------------------------
start_ms=$(now_ms)
node scripts/container/smoke.mjs "http://127.0.0.1:$API_PORT" "$STATE" | sed 's/^/   /'
say "walk 2 through HAProxy after the failover: passed in $(awk -v ms=$(($(now_ms) - start_ms)) 'BEGIN { printf "%.1f", ms / 1000 }') s; nothing lost"

# --- 6. down -v ---------------------------------------------------------------------------
start=$SECONDS
compose down -v --remove-orphans > /dev/null 2>&1
say "compose down -v in $(elapsed $start)"
say "PASSED: ${gap} s without a writable primary; images ${image_report[0]}, ${image_report[1]}"
