import { Injectable } from '@nestjs/common';
import { Money } from '@app/money';
import { UnitOfWork } from '@app/persistence';
import { GENESIS_HASH, operationHash } from '../domain/operation-hash';
import { type AuditedOperation, type AuditedWallet, LedgerAuditQuery } from '../persistence/ledger-audit.query';

export interface WalletMismatch {
  walletId: string;
  stored: string;
  recomputed: string;
}

/** Where the ledger first stops agreeing with itself. */
export interface ChainBreak {
  walletId: string;
  /** The operation at fault, or null when the wallet row itself disagrees (balance, last sequence, chain head). */
  operationId: string | null;
  sequence: number | null;
  problem: 'sequence' | 'balance_after' | 'hash' | 'unsequenced_user_leg' | 'balance' | 'last_sequence' | 'chain_head';
  expected: string;
  found: string;
}

export interface LedgerAuditReport {
  /** Every journal entry sums to zero and so does the whole ledger. */
  balanced: boolean;
  /** Sum of every operation: exactly 0.00 in a sound ledger. */
  total: string;
  walletsChecked: number;
  operationsChecked: number;
  /** User wallets whose stored balance differs from the sum of their operations. */
  mismatches: WalletMismatch[];
  /** Journal entries whose legs do not sum to zero. */
  unbalancedEntries: string[];
  /** Every hash, link, sequence and running balance recomputes to what is stored. */
  chainOk: boolean;
  firstBreak: ChainBreak | null;
}

/** Rows per read: the audit's memory is bounded by this, not by the ledger's size. */
const WALLET_BATCH = 500;
const OPERATION_BATCH = 10_000;
/** At most this many mismatches and unbalanced entries are listed. */
const LISTED = 100;

/**
 * Recomputes the whole ledger from its operations, ignoring every stored
 * running figure, and compares: each user wallet's sequences (1..n without
 * gaps), running balances, hash chain, stored balance, last sequence and chain
 * head; each system leg's hash against its entry's user leg; each entry's and
 * the whole ledger's sum. Detects a row edited, deleted or inserted with SQL
 * behind the service's back, and names the first break. Reads in keyset
 * batches (bounded memory), all in one read-only snapshot, so that payments
 * posted meanwhile neither wait for it nor show up half-seen.
 */
@Injectable()
export class LedgerAuditor {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly query: LedgerAuditQuery,
  ) {}

  run(): Promise<LedgerAuditReport> {
    return this.unitOfWork.snapshot(() => this.audit());
  }

  private async audit(): Promise<LedgerAuditReport> {
    const total = Money.of(await this.query.total());
    const unbalancedEntries = await this.query.unbalancedEntries(LISTED);
    const audit = new Audit();
    let afterWallet = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const wallets = await this.query.userWallets(afterWallet, WALLET_BATCH);
      if (wallets.length === 0) break;
      await this.checkWallets(wallets, audit);
      afterWallet = wallets.at(-1)!.id;
    }
    await this.checkUnsequenced(audit);
    return {
      balanced: total.isZero() && unbalancedEntries.length === 0,
      total: total.toFixed(),
      walletsChecked: audit.wallets,
      operationsChecked: audit.operations,
      mismatches: audit.mismatches,
      unbalancedEntries,
      chainOk: audit.firstBreak === null,
      firstBreak: audit.firstBreak,
    };
  }

  /** One batch of wallets, merged with the stream of their operations in (wallet, sequence) order. */
  private async checkWallets(wallets: AuditedWallet[], audit: Audit): Promise<void> {
    const first = wallets[0].id;
    const last = wallets.at(-1)!.id;
    const chains = new Map(wallets.map((wallet) => [wallet.id, new WalletChain(wallet)]));
    let after: { walletId: string; sequence: number } | null = null;
    for (;;) {
      const operations = await this.query.sequencedOperations(first, last, after, OPERATION_BATCH);
      for (const operation of operations) {
        audit.operations++;
        const chain = chains.get(operation.walletId);
        // A sequenced leg on a system wallet: the system wallet's check reports it.
        if (chain) audit.report(chain.next(operation));
      }
      if (operations.length < OPERATION_BATCH) break;
      const tail = operations.at(-1)!;
      after = { walletId: tail.walletId, sequence: tail.sequence! };
    }
    for (const chain of chains.values()) {
      audit.wallets++;
      const { breaks, mismatch } = chain.end();
      breaks.forEach((found) => audit.report(found));
      if (mismatch && audit.mismatches.length < LISTED) audit.mismatches.push(mismatch);
    }
  }

  /** System legs chain to their entry's user leg; a user wallet never has an unsequenced leg. */
  private async checkUnsequenced(audit: Audit): Promise<void> {
    let afterId = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const operations = await this.query.unsequencedOperations(afterId, OPERATION_BATCH);
      for (const operation of operations) {
        audit.operations++;
        if (operation.walletKind === 'USER') {
          audit.report(breakAt(operation, 'unsequenced_user_leg', 'a sequence', 'none'));
          continue;
        }
        const expected = operationHash(operation, operation.anchor ?? GENESIS_HASH);
        if (expected !== operation.hash) audit.report(breakAt(operation, 'hash', expected, operation.hash));
      }
      if (operations.length < OPERATION_BATCH) return;
      afterId = operations.at(-1)!.id;
    }
  }
}

