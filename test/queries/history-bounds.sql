-- GET /v1/wallets/operations?timestamp=… in each order: the statements that turn the timestamp into a sequence bound.
-- Recorded by test/e2e/hot-path-sql.e2e-spec.ts (UPDATE_QUERIES=1 rewrites it).

-- connection 1, prepared as operations_first_sequence_from
select sequence from operations
 where wallet_id = $1 and "timestamp" >= $2::timestamptz
 order by "timestamp" asc, sequence asc
 limit 1;

-- connection 1, prepared as operations_last_sequence_until
select sequence from operations
 where wallet_id = $1 and "timestamp" <= $2::timestamptz
 order by "timestamp" desc, sequence desc
 limit 1;
