-- The SQL the service issues for one POST /v1/wallets/transfer with an
-- Idempotency-Key, statement for statement (taken from the ORM's query log,
-- DB_DEBUG=true), with pgbench variables for the random pair. Keep it in step
-- with the service: bench/README.md says how to refresh it.
\set src random(1, :wallets)
\set dst 1 + (:src + random(0, :wallets - 2)) % :wallets
\set key random(1, 9000000000000)
SELECT sess FROM "session" WHERE sid = 'bench-session' AND expire >= now();
BEGIN;
INSERT INTO idempotency_keys (user_id, key, fingerprint, created_at, expires_at)
  VALUES (('00000000-0000-4000-8001-' || lpad(to_hex(:src::int), 12, '0'))::uuid, 'pgbench-' || :client_id || '-' || :key,
          '279c37e7bdc048c8fa88213986a7e5a1f0e77c0b8e5b0c9d7e22e0fa7c1d2e3f', clock_timestamp(), clock_timestamp() + interval '24 hours')
  ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, response_status = null, response_body = null,
     created_at = excluded.created_at, expires_at = excluded.expires_at
  WHERE idempotency_keys.expires_at <= clock_timestamp() RETURNING 1;
SAVEPOINT trx1;
SELECT w0.* FROM wallets AS w0
 WHERE (w0.user_id = ('00000000-0000-4000-8001-' || lpad(to_hex(:src::int), 12, '0'))::uuid
    OR (w0.id = ('00000000-0000-4000-8002-' || lpad(to_hex(:dst::int), 12, '0'))::uuid AND w0.kind = 'USER'))
 ORDER BY w0.id ASC FOR UPDATE;
SELECT coalesce(sum(amount), 0)::numeric(20,2)::text AS reserved, clock_timestamp() AS now FROM holds
 WHERE source_wallet_id = ('00000000-0000-4000-8002-' || lpad(to_hex(:src::int), 12, '0'))::uuid AND status = 'PENDING' AND expires_at > clock_timestamp();
INSERT INTO journal_entries (id, type) VALUES (gen_random_uuid(), 'TRANSFER') RETURNING id AS entry_id, created_at \gset
INSERT INTO operations (id, transfer_id, wallet_id, source_wallet_id, destination_wallet_id, type, amount, sequence, balance_after)
  SELECT gen_random_uuid(), :entry_id::uuid, w.id, s.id, d.id, 'TRANSFER',
         CASE WHEN w.id = s.id THEN -0.01 ELSE 0.01 END, w.last_sequence + 1,
         w.balance + CASE WHEN w.id = s.id THEN -0.01 ELSE 0.01 END
    FROM wallets w,
         (SELECT ('00000000-0000-4000-8002-' || lpad(to_hex(:src::int), 12, '0'))::uuid AS id) s,
         (SELECT ('00000000-0000-4000-8002-' || lpad(to_hex(:dst::int), 12, '0'))::uuid AS id) d
   WHERE w.id IN (s.id, d.id)
  RETURNING timestamp;
UPDATE wallets SET balance = balance + CASE WHEN id = ('00000000-0000-4000-8002-' || lpad(to_hex(:src::int), 12, '0'))::uuid THEN -0.01 ELSE 0.01 END,
       last_sequence = last_sequence + 1
 WHERE id IN (('00000000-0000-4000-8002-' || lpad(to_hex(:src::int), 12, '0'))::uuid, ('00000000-0000-4000-8002-' || lpad(to_hex(:dst::int), 12, '0'))::uuid);
RELEASE SAVEPOINT trx1;
UPDATE idempotency_keys SET response_status = 200,
       response_body = '{"id":"6fc5a5a3-0f90-4589-bfdc-7f6ea6103dad","transfer_id":"b94bbd29-1917-4b47-935c-6276f0eb9738","wallet_id":"1931a62c-b05d-487d-b2b6-375dab9a4286","source_wallet_id":"1931a62c-b05d-487d-b2b6-375dab9a4286","destination_wallet_id":"1931a62c-b05d-487d-b2b6-375dab9a4286","type":"TRANSFER","amount":"-0.01","timestamp":"2026-11-24T23:59:00.000Z"}'
 WHERE user_id = ('00000000-0000-4000-8001-' || lpad(to_hex(:src::int), 12, '0'))::uuid AND key = 'pgbench-' || :client_id || '-' || :key;
COMMIT;