class Audit {
  wallets = 0;
  operations = 0;
  mismatches: WalletMismatch[] = [];
  firstBreak: ChainBreak | null = null;

  report(found: ChainBreak | null): void {
    if (found && !this.firstBreak) this.firstBreak = found;
  }
}

/** One user wallet's history replayed: sequence, running balance and hash chain. */
class WalletChain {
  private count = 0;
  private running = Money.ZERO;
  /** The stored hash of the previous operation: one edited row breaks at that row, not at every later one. */
  private previous = GENESIS_HASH;

  constructor(private readonly wallet: AuditedWallet) {}

  next(operation: AuditedOperation): ChainBreak | null {
    this.count++;
    this.running = this.running.plus(Money.of(operation.amount));
    const expectedHash = operationHash(operation, this.previous);
    this.previous = operation.hash;
    if (operation.sequence !== this.count) {
      return breakAt(operation, 'sequence', String(this.count), String(operation.sequence));
    }
    if (operation.balanceAfter === null || !Money.of(operation.balanceAfter).equals(this.running)) {
      return breakAt(operation, 'balance_after', this.running.toFixed(), String(operation.balanceAfter));
    }
    if (expectedHash !== operation.hash) return breakAt(operation, 'hash', expectedHash, operation.hash);
    return null;
  }

  end(): { breaks: ChainBreak[]; mismatch: WalletMismatch | null } {
    const { wallet } = this;
    const breaks: ChainBreak[] = [];
    const atWallet = (problem: ChainBreak['problem'], expected: string, found: string) =>
      breaks.push({ walletId: wallet.id, operationId: null, sequence: null, problem, expected, found });
    const balanced = Money.of(wallet.balance).equals(this.running);
    if (!balanced) atWallet('balance', this.running.toFixed(), wallet.balance);
    if (wallet.lastSequence !== this.count) atWallet('last_sequence', String(this.count), String(wallet.lastSequence));
    const head = this.count === 0 ? null : this.previous;
    if (wallet.chainHead !== head) atWallet('chain_head', String(head), String(wallet.chainHead));
    return {
      breaks,
      mismatch: balanced ? null : { walletId: wallet.id, stored: wallet.balance, recomputed: this.running.toFixed() },
    };
  }
}

function breakAt(
  operation: AuditedOperation,
  problem: ChainBreak['problem'],
  expected: string,
  found: string,
): ChainBreak {
  return { walletId: operation.walletId, operationId: operation.id, sequence: operation.sequence, problem, expected, found };
}
