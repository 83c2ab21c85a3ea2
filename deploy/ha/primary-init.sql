-- Run by deploy/ha/pgaf-entrypoint.sh on the primary once pg_auto_failover has made it one (idempotent;
-- psql variables owner_password, api_password, check_password, replication_password). The same two
-- roles as the single-node compose (deploy/postgres-initdb/10-service-role.sh): `wallet` owns the
-- schema (the migrate job), `wallet_api` is the API's login, granted its rows by the migrate job.
-- Neither is a superuser (pg_autoctl's own --username would make one).
select 'create role wallet' where not exists (select from pg_roles where rolname = 'wallet') \gexec
alter role wallet login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password :'owner_password';
select 'create database wallet owner wallet encoding ''UTF8'''
 where not exists (select from pg_database where datname = 'wallet') \gexec
select 'create role wallet_api' where not exists (select from pg_roles where rolname = 'wallet_api') \gexec
alter role wallet_api login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password :'api_password';
-- Only the owner and the service's role connect to the database.
revoke all on database wallet from public;
grant connect on database wallet to wallet_api;
-- pg_autoctl creates its replication role without a password; the nodes' ~/.pgpass holds this one.
alter role pgautofailover_replicator password :'replication_password';
-- A checkpoint now, so that a secondary's pg_basebackup (pg_autoctl asks for a spread checkpoint, which
-- writes the dirty buffers of the initialisation at a throttled pace: 1.5 minutes here) starts at once.
checkpoint;
-- HAProxy's health check: a login and nothing else (it asks pg_is_in_recovery() of the postgres
-- database). Last: the nodes' compose health check waits for this role.
select 'create role haproxy_check' where not exists (select from pg_roles where rolname = 'haproxy_check') \gexec
alter role haproxy_check login nosuperuser nocreatedb nocreaterole noreplication nobypassrls connection limit 8
  password :'check_password';
