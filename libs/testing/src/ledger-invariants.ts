import { RequestContext } from '@mikro-orm/core';
import { Client } from 'pg';
import { FUNDING_WALLET_ID, LedgerAuditor, type LedgerAuditReport } from '@app/ledger';
import type { TestApp } from './test-app';

/**
 * The ledger-wide invariants of contract part B ("Double entry"), checked two
 * independent ways: through the service's own LedgerAuditQuery, and from the
 * raw rows with BigInt cents in the test, so that a bug in the audit query
 * cannot hide a bug in posting. They hold whatever other tests did, so any
 * test may assert them at any quiet moment.
 */

/** Exact cents of a two-place decimal text ("-12.30", "5", "0.07"); never a float. */
export function cents(text: string): bigint {
  const match = /^(-?)([0-9]+)(?:\.([0-9]{1,2}))?$/.exec(text);
  if (!match) throw new Error(`not a money text: ${text}`);
  const value = BigInt(match[2]) * 100n + BigInt((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -value : value;
}

/** The wire form of an amount in cents: exactly two fraction digits. */
export function money(value: bigint): string {
  const sign = value < 0n ? '-' : '';
  const abs = value < 0n ? -value : value;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

export interface WalletRow {
  id: string;
  kind: 'USER' | 'SYSTEM';
  userId: string | null;
  balance: string | null;
  lastSequence: number | null;
}

export interface OperationRow {
  id: string;
  transferId: string;
  walletId: string;
  sourceWalletId: string;
  destinationWalletId: string;
  type: string;
  amount: string;
  sequence: number | null;
  balanceAfter: string | null;
  /** Milliseconds since the epoch, exact (the column is timestamptz(3)). */
  timestampMs: string;
}

export interface LedgerSnapshot {
  wallets: Map<string, WalletRow>;
  operations: OperationRow[];
  /** Operations of each wallet, in sequence order (system wallets: insertion order is meaningless). */
  byWallet: Map<string, OperationRow[]>;
  byEntry: Map<string, OperationRow[]>;
  /** Each REVERSAL entry's id to the id of the entry it reverses. */
  reverses: Map<string, string>;
}

export async function connectDb(url: string): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: 'ledger-invariants-test' });
  await client.connect();
  return client;
}

/** Every wallet and operation, read in one repeatable-read snapshot. */
export async function readLedger(db: Client): Promise<LedgerSnapshot> {
  await db.query('begin isolation level repeatable read read only');
  try {
    const wallets = await db.query<WalletRow>(
      `select id, kind, user_id as "userId", balance::text as balance, last_sequence::int as "lastSequence" from wallets`,
    );
    const operations = await db.query<OperationRow>(
      `select id, transfer_id as "transferId", wallet_id as "walletId", source_wallet_id as "sourceWalletId",
              destination_wallet_id as "destinationWalletId", type, amount::text as amount,
              sequence::int as sequence, balance_after::text as "balanceAfter",
              (extract(epoch from "timestamp") * 1000)::bigint::text as "timestampMs"
         from operations order by wallet_id, sequence nulls last, id`,
    );
    const reversals = await db.query<{ id: string; reverses_id: string }>(
      `select id, reverses_id from journal_entries where reverses_id is not null`,
    );
    const byWallet = new Map<string, OperationRow[]>();
    const byEntry = new Map<string, OperationRow[]>();
    for (const op of operations.rows) {
      byWallet.set(op.walletId, [...(byWallet.get(op.walletId) ?? []), op]);
      byEntry.set(op.transferId, [...(byEntry.get(op.transferId) ?? []), op]);
    }
    return {
      wallets: new Map(wallets.rows.map((w) => [w.id, w])),
      operations: operations.rows,
      byWallet,
      byEntry,
      reverses: new Map(reversals.rows.map((row) => [row.id, row.reverses_id])),
    };
  } finally {
    await db.query('commit');
  }
}

/** Runs the service's audit outside an HTTP request, in a request context of its own. */
export function runAudit(t: TestApp): Promise<LedgerAuditReport> {
  return RequestContext.create(t.orm.em, () => t.app.get(LedgerAuditor).run());
}

/**
 * A list of every broken invariant found in the raw rows ([] when sound), so
 * that a failure names all of them at once.
 */
