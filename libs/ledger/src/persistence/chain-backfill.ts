import { GENESIS_HASH, operationHash } from '../domain/operation-hash';
import { ANCHOR_COLUMN, CHAINED_OPERATION_COLUMNS, type ChainedOperationRow, hashedFieldsOf } from './operation.row';

/** Runs one SQL statement with `?` parameters and answers its rows (a migration's or a script's connection). */
export type Execute = (sql: string, params?: unknown[]) => Promise<unknown[]>;

/** Rows hashed per statement by the backfill: bounded memory whatever the ledger's size. */
const BATCH = 5_000;

/**
 * Computes every operation's chain hash from the rows as they are, as
 * PostingService would have, and stores it with each user wallet's chain
 * head: for rows written before the chain existed (the admin-tools
 * migration) and for rows seeded in bulk with SQL (the bench). Overwrites
 * `operations.hash`, so the caller lets it past the append-only trigger.
 * Keyset batches: bounded memory whatever the ledger's size.
 */
export async function hashChains(execute: Execute): Promise<void> {
  await hashUserLegs(execute);
  await hashSystemLegs(execute);
}

/** Each user wallet's chain, in sequence order, in batches; the wallet keeps its head. */
async function hashUserLegs(execute: Execute): Promise<void> {
  let afterWallet = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const wallets = await execute(
      `select id from wallets where kind = 'USER' and last_sequence > 0 and id > ? order by id limit ${BATCH}`,
      [afterWallet],
    );
    if (wallets.length === 0) return;
    for (const { id: walletId } of wallets as { id: string }[]) {
      let previous = GENESIS_HASH;
      let afterSequence = 0;
      for (;;) {
        const legs = (await execute(
          `select ${CHAINED_OPERATION_COLUMNS} from operations o where o.wallet_id = ? and o.sequence > ? order by o.sequence limit ${BATCH}`,
          [walletId, afterSequence],
        )) as ChainedOperationRow[];
        if (legs.length === 0) break;
        const hashes = legs.map((leg) => (previous = operationHash(hashedFieldsOf(leg), previous)));
        await writeHashes(execute, legs, hashes);
        afterSequence = Number(legs.at(-1)!.sequence);
      }
      await execute(`update wallets set chain_head = ? where id = ?`, [previous, walletId]);
    }
    afterWallet = (wallets.at(-1) as { id: string }).id;
  }
}

/** System legs chain to their entry's user leg (hashed above), as PostingService does. */
async function hashSystemLegs(execute: Execute): Promise<void> {
  let afterId = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const legs = (await execute(
      `select ${CHAINED_OPERATION_COLUMNS}, ${ANCHOR_COLUMN}
         from operations o
        where o.sequence is null and o.id > ?
        order by o.id
        limit ${BATCH}`,
      [afterId],
    )) as ChainedOperationRow[];
    if (legs.length === 0) return;
    await writeHashes(
      execute,
      legs,
      legs.map((leg) => operationHash(hashedFieldsOf(leg), leg.anchor ?? GENESIS_HASH)),
    );
    afterId = legs.at(-1)!.id;
  }
}

async function writeHashes(execute: Execute, legs: ChainedOperationRow[], hashes: string[]): Promise<void> {
  const params = legs.flatMap((leg, i) => [leg.id, hashes[i]]);
  await execute(
    `update operations set hash = v.hash
       from (values ${legs.map(() => '(?::uuid, ?)').join(', ')}) as v (id, hash)
      where operations.id = v.id`,
    params,
  );
}
