#!/bin/sh
# Entrypoint of the stand-in postgres image: on an empty PGDATA, initdb with
# POSTGRES_USER / POSTGRES_PASSWORD (password auth over TCP from anywhere, as
# the official image does), create POSTGRES_DB and run the scripts in
# /docker-entrypoint-initdb.d; then run the server as the postgres user.
# Other commands run as given.
set -eu
if [ "${1:-}" != postgres ]; then exec "$@"; fi
shift
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  chown postgres "$pwfile"
  as_postgres initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 > /dev/null
  rm -f "$pwfile"
  echo 'host all all all scram-sha-256' >> "$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  if [ "$db" != postgres ]; then
    echo "CREATE DATABASE \"$db\" OWNER \"$user\"" | as_postgres postgres --single -D "$PGDATA" postgres > /dev/null
  fi
  echo "initialised $PGDATA: user $user, database $db"
  # As the official image: /docker-entrypoint-initdb.d/* run once, on a server listening on its Unix socket only
  # (*.sh executed if executable, else sourced; *.sql fed to psql), with POSTGRES_USER and POSTGRES_DB set.
  if [ -n "$(ls -A /docker-entrypoint-initdb.d 2> /dev/null)" ]; then
    export POSTGRES_USER="$user" POSTGRES_DB="$db"
    as_postgres pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start > /dev/null
    for f in /docker-entrypoint-initdb.d/*; do
      case "$f" in
        *.sh) if [ -x "$f" ]; then as_postgres "$f"; else as_postgres sh -c '. "$1"' sh "$f"; fi ;;
        *.sql) as_postgres psql -v ON_ERROR_STOP=1 --username "$user" --dbname "$db" -f "$f" ;;
        *) echo "ignoring $f" ;;
      esac
    done
    as_postgres pg_ctl -D "$PGDATA" -m fast -w stop > /dev/null
  fi
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" "$@"