export function ledgerViolations(ledger: LedgerSnapshot): string[] {
  const problems: string[] = [];
  const total = ledger.operations.reduce((sum, op) => sum + cents(op.amount), 0n);
  if (total !== 0n) problems.push(`all operations sum to ${money(total)}, not 0.00`);

  for (const [entry, legs] of ledger.byEntry) {
    const sum = legs.reduce((acc, op) => acc + cents(op.amount), 0n);
    if (sum !== 0n) problems.push(`entry ${entry} sums to ${money(sum)}`);
    if (legs.length < 2) problems.push(`entry ${entry} has ${legs.length} leg(s)`);
    const types = new Set(legs.map((op) => op.type));
    if (types.size !== 1) problems.push(`entry ${entry} mixes types ${[...types].join(',')}`);
    if (legs.some((op) => cents(op.amount) === 0n)) problems.push(`entry ${entry} has a zero leg`);
    const [first] = legs;
    if (
      legs.some(
        (op) => op.sourceWalletId !== first.sourceWalletId || op.destinationWalletId !== first.destinationWalletId,
      )
    ) {
      problems.push(`entry ${entry} legs disagree on source/destination`);
    }
    if (first.type === 'DEPOSIT' || first.type === 'TRANSFER') {
      // Two legs: the source pays x, the destination receives x.
      const source = legs.find((op) => op.walletId === first.sourceWalletId);
      const destination = legs.find((op) => op.walletId === first.destinationWalletId);
      if (legs.length !== 2 || !source || !destination || source === destination || cents(source.amount) >= 0n) {
        problems.push(`${first.type} entry ${entry} is not "source pays, destination receives"`);
      }
      const expectedSource = first.type === 'DEPOSIT' ? FUNDING_WALLET_ID : undefined;
      if (expectedSource && first.sourceWalletId !== expectedSource)
        problems.push(`DEPOSIT ${entry} not paid by the funding wallet`);
      if (first.type === 'TRANSFER' && ledger.wallets.get(first.sourceWalletId)?.kind !== 'USER') {
        problems.push(`TRANSFER ${entry} paid by a non-user wallet`);
      }
    }
  }

  for (const wallet of ledger.wallets.values()) {
    const ops = ledger.byWallet.get(wallet.id) ?? [];
    if (wallet.kind === 'SYSTEM') {
      if (wallet.balance !== null || wallet.lastSequence !== null)
        problems.push(`system wallet ${wallet.id} keeps a running balance`);
      if (ops.some((op) => op.sequence !== null || op.balanceAfter !== null)) {
        problems.push(`system wallet ${wallet.id} has operations with a sequence or balance_after`);
      }
      continue;
    }
    let running = 0n;
    ops.forEach((op, index) => {
      running += cents(op.amount);
      if (op.sequence !== index + 1)
        problems.push(`wallet ${wallet.id}: operation #${index + 1} has sequence ${op.sequence}`);
      if (op.balanceAfter === null || cents(op.balanceAfter) !== running) {
        problems.push(
          `wallet ${wallet.id}: sequence ${op.sequence} balance_after ${op.balanceAfter}, running sum ${money(running)}`,
        );
      }
      if (running < 0n)
        problems.push(`wallet ${wallet.id} went negative (${money(running)}) at sequence ${op.sequence}`);
      // A later sequence never carries an earlier time: "balance at a moment" and paging by time rely on it.
      if (index > 0 && BigInt(op.timestampMs) < BigInt(ops[index - 1].timestampMs)) {
        problems.push(
          `wallet ${wallet.id}: sequence ${op.sequence} is timestamped before sequence ${ops[index - 1].sequence}`,
        );
      }
    });
    if (wallet.balance === null || cents(wallet.balance) !== running) {
      problems.push(`wallet ${wallet.id}: stored balance ${wallet.balance}, sum of amounts ${money(running)}`);
    }
    const last = ops.at(-1);
    if (last && last.balanceAfter !== wallet.balance) {
      problems.push(`wallet ${wallet.id}: stored balance ${wallet.balance}, last balance_after ${last.balanceAfter}`);
    }
    if (wallet.lastSequence !== ops.length)
      problems.push(`wallet ${wallet.id}: last_sequence ${wallet.lastSequence}, ${ops.length} operations`);
  }

  // A REVERSAL moves (part of) a TRANSFER or a DEPOSIT back, from its destination to its source; an entry's
  // reversals never add up to more than it.
  const reversedSoFar = new Map<string, bigint>();
  for (const [reversal, reversed] of ledger.reverses) {
    const legs = ledger.byEntry.get(reversal) ?? [];
    const original = ledger.byEntry.get(reversed) ?? [];
    const [first] = legs;
    if (!first || first.type !== 'REVERSAL') {
      problems.push(`reversal ${reversal} has no REVERSAL legs`);
      continue;
    }
    if (!['DEPOSIT', 'TRANSFER'].includes(original[0]?.type)) problems.push(`reversal ${reversal} reverses a ${original[0]?.type}`);
    if (first.sourceWalletId !== original[0]?.destinationWalletId || first.destinationWalletId !== original[0]?.sourceWalletId) {
      problems.push(`reversal ${reversal} does not move ${reversed}'s money back`);
    }
    const moved = legs.filter((op) => cents(op.amount) > 0n).reduce((sum, op) => sum + cents(op.amount), 0n);
    reversedSoFar.set(reversed, (reversedSoFar.get(reversed) ?? 0n) + moved);
  }
  for (const [reversed, total] of reversedSoFar) {
    const amount = (ledger.byEntry.get(reversed) ?? [])
      .filter((op) => cents(op.amount) > 0n)
      .reduce((sum, op) => sum + cents(op.amount), 0n);
    if (total > amount) problems.push(`entry ${reversed} of ${money(amount)} was reversed ${money(total)}`);
  }

  // The funding wallet takes part in deposits, as their negation, and in their reversals (chargebacks) only.
  const funding = ledger.byWallet.get(FUNDING_WALLET_ID) ?? [];
  const depositCredits = ledger.operations.filter((op) => op.type === 'DEPOSIT' && op.walletId !== FUNDING_WALLET_ID);
  const chargebacks = ledger.operations.filter(
    (op) => op.type === 'REVERSAL' && op.destinationWalletId === FUNDING_WALLET_ID && op.walletId !== FUNDING_WALLET_ID,
  );
  if (funding.some((op) => op.type !== 'DEPOSIT' && !(op.type === 'REVERSAL' && op.destinationWalletId === FUNDING_WALLET_ID))) {
    problems.push('the funding wallet has operations other than deposits and their reversals');
  }
  const fundingSum = funding.reduce((sum, op) => sum + cents(op.amount), 0n);
  const depositSum = depositCredits.reduce((sum, op) => sum + cents(op.amount), 0n);
  const chargebackSum = chargebacks.reduce((sum, op) => sum + cents(op.amount), 0n);
  if (fundingSum !== -(depositSum + chargebackSum)) {
    problems.push(
      `funding wallet sums to ${money(fundingSum)}, deposits to ${money(depositSum)}, their reversals to ${money(chargebackSum)}`,
    );
  }
  return problems;
}

