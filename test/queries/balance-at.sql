-- GET /v1/wallets?at=… (the balance as of a moment).
-- Recorded by test/e2e/hot-path-sql.e2e-spec.ts (UPDATE_QUERIES=1 rewrites it).

-- connection 1, prepared as auth_sessions_live_by_sid
select sid, sess::text as sess from session where sid = any($1) and expire >= to_timestamp($2);

-- connection 2, prepared as wallets_by_user_ids
select id, user_id, kind, balance::text as balance, last_sequence, pending_holds, chain_head, frozen_at from wallets where user_id = any($1::uuid[]);

-- connection 2, prepared as operations_balance_after_at
select balance_after::text as balance_after from operations
 where wallet_id = $1 and "timestamp" <= $2::timestamptz
 order by "timestamp" desc, sequence desc
 limit 1;
