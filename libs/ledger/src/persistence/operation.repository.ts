import { Injectable } from '@nestjs/common';
import { Money } from '@app/money';
import { oneOff, statement, type Statement, Statements } from '@app/persistence';
import type { EntryType } from '../domain/journal-entry.entity';
import { Operation } from '../domain/operation';

export type SortOrder = 'asc' | 'desc';

export interface OperationPageQuery {
  walletId: string;
  order: SortOrder;
  limit: number;
  /** Continue after this sequence (exclusive), in `order`. */
  afterSequence?: number;
  /** asc: operations at or after it; desc: at or before it (the original's meaning). */
  timestamp?: Date;
  /** Only operations of these entry types (absent: every type). */
  types?: readonly EntryType[];
  /** Only operations at or after this moment (inclusive). */
  from?: Date;
  /** Only operations before this moment (exclusive). */
  to?: Date;
}

export interface OperationPage {
  operations: Operation[];
  /** Whether more operations follow the last one in `order`. */
  hasMore: boolean;
}

interface OperationRow {
  id: string;
  transfer_id: string;
  wallet_id: string;
  source_wallet_id: string;
  destination_wallet_id: string;
  type: EntryType;
  amount: string;
  sequence: string | null;
  balance_after: string | null;
  timestamp: Date;
  reverses: string | null;
  reversed_amount: string | null;
}

/** An operation's columns and what reverses its entry (per row, by index: see \`page\`), read from "operations" o. */
const COLUMNS = `id, transfer_id, wallet_id, source_wallet_id, destination_wallet_id, type,
              amount::text as amount, sequence, balance_after::text as balance_after, timestamp,
              (select e.reverses_id from journal_entries e where e.id = o.transfer_id) as reverses,
              (select r.reversed_total::text from journal_entries r
                where r.reverses_id = o.transfer_id order by r.reversal_number desc limit 1) as reversed_amount`;

function toOperation(row: OperationRow): Operation {
  return Object.assign(new Operation(), {
    id: row.id,
    transferId: row.transfer_id,
    walletId: row.wallet_id,
    sourceWalletId: row.source_wallet_id,
    destinationWalletId: row.destination_wallet_id,
    type: row.type,
    amount: Money.of(row.amount),
    sequence: row.sequence === null ? null : Number(row.sequence),
    balanceAfter: row.balance_after === null ? null : Money.of(row.balance_after),
    timestamp: new Date(row.timestamp),
    reverses: row.reverses,
    reversedAmount: row.reversed_amount === null ? null : Money.of(row.reversed_amount),
  });
}

/** The balance after the wallet's last operation at or before $2: one seek on operations_wallet_timestamp_index. */
const BALANCE_AFTER_AT = statement(
  'operations_balance_after_at',
  `select balance_after::text as balance_after from operations
 where wallet_id = $1 and "timestamp" <= $2::timestamptz
 order by "timestamp" desc, sequence desc
 limit 1`,
);

/** The wallet's first sequence at or after $2 (operations_wallet_timestamp_index). */
const FIRST_SEQUENCE_FROM = statement(
  'operations_first_sequence_from',
  `select sequence from operations
 where wallet_id = $1 and "timestamp" >= $2::timestamptz
 order by "timestamp" asc, sequence asc
 limit 1`,
);

/** The wallet's last sequence at or before $2 (operations_wallet_timestamp_index). */
const LAST_SEQUENCE_UNTIL = statement(
  'operations_last_sequence_until',
  `select sequence from operations
 where wallet_id = $1 and "timestamp" <= $2::timestamptz
 order by "timestamp" desc, sequence desc
 limit 1`,
);

/**
 * One page of a wallet's history in `order`: after the cursor's sequence ($2),
 * from the timestamp's sequence bound ($3), of the entry types $4, from $5,
 * before $6, each condition dropped when its parameter is null; $7 rows.
 * Unnamed, so planned for the values it carries: a null parameter's
 * condition folds away, and a bound is a seek in
 * operations_wallet_sequence_unique, not a filter.
 */
function pageStatement(order: SortOrder): Statement {
  const [after, from] = order === 'asc' ? ['>', '>='] : ['<', '<='];
  return oneOff(
    `operations_page_${order}`,
    `select ${COLUMNS}
  from "operations" o
 where wallet_id = $1::uuid
   and ($2::bigint is null or sequence ${after} $2::bigint)
   and ($3::bigint is null or sequence ${from} $3::bigint)
   and ($4::text[] is null or type = any($4::text[]))
   and ($5::timestamptz is null or "timestamp" >= $5::timestamptz)
   and ($6::timestamptz is null or "timestamp" < $6::timestamptz)
 order by sequence ${order}
 limit $7::bigint`,
  );
}

