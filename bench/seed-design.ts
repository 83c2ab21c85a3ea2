import Decimal from 'decimal.js';
import type { Client } from 'pg';
import { round } from './process-stats';

/**
 * The seed application's balance: every amount of the wallet pulled from the
 * database and summed in the application, on each read. Timed per read,
 * bounded by a count and a time budget.
 */
export async function seedDesignBalanceMs(
  db: Client,
  walletId: string,
  maxReads: number,
  budgetMs: number,
): Promise<number> {
  const started = performance.now();
  let reads = 0;
  while (reads < maxReads && (reads === 0 || performance.now() - started < budgetMs)) {
    const { rows } = await db.query<{ amount: string }>('select amount from operations where wallet_id = $1', [
      walletId,
    ]);
    rows.reduce((sum, row) => sum.plus(row.amount), new Decimal(0));
    reads++;
  }
  return round((performance.now() - started) / reads, 2);
}
