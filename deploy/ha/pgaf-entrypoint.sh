#!/bin/sh
# Entrypoint of the pg_auto_failover image (deploy/ha/pg-auto-failover.Dockerfile).
#   pgaf-entrypoint.sh monitor   the monitor: creates it on an empty volume, then `pg_autoctl run`
#   pgaf-entrypoint.sh node      a PostgreSQL node (NODE_NAME, its compose service name): registers
#                                with the monitor on an empty volume (the first becomes primary, the
#                                next a streaming secondary), then `pg_autoctl run`
# Everything runs as the postgres user. pg_autoctl's own pg_hba editing is off (--skip-pg-hba): it adds a
# rule per peer, `trust` unless told otherwise, by hostname or, where reverse DNS disagrees, by the
# address the peer has at that moment; the rules below name `samenet` (the database network, the only
# one these containers are on) and ask a SCRAM password of every network login. Its connections between the nodes and to the monitor use TLS with self-signed
# certificates (--ssl-self-signed: encrypted, no protection against a man in the middle).
set -eu
role="${1:-}"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
need() { eval "[ -n \"\${$1:-}\" ]" || { echo "pgaf-entrypoint: $1 must be set" >&2; exit 2; }; }
export PATH="/usr/lib/postgresql/15/bin:$PATH"

mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$HOME" "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"

# Runs SQL on the local server over its Unix socket, as the postgres superuser.
local_psql() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -p 5432 "$@"; }

case "$role" in
monitor)
  need PGAF_MONITOR_PASSWORD
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    as_postgres pg_autoctl create monitor --pgdata "$PGDATA" --pgport 5432 --hostname "${MONITOR_HOSTNAME:-monitor}" \
      --ssl-self-signed --skip-pg-hba
    echo 'hostssl pg_auto_failover autoctl_node samenet scram-sha-256' >> "$PGDATA/pg_hba.conf"
    # The nodes' password, and health checks tuned for a failover in seconds rather than a minute:
    # a check every second, given up after 1 s and one retry 0.5 s later; a node unanswering for 2 s
    # is unhealthy; an unreachable primary is taken as demoted after PGAF_PRIMARY_DEMOTE_TIMEOUT_MS.
    as_postgres pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start > /dev/null
    local_psql -d pg_auto_failover -v password="$PGAF_MONITOR_PASSWORD" \
      -v demote="${PGAF_PRIMARY_DEMOTE_TIMEOUT_MS:-5000}" <<'SQL'
alter role autoctl_node password :'password';
alter system set pgautofailover.health_check_period = 1000;
alter system set pgautofailover.health_check_timeout = 1000;
alter system set pgautofailover.health_check_max_retries = 1;
alter system set pgautofailover.health_check_retry_delay = 500;
alter system set pgautofailover.node_considered_unhealthy_timeout = 2000;
alter system set pgautofailover.primary_demote_timeout = :demote;
SQL
    as_postgres pg_ctl -D "$PGDATA" -m fast -w stop > /dev/null
    echo "pgaf-entrypoint: monitor created in $PGDATA"
  fi
  exec setpriv --reuid=postgres --regid=postgres --init-groups pg_autoctl run --pgdata "$PGDATA"
  ;;
node)
  need NODE_NAME
  need PGAF_MONITOR_PASSWORD
  need PGAF_REPLICATION_PASSWORD
  # libpq's password file serves pg_autoctl, pg_basebackup, pg_rewind and the walreceiver alike.
  umask 077
  printf '*:*:*:pgautofailover_replicator:%s\n' "$PGAF_REPLICATION_PASSWORD" > "$HOME/.pgpass"
  chown postgres:postgres "$HOME/.pgpass"
  umask 022
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    monitor="postgres://autoctl_node:${PGAF_MONITOR_PASSWORD}@${MONITOR_HOSTNAME:-monitor}:5432/pg_auto_failover?sslmode=require"
    # Registers with the monitor; the first node initialises a primary, a later one clones it.
    as_postgres pg_autoctl create postgres --pgdata "$PGDATA" --pgport 5432 --listen '*' \
      --name "$NODE_NAME" --hostname "$NODE_NAME" --monitor "$monitor" \
      --ssl-self-signed --skip-pg-hba
    cat >> "$PGDATA/pg_hba.conf" <<'HBA'
# deploy/ha/pgaf-entrypoint.sh: every network login by SCRAM password, from the database network only
# (HAProxy is on it: the app's connections arrive from HAProxy's address on it).
hostssl replication pgautofailover_replicator samenet scram-sha-256
hostssl postgres    pgautofailover_replicator samenet scram-sha-256
host    all         pgautofailover_monitor    samenet scram-sha-256
host    postgres    haproxy_check             samenet scram-sha-256
host    wallet      wallet,wallet_api         samenet scram-sha-256
HBA
    echo "pgaf-entrypoint: node $NODE_NAME created in $PGDATA"
  fi
  # pg_autoctl runs as this shell's child (the shell forwards SIGTERM and SIGINT to it), so that the
  # one-off job below is not a child pg_autoctl's supervisor would have to account for.
  as_postgres pg_autoctl run --pgdata "$PGDATA" &
  keeper=$!
  trap 'kill -TERM "$keeper" 2> /dev/null' TERM
  trap 'kill -INT "$keeper" 2> /dev/null' INT
  # Once this node serves as the primary: the application's database and roles, idempotently (the
  # secondaries receive them by streaming replication).
  (
    need DB_OWNER_PASSWORD
    need DB_API_PASSWORD
    need HAPROXY_CHECK_PASSWORD
    while :; do
      state="$(local_psql -d postgres -tAc 'select pg_is_in_recovery()' 2> /dev/null || true)"
      if [ "$state" = f ]; then
        if local_psql -d postgres -v owner_password="$DB_OWNER_PASSWORD" -v api_password="$DB_API_PASSWORD" \
          -v check_password="$HAPROXY_CHECK_PASSWORD" -v replication_password="$PGAF_REPLICATION_PASSWORD" \
          -f /usr/local/share/pgaf/primary-init.sql; then
          echo "pgaf-entrypoint: $NODE_NAME is primary; the wallet database and its roles are in place"
          break
        fi
      elif [ "$state" = t ]; then
        break # a secondary: the primary's roles arrive by replication
      fi
      sleep 1
    done
  ) &
  status=0
  while kill -0 "$keeper" 2> /dev/null; do
    wait "$keeper" && status=0 || status=$?
  done
  exit "$status"
  ;;
*)
  exec "$@"
  ;;
esac
