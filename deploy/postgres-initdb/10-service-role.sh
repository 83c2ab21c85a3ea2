#!/bin/sh
# Run once by the postgres image on an empty volume (/docker-entrypoint-initdb.d),
# as POSTGRES_USER on POSTGRES_DB: the login role the API connects as. It owns
# nothing and may do nothing yet; the migrate job (as POSTGRES_USER, the
# schema's owner) grants it the rows of every table after each run, and no
# more (no DDL, no TRUNCATE, no UPDATE or DELETE on the append-only tables).
# An existing volume: run the same statements once with psql.
set -eu
: "${API_DB_USER:?API_DB_USER must be set}"
: "${API_DB_PASSWORD:?API_DB_PASSWORD must be set}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v role="$API_DB_USER" -v password="$API_DB_PASSWORD" -v db="$POSTGRES_DB" <<'SQL'
create role :"role" login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password :'password';
-- Only the owner and the service's role connect to the database; nobody else creates temporary tables in it.
revoke all on database :"db" from public;
grant connect on database :"db" to :"role";
SQL
echo "created the API's role $API_DB_USER"
