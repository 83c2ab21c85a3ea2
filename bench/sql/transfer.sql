-- The SQL the service issues for one POST /v1/wallets/transfer with an
-- Idempotency-Key, statement for statement as the ORM's query log shows it
-- (DB_DEBUG=true), with pgbench variables for the random pair. The numbers the
-- service computes in TypeScript (next sequence, balance after, chain hashes)
-- are computed here by subqueries on the locked rows (the hashes stand in: sha256
-- of fewer fields, not the chain's encoding). Since issue 10 this is a fixed
-- yardstick: one keyed transfer per transaction, as the path was before group
-- commit. Do not refresh it when the service's path changes, or ratios of
-- different runs stop being comparable (docs/PERFORMANCE.md, "Method").
\set src random(1, :wallets)
\set dst 1 + (:src + random(0, :wallets - 2)) % :wallets
\set key random(1, 9000000000000)
-- express-session's store, on its own pool, before the handler runs
SELECT sess FROM "session" WHERE sid = 'bench-session' AND expire >= to_timestamp(1800000000);
BEGIN;
-- IdempotencyKeyRepository.claim
INSERT INTO idempotency_keys (user_id, key, fingerprint, created_at, expires_at)
  VALUES (('00000000-0000-4000-8001-' || lpad(to_hex(:src::int), 12, '0'))::uuid, 'pgbench-' || :client_id || '-' || :key,
          '279c37e7bdc048c8fa88213986a7e5a1f0e77c0b8e5b0c9d7e22e0fa7c1d2e3f', clock_timestamp(), clock_timestamp() + interval '24 hours')
  ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, response_status = null, response_body = null,
     created_at = excluded.created_at, expires_at = excluded.expires_at
  WHERE idempotency_keys.expires_at <= clock_timestamp() RETURNING 1;
-- WalletRepository.lockForUser
SELECT id, user_id, kind, balance::text AS balance, last_sequence, pending_holds, chain_head, frozen_at FROM wallets
 WHERE user_id = ('00000000-0000-4000-8001-' || lpad(to_hex(:src::int), 12, '0'))::uuid
    OR (id = ('00000000-0000-4000-8002-' || lpad(to_hex(:dst::int), 12, '0'))::uuid AND kind = 'USER')
 ORDER BY id FOR UPDATE;
-- (HoldRepository.reservationsOf is skipped: the payer has no pending holds)
-- LedgerWriter.write
WITH s AS (SELECT id, balance - 0.01 AS balance, last_sequence + 1 AS seq FROM wallets
            WHERE id = ('00000000-0000-4000-8002-' || lpad(to_hex(:src::int), 12, '0'))::uuid),
     d AS (SELECT id, balance + 0.01 AS balance, last_sequence + 1 AS seq FROM wallets
            WHERE id = ('00000000-0000-4000-8002-' || lpad(to_hex(:dst::int), 12, '0'))::uuid),
     ids AS (SELECT gen_random_uuid() AS entry),
     clock AS (SELECT clock_timestamp() AS at),
     entry AS (INSERT INTO journal_entries (id, type, created_at) SELECT entry, 'TRANSFER', at FROM ids, clock),
     legs AS (
       INSERT INTO operations (id, transfer_id, wallet_id, source_wallet_id, destination_wallet_id, type, amount, sequence, balance_after, timestamp, hash)
       SELECT gen_random_uuid(), ids.entry, s.id, s.id, d.id, 'TRANSFER', -0.01, s.seq, s.balance, clock.at,
              encode(sha256(convert_to(ids.entry::text || s.seq::text, 'UTF8')), 'hex') FROM s, d, ids, clock
       UNION ALL
       SELECT gen_random_uuid(), ids.entry, d.id, s.id, d.id, 'TRANSFER', 0.01, d.seq, d.balance, clock.at,
              encode(sha256(convert_to(ids.entry::text || d.seq::text, 'UTF8')), 'hex') FROM s, d, ids, clock
       RETURNING id, timestamp),
     moved AS (
       UPDATE wallets SET balance = v.balance, last_sequence = v.seq, chain_head = v.hash
         FROM (SELECT id, balance, seq, encode(sha256(convert_to(id::text || seq::text, 'UTF8')), 'hex') AS hash FROM s
               UNION ALL SELECT id, balance, seq, encode(sha256(convert_to(id::text || seq::text, 'UTF8')), 'hex') FROM d) AS v
        WHERE wallets.id = v.id)
SELECT id, timestamp FROM legs;
-- IdempotencyKeyRepository.record
UPDATE idempotency_keys SET response_status = 200,
       response_body = '{"id":"6fc5a5a3-0f90-4589-bfdc-7f6ea6103dad","transfer_id":"b94bbd29-1917-4b47-935c-6276f0eb9738","wallet_id":"1931a62c-b05d-487d-b2b6-375dab9a4286","source_wallet_id":"1931a62c-b05d-487d-b2b6-375dab9a4286","destination_wallet_id":"1931a62c-b05d-487d-b2b6-375dab9a4286","type":"TRANSFER","amount":"-0.01","timestamp":"2026-11-24T23:59:00.000Z"}'
 WHERE user_id = ('00000000-0000-4000-8001-' || lpad(to_hex(:src::int), 12, '0'))::uuid AND key = 'pgbench-' || :client_id || '-' || :key;
COMMIT;