const PAGE = { asc: pageStatement('asc'), desc: pageStatement('desc') } as const;

/** Every leg of one journal entry (operations_transfer_id_index), the paying leg first. */
const LEGS_OF = oneOff(
  'operations_legs_of',
  `select ${COLUMNS} from "operations" o where transfer_id = $1::uuid order by amount asc, wallet_id asc`,
);

/** Sum of every amount of a wallet (up to $2: SUM_AMOUNTS_UNTIL). */
const SUM_AMOUNTS = oneOff(
  'operations_sum_amounts',
  `select coalesce(sum(amount), 0)::numeric(20,2)::text as total from operations where wallet_id = $1::uuid`,
);

const SUM_AMOUNTS_UNTIL = oneOff(
  'operations_sum_amounts_until',
  `select coalesce(sum(amount), 0)::numeric(20,2)::text as total from operations
 where wallet_id = $1::uuid and timestamp <= $2::timestamptz`,
);

/**
 * Reads of a user wallet's history. Within a wallet, the sequence orders
 * exactly like the timestamps (timestamps are taken under the wallet's lock),
 * so pages walk the unique (wallet_id, sequence) index and a timestamp is first
 * turned into a sequence bound by one seek on (wallet_id, timestamp, sequence).
 */
@Injectable()
export class OperationRepository {
  constructor(private readonly statements: Statements) {}

  /**
   * One page, read as plain rows (a page is read-only; hydrating managed
   * entities into the identity map only cost memory and time). Each row of
   * the page (only those: the subqueries run as the index walk yields rows,
   * under the limit) looks up, in the same statement, what its entry reverses
   * (its journal entry, by primary key) and what its entry has had reversed
   * so far (the last step of the entry's reversals, one backward seek on
   * journal_entries_reversal_number_unique). No join: the walk of
   * operations_wallet_sequence_unique stays a walk, with no sort.
   */
  async page(query: OperationPageQuery): Promise<OperationPage> {
    let edge: number | null = null;
    if (query.timestamp !== undefined) {
      edge = await this.sequenceBound(query.walletId, query.timestamp, query.order);
      if (edge === null) return { operations: [], hasMore: false };
    }
    // Filters of the admin reads: the walk stays on (wallet_id, sequence); a wallet's timestamps grow with its sequence.
    const rows = await this.statements.read<OperationRow>(PAGE[query.order], [
      query.walletId,
      query.afterSequence ?? null,
      edge,
      query.types?.length ? [...query.types] : null,
      query.from ?? null,
      query.to ?? null,
      query.limit + 1,
    ]);
    return { operations: rows.slice(0, query.limit).map(toOperation), hasMore: rows.length > query.limit };
  }

  /** Every leg of one journal entry (operations_transfer_id_index), the paying leg first. */
  async legsOf(transferId: string): Promise<Operation[]> {
    const rows = await this.statements.read<OperationRow>(LEGS_OF, [transferId]);
    return rows.map(toOperation);
  }

  /** The balance_after of the wallet's last operation at or before `at` (null: none yet). One index seek. */
  async balanceAfterAt(walletId: string, at: Date): Promise<Money | null> {
    const [last] = await this.statements.read<{ balance_after: string | null }>(BALANCE_AFTER_AT, [walletId, at]);
    return last?.balance_after == null ? null : Money.of(last.balance_after);
  }

  /** Sum of every amount of a wallet (up to `at`): only for wallets that keep no running balance. */
  async sumAmounts(walletId: string, at?: Date): Promise<Money> {
    const [row] = await this.statements.read<{ total: string }>(
      at ? SUM_AMOUNTS_UNTIL : SUM_AMOUNTS,
      at ? [walletId, at] : [walletId],
    );
    return Money.of(row.total);
  }

  /** desc: the last sequence at or before `at`; asc: the first at or after it. */
  private async sequenceBound(walletId: string, at: Date, order: SortOrder): Promise<number | null> {
    const [edge] = await this.statements.read<{ sequence: string | null }>(
      order === 'asc' ? FIRST_SEQUENCE_FROM : LAST_SEQUENCE_UNTIL,
      [walletId, at],
    );
    return edge?.sequence == null ? null : Number(edge.sequence);
  }
}