/**
 * Asserts every ledger-wide invariant, through the audit query and through
 * the raw rows. Call it when no request of this test is in flight.
 */
export async function expectSoundLedger(t: TestApp, db: Client): Promise<LedgerSnapshot> {
  const ledger = await readLedger(db);
  expect(ledgerViolations(ledger)).toEqual([]);
  const { rows } = await db.query<{ total: string }>(
    `select coalesce(sum(amount), 0)::numeric(20,2)::text as total from operations`,
  );
  expect(rows[0].total).toBe('0.00');
  // Every wallet's pending-holds counter equals its PENDING holds.
  const counters = await db.query<{ id: string; pending_holds: number; counted: number }>(
    `select w.id, w.pending_holds, (select count(*)::int from holds h where h.source_wallet_id = w.id and h.status = 'PENDING') as counted
       from wallets w
      where w.pending_holds <> (select count(*) from holds h where h.source_wallet_id = w.id and h.status = 'PENDING')`,
  );
  expect(counters.rows).toEqual([]);

  const userWallets = [...ledger.wallets.values()].filter((w) => w.kind === 'USER').length;
  expect(await runAudit(t)).toEqual({
    balanced: true,
    total: '0.00',
    walletsChecked: userWallets,
    operationsChecked: ledger.operations.length,
    mismatches: [],
    unbalancedEntries: [],
    chainOk: true,
    firstBreak: null,
  });
  return ledger;
}
