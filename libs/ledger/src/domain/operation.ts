import { randomUUID } from 'node:crypto';
import type { Money } from '@app/money';
import type { EntryType } from './journal-entry.entity';

/**
 * One leg of a journal entry, on one wallet. Append-only: a correction is a
 * new entry, never an update. For user wallets `sequence` runs 1, 2, 3, ...
 * without gaps and `balanceAfter` is the wallet's balance after this leg, so a
 * balance at any point costs one index seek. System wallets keep neither.
 *
 * A plain type, not an entity: the money batch writes legs with its one write
 * statement (LedgerWriter) and every read of them is a statement
 * (OperationRepository, the audit), so the ORM never loads or saves one. The
 * table's shape lives in the migrations, and test/e2e/schema.e2e-spec.ts pins
 * it (test/schema/statement-tables.txt), since no entity metadata checks it.
 */
export class Operation {
  id: string = randomUUID();

  /** The journal entry (journal_entries.id). */
  transferId: string;

  walletId: string;

  sourceWalletId: string;

  destinationWalletId: string;

  type: EntryType;

  /** Signed: negative on the wallet that pays. */
  amount: Money;

  sequence: number | null = null;

  balanceAfter: Money | null = null;

  /**
   * The entry's moment: PostgreSQL's clock read after the wallets were locked
   * (the column's default, clock_timestamp(), is for rows written elsewhere).
   * Within a wallet, timestamps never decrease as the sequence grows.
   */
  timestamp?: Date;

  /**
   * SHA-256 (hex) over this operation's canonical encoding and the hash it
   * chains to (see operation-hash.ts): the wallet's previous operation for a
   * user wallet, the entry's user leg for a system wallet's leg.
   */
  hash: string;

  // Read along with the operation, not columns of its own.

  /** On a REVERSAL's legs: the entry it corrects (journal_entries.reverses_id); else null. */
  reverses: string | null = null;

  /** What this operation's entry has had reversed so far (its reversals' total); null while nothing. */
  reversedAmount: Money | null = null;
}
