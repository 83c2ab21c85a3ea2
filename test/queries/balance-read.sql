-- GET /v1/wallets (balance and available balance now).
-- Recorded by test/e2e/hot-path-sql.e2e-spec.ts (UPDATE_QUERIES=1 rewrites it).

-- connection 1, prepared as auth_sessions_live_by_sid
select sid, sess::text as sess from session where sid = any($1) and expire >= to_timestamp($2);

-- connection 2, prepared as wallets_by_user_ids
select id, user_id, kind, balance::text as balance, last_sequence, pending_holds, chain_head, frozen_at from wallets where user_id = any($1::uuid[]);
