#!/bin/sh
# HAProxy's external check (deploy/ha/haproxy.cfg): exit 0 only for a node that is the writable primary,
# out of recovery and not read-only (pg_auto_failover makes a demoted or demoting primary read-only).
# HAProxy passes <proxy address> <proxy port> <server address> <server port> and a bare environment, so
# the password comes from the file the entrypoint wrote.
PGPASSFILE=/run/haproxy-check/pgpass.haproxy
PGCONNECT_TIMEOUT=2
export PGPASSFILE PGCONNECT_TIMEOUT
answer="$(psql -X -w -tA -h "$3" -p "$4" -U haproxy_check -d postgres -c \
  "select not pg_is_in_recovery() and current_setting('default_transaction_read_only') = 'off'" 2> /dev/null)"
[ "$answer" = t ]
