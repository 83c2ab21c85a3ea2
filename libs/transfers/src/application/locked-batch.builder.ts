import {
  BalanceCalculator,
  type EntrySummary,
  EntryType,
  Hold,
  type HoldRepository,
  HoldStatus,
  PostingService,
  WalletKind,
} from '@app/ledger';
import { Money } from '@app/money';
import type { LockedWallet } from '@app/wallets';
import { HoldsService } from './holds.service';
import { LockedBatch } from './locked-batch';
import { PaymentsService } from './payments.service';
import { TransfersService } from './transfers.service';

/*
 * Test data for the decision code (tests only: *.spec.ts import it, the build
 * leaves *.builder.ts out and the dependency rules forbid importing it): a
 * LockedBatch made by hand, as MovementBatch would have read it under its
 * locks, and the services that decide commands against it, with no database
 * and no Nest app.
 */

/** The batch's clock unless a test says otherwise. */
export const NOW = new Date('2026-12-03T12:00:00.000Z');

let next = 0;
const nextId = (prefix: string) => `${prefix}-${String(++next).padStart(4, '0')}`;

export interface WalletSpec {
  id?: string;
  /** Null: a wallet of no user. Default: a user of its own. */
  userId?: string | null;
  balance?: string;
  lastSequence?: number;
  frozen?: boolean;
  chainHead?: string | null;
}

/** A user wallet as locked: 0.00 and no operations unless told otherwise. */
export function lockedWallet(spec: WalletSpec = {}): LockedWallet {
  const id = spec.id ?? nextId('wallet');
  return {
    id,
    userId: spec.userId === undefined ? `user-of-${id}` : spec.userId,
    kind: WalletKind.USER,
    balance: Money.of(spec.balance ?? '0.00'),
    lastSequence: spec.lastSequence ?? 0,
    pendingHolds: 0,
    chainHead: spec.chainHead ?? null,
    frozen: spec.frozen ?? false,
  };
}

export interface HoldSpec {
  id?: string;
  from: LockedWallet;
  to: LockedWallet | string;
  amount: string;
  status?: HoldStatus;
  /** Default: an hour after NOW. */
  expiresAt?: Date;
}

/** A hold as its batch locked it: PENDING, an hour from expiry, unless told otherwise. */
export function lockedHold(spec: HoldSpec): Hold {
  const hold = new Hold();
  hold.id = spec.id ?? nextId('hold');
  hold.sourceWalletId = spec.from.id;
  hold.destinationWalletId = typeof spec.to === 'string' ? spec.to : spec.to.id;
  hold.amount = Money.of(spec.amount);
  hold.status = spec.status ?? HoldStatus.PENDING;
  hold.expiresAt = spec.expiresAt ?? new Date(NOW.getTime() + 3_600_000);
  hold.createdAt = new Date(NOW.getTime() - 60_000);
  return hold;
}

export interface EntrySpec {
  id?: string;
  type: EntryType;
  /** The payer; for a deposit, the funding wallet's id. */
  from: LockedWallet | string;
  to: LockedWallet;
  amount: string;
  /** What its reversals committed before the batch add up to, and how many there are. */
  reversed?: { count: number; total: string };
}

/** A journal entry a reversal names, as read under the batch's locks. */
export function entrySummary(spec: EntrySpec): EntrySummary {
  return {
    id: spec.id ?? nextId('entry'),
    type: spec.type,
    sourceWalletId: typeof spec.from === 'string' ? spec.from : spec.from.id,
    destinationWalletId: spec.to.id,
    amount: Money.of(spec.amount),
    reversed: { count: spec.reversed?.count ?? 0, total: Money.of(spec.reversed?.total ?? '0.00') },
  };
}

export interface BatchSpec {
  now?: Date;
  wallets?: LockedWallet[];
  /** The holds the batch's commands name (locked). Each PENDING one counts on its wallet's pending holds. */
  holds?: Hold[];
  entries?: EntrySummary[];
  /**
   * What active holds reserve per wallet id. Default: the PENDING holds
   * among `holds` not past their expiry at `now`, summed per wallet, as the
   * batch's read (holds_reserved_on) would find them.
   */
  reserved?: Record<string, string>;
}

/** A LockedBatch over hand-built wallets, holds and entries. */
export function lockedBatch(spec: BatchSpec = {}): LockedBatch {
  const now = spec.now ?? NOW;
  const holds = spec.holds ?? [];
  const wallets = spec.wallets ?? [];
  for (const hold of holds) {
    if (hold.status !== HoldStatus.PENDING) continue;
    const wallet = wallets.find((candidate) => candidate.id === hold.sourceWalletId);
    if (wallet) wallet.pendingHolds += 1;
  }
  const reserved = new Map<string, Money>();
  if (spec.reserved) {
    for (const [walletId, amount] of Object.entries(spec.reserved)) reserved.set(walletId, Money.of(amount));
  } else {
    for (const hold of holds) {
      if (hold.status !== HoldStatus.PENDING || hold.isExpiredAt(now)) continue;
      reserved.set(hold.sourceWalletId, (reserved.get(hold.sourceWalletId) ?? Money.ZERO).plus(hold.amount));
    }
  }
  return new LockedBatch(now, wallets, holds, new Map((spec.entries ?? []).map((entry) => [entry.id, entry])), reserved);
}

/**
 * The deciding services as the module wires them, on no database: the ledger
 * writer is never reached (nothing is written before the batch ends), and a
 * placed hold is handed back instead of persisted.
 */
export function deciders(): { transfers: TransfersService; holds: HoldsService } {
  const balances = new BalanceCalculator();
  const payments = new PaymentsService(balances, new PostingService(balances, undefined as never));
  const holdRepository = { add: (hold: Hold) => hold } as unknown as HoldRepository;
  return {
    transfers: new TransfersService(payments),
    holds: new HoldsService(undefined as never, undefined as never, holdRepository, payments),
  };
}

/**
 * Everything a decision may change, as plain values: two readings are equal
 * when the batch, its wallets, holds and entries were left as they were.
 */
export function stateOf(
  batch: LockedBatch,
  { wallets = [], holds = [], entries = [] }: { wallets?: LockedWallet[]; holds?: Hold[]; entries?: EntrySummary[] },
) {
  return {
    wallets: wallets.map((wallet) => ({
      id: wallet.id,
      balance: wallet.balance?.toFixed() ?? null,
      lastSequence: wallet.lastSequence,
      chainHead: wallet.chainHead,
      pendingHolds: wallet.pendingHolds,
      reserved: batch.reservedOn(wallet).toFixed(),
    })),
    holds: holds.map((hold) => ({
      id: hold.id,
      status: hold.status,
      capturedAmount: hold.capturedAmount?.toFixed() ?? null,
      transferId: hold.transferId,
      resolvedAt: hold.resolvedAt,
    })),
    entries: entries.map((entry) => ({ id: entry.id, count: entry.reversed.count, total: entry.reversed.total.toFixed() })),
    postings: batch.postings.entries.length,
    touched: [...batch.postings.accounts].map((account) => account.id),
  };
}

/** Runs `decide`, expecting a refusal; returns it, after checking it left `state` as it was. */
export function refusal(decide: () => unknown, state: () => unknown): unknown {
  const before = state();
  let thrown: unknown;
  try {
    decide();
  } catch (error) {
    thrown = error;
  }
  if (thrown === undefined) throw new Error('expected a refusal, but the command was accepted');
  expect(state()).toEqual(before);
  return thrown;
}

export { EntryType, HoldStatus };
