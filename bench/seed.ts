import type { Client } from 'pg';
import { hashChains } from '../libs/ledger/src/persistence/chain-backfill';

export const FUNDING_WALLET_ID = '00000000-0000-4000-8000-000000000001';
export const BENCH_PASSWORD = 'bench-password';

/**
 * Deterministic ids, so that SQL (and pgbench scripts) can name the n-th seeded
 * user or wallet: kind 1 = user, 2 = wallet, 3 = journal entry, 4/5 = operations.
 */
export function benchUuid(kind: number, n: number): string {
  return `00000000-0000-4000-8${kind.toString(16).padStart(3, '0')}-${n.toString(16).padStart(12, '0')}`;
}

const UUID_SQL = (kind: number, n: string) =>
  `('00000000-0000-4000-8${kind.toString(16).padStart(3, '0')}-' || lpad(to_hex(${n}), 12, '0'))::uuid`;

/** A SQL expression for the wallet id of the n-th funded wallet (n is an SQL expression). */
export const walletUuidSql = (n: string) => UUID_SQL(2, n);

/**
 * Seeds `count` users, each with a wallet funded by one deposit of `funding`,
 * straight into the real tables with every ledger invariant kept: one journal
 * entry per deposit with two legs summing to zero, the funding wallet on the
 * other leg, sequence 1, balance_after = balance.
 */
export async function seedFundedWallets(
  db: Client,
  count: number,
  funding: string,
  passwordHash: string,
): Promise<void> {
  await db.query('begin');
  await db.query(
    `insert into users (id, username, username_key, password_hash)
     select ${UUID_SQL(1, 'n')}, 'bench-' || n, 'bench-' || n, $1 from generate_series(1, $2::int) n`,
    [passwordHash, count],
  );
  await db.query(
    `insert into wallets (id, user_id, kind, balance, last_sequence)
     select ${UUID_SQL(2, 'n')}, ${UUID_SQL(1, 'n')}, 'USER', $1::numeric, 1 from generate_series(1, $2::int) n`,
    [funding, count],
  );
  await db.query(
    `insert into journal_entries (id, type, created_at)
     select ${UUID_SQL(3, 'n')}, 'DEPOSIT', now() from generate_series(1, $1::int) n`,
    [count],
  );
  await db.query(
    `insert into operations (id, transfer_id, wallet_id, source_wallet_id, destination_wallet_id, type, amount, sequence, balance_after, timestamp, hash)
     select ${UUID_SQL(4, 'n')}, ${UUID_SQL(3, 'n')}, ${UUID_SQL(2, 'n')}, '${FUNDING_WALLET_ID}'::uuid, ${UUID_SQL(2, 'n')}, 'DEPOSIT', $1::numeric, 1, $1::numeric, now(), ''
       from generate_series(1, $2::int) n
     union all
     select ${UUID_SQL(5, 'n')}, ${UUID_SQL(3, 'n')}, '${FUNDING_WALLET_ID}'::uuid, '${FUNDING_WALLET_ID}'::uuid, ${UUID_SQL(2, 'n')}, 'DEPOSIT', -$1::numeric, null, null, now(), ''
       from generate_series(1, $2::int) n`,
    [funding, count],
  );
  await db.query('commit');
}

/**
 * Seeds one user whose wallet holds `operations` deposits of 1.00, one a
 * second from 2026-01-01 (so that `?at=` has a history to search), with the
 * funding wallet's legs: 2 × `operations` operation rows, `operations`
 * journal entries. Returns the username.
 */
export async function seedHistoryWallet(
  db: Client,
  label: string,
  operations: number,
  passwordHash: string,
): Promise<{ username: string; walletId: string }> {
  const userId = benchUuid(0x10, operations);
  const walletId = benchUuid(0x20, operations);
  const entry = (n: string) =>
    `('00000000-0000-4000-9${(operations % 0x1000).toString(16).padStart(3, '0')}-' || lpad(to_hex(${n}), 12, '0'))::uuid`;
  const leg = (side: number, n: string) =>
    `('00000000-0000-4000-a${side}${(operations % 0x100).toString(16).padStart(2, '0')}-' || lpad(to_hex(${n}), 12, '0'))::uuid`;
  await db.query('begin');
  await db.query(`insert into users (id, username, username_key, password_hash) values ($1, $2::text, $2::text, $3)`, [
    userId,
    `bench-history-${label}`,
    passwordHash,
  ]);
  await db.query(
    `insert into wallets (id, user_id, kind, balance, last_sequence) values ($1, $2, 'USER', $3::numeric, $4)`,
    [walletId, userId, `${operations}.00`, operations],
  );
  await db.query(
    `insert into journal_entries (id, type, created_at)
     select ${entry('n')}, 'DEPOSIT', timestamptz '2026-01-01 00:00:00+00' + n * interval '1 second'
       from generate_series(1, $1::int) n`,
    [operations],
  );
  await db.query(
    `insert into operations (id, transfer_id, wallet_id, source_wallet_id, destination_wallet_id, type, amount, sequence, balance_after, timestamp, hash)
     select ${leg(1, 'n')}, ${entry('n')}, $2::uuid, '${FUNDING_WALLET_ID}'::uuid, $2::uuid, 'DEPOSIT', 1.00, n, n::numeric(20,2),
            timestamptz '2026-01-01 00:00:00+00' + n * interval '1 second', ''
       from generate_series(1, $1::int) n`,
    [operations, walletId],
  );
  await db.query(
    `insert into operations (id, transfer_id, wallet_id, source_wallet_id, destination_wallet_id, type, amount, sequence, balance_after, timestamp, hash)
     select ${leg(2, 'n')}, ${entry('n')}, '${FUNDING_WALLET_ID}'::uuid, '${FUNDING_WALLET_ID}'::uuid, $2::uuid, 'DEPOSIT', -1.00, null, null,
            timestamptz '2026-01-01 00:00:00+00' + n * interval '1 second', ''
       from generate_series(1, $1::int) n`,
    [operations, walletId],
  );
  await db.query('commit');
  await db.query('analyze operations');
  return { username: `bench-history-${label}`, walletId };
}

/**
 * The seeds above write operations with an empty hash (SQL cannot compute the
 * chain); this computes every chain as the service would have, so that the
 * audit of the seeded ledger is clean. Past the append-only trigger, as a
 * superuser's bulk load is.
 */
export async function hashSeededChains(db: Client): Promise<void> {
  await db.query('begin');
  await db.query('set local session_replication_role = replica');
  await hashChains(async (sql, params = []) => {
    let n = 0;
    return (await db.query(sql.replace(/\?/g, () => `$${++n}`), params)).rows;
  });
  await db.query('commit');
}
