-- The transaction of one batch of four keyed transfers (the same text for a batch of any size).
-- Recorded by test/e2e/hot-path-sql.e2e-spec.ts (UPDATE_QUERIES=1 rewrites it).

-- connection 1
BEGIN;

-- connection 1, prepared as idempotency_claim_all
insert into idempotency_keys (user_id, key, fingerprint, created_at, expires_at)
select k.user_id, k.key, k.fingerprint, clock_timestamp(), clock_timestamp() + interval '24 hours'
  from unnest($1::uuid[], $2::text[], $3::text[]) as k (user_id, key, fingerprint)
 order by k.user_id, k.key
    on conflict (user_id, key) do update
   set fingerprint = excluded.fingerprint, response_status = null, response_body = null,
       created_at = excluded.created_at, expires_at = excluded.expires_at
 where idempotency_keys.expires_at <= clock_timestamp()
returning user_id, key;

-- connection 1, prepared as wallets_lock_for_batch
with locked as (select id, user_id, kind, balance::text as balance, last_sequence, pending_holds, chain_head, frozen_at from wallets where user_id = any($1::uuid[]) or (id = any($2::uuid[]) and kind = 'USER') order by id for update)
          select locked.*, clock_timestamp()::timestamptz(3) as now from locked;

-- connection 1, prepared as ledger_write_batch
with entries as (
  insert into journal_entries (id, type, created_at, reverses_id, reversal_number, reversed_total, reverses_amount)
  select * from unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::uuid[], $5::integer[], $6::numeric[], $7::numeric[])
), legs as (
  insert into operations (id, transfer_id, wallet_id, source_wallet_id, destination_wallet_id, type, amount, sequence, balance_after, timestamp, hash)
  select * from unnest($8::uuid[], $9::uuid[], $10::uuid[], $11::uuid[], $12::uuid[], $13::text[], $14::numeric[], $15::bigint[], $16::numeric[], $17::timestamptz[], $18::text[])
), accounts as (
  update wallets
     set balance = a.balance, last_sequence = a.last_sequence, chain_head = a.chain_head, pending_holds = a.pending_holds
    from unnest($19::uuid[], $20::numeric[], $21::bigint[], $22::text[], $23::integer[])
         as a (id, balance, last_sequence, chain_head, pending_holds)
   where wallets.id = a.id
), placed as (
  insert into holds (id, source_wallet_id, destination_wallet_id, amount, status, expires_at, created_at)
  select * from unnest($24::uuid[], $25::uuid[], $26::uuid[], $27::numeric[], $28::text[], $29::timestamptz[], $30::timestamptz[])
), resolved as (
  update holds
     set status = h.status, captured_amount = h.captured_amount, transfer_id = h.transfer_id, resolved_at = h.resolved_at
    from unnest($31::uuid[], $32::text[], $33::numeric[], $34::uuid[], $35::timestamptz[])
         as h (id, status, captured_amount, transfer_id, resolved_at)
   where holds.id = h.id
), actions as (
  insert into admin_actions (id, admin_id, action, target, reason, amount, entry_id)
  select * from unnest($36::uuid[], $37::uuid[], $38::text[], $39::uuid[], $40::text[], $41::numeric[], $42::uuid[])
)
select 1;

-- connection 1, prepared as idempotency_record_all
update idempotency_keys
   set response_status = a.status, response_body = a.body
  from unnest($1::uuid[], $2::text[], $3::smallint[], $4::text[]) as a (user_id, key, status, body)
 where idempotency_keys.user_id = a.user_id and idempotency_keys.key = a.key;

-- connection 1
COMMIT;
