import { Inject, Injectable, Optional } from '@nestjs/common';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Money } from '@app/money';
import { ReplicaReads, sqlStateOf, UnitOfWork } from '@app/persistence';
import { AuditInProgressError, AuditTimedOutError } from '../domain/ledger.errors';
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

/** The composition root's settings for the audit (LedgerModule.withAuditOptions). */
export interface AuditOptions {
  /** A run still going after this long is abandoned (AUDIT_TIMEOUT_SECONDS). */
  timeoutSeconds: number;
}

export const AUDIT_OPTIONS = Symbol('AUDIT_OPTIONS');

/** Without the composition root's settings (the command line): the configuration's default. */
const DEFAULT_OPTIONS: AuditOptions = { timeoutSeconds: 600 };

/**
 * Rows per read: the audit's memory is bounded by this, not by the ledger's
 * size. 2,000 operations: their rows are turned into objects in one go (about
 * 3 ms of CPU on the bench machine; 10,000 took 16 ms).
 */
const WALLET_BATCH = 500;
const OPERATION_BATCH = 2_000;
/**
 * Operations replayed (hash, running balance, sequence) between two turns of
 * the event loop. One costs 13-30 µs of CPU on the bench machine (2 shared
 * cores, docs/PERFORMANCE.md "Audit under load"), so a slice of 100 holds the
 * loop for 1.3-3 ms: a request that arrives meanwhile waits at most about
 * that long for the audit (a whole batch of 10,000 held it 130-310 ms).
 */
const SLICE = 100;
/** At most this many mismatches and unbalanced entries are listed. */
const LISTED = 100;
/** Another run ended between our failed try of the lock and the look at its holder: try the lock again. */
const LOCK_ATTEMPTS = 3;

/** What the process's current run is, for those who observe it (tests, a metric). */
export interface AuditActivity {
  /** Scans this process has started since it booted. */
  scansStarted: number;
  /** Callers waiting for the run in flight (0: none in flight). */
  waiting: number;
}

/**
 * Recomputes the whole ledger from its operations, ignoring every stored
 * running figure, and compares: each user wallet's sequences (1..n without
 * gaps), running balances, hash chain, stored balance, last sequence and chain
 * head; each system leg's hash against its entry's user leg; each entry's and
 * the whole ledger's sum. Detects a row edited, deleted or inserted with SQL
 * behind the service's back, and names the first break. Reads in keyset
 * batches (bounded memory), all in one read-only snapshot, so that payments
 * posted meanwhile neither wait for it nor show up half-seen.
 *
 * One run at a time. In this process, a caller who comes while a run is in
 * flight waits for that run and gets its report. Across instances, the run
 * holds a PostgreSQL advisory lock in its snapshot transaction; a caller on an
 * instance that finds it taken gets AuditInProgressError (409), naming when
 * the running audit started, rather than a second scan. The scan gives the
 * event loop back every SLICE operations, so that the requests served
 * meanwhile keep their latency, and is abandoned past `timeoutSeconds`
 * (AuditTimedOutError, 503): the transaction rolls back and the lock goes with it.
 */
@Injectable()
export class LedgerAuditor {
  private inFlight: { report: Promise<LedgerAuditReport>; waiting: number } | null = null;
  private scansStarted = 0;
  private readonly options: AuditOptions;

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly query: LedgerAuditQuery,
    @Optional() @Inject(AUDIT_OPTIONS) options?: AuditOptions,
    /** Absent outside the API (the command line): the scan stays on the primary. */
    @Optional() private readonly reads?: ReplicaReads,
  ) {
    this.options = options ?? DEFAULT_OPTIONS;
  }

  /** The report of the run in flight in this process, or of a new one. */
  run(): Promise<LedgerAuditReport> {
    if (this.inFlight) {
      this.inFlight.waiting++;
      return this.inFlight.report;
    }
    const run = {
      waiting: 1,
      report: this.scan().finally(() => {
        this.inFlight = null;
      }),
    };
    this.inFlight = run;
    return run.report;
  }

  get activity(): AuditActivity {
    return { scansStarted: this.scansStarted, waiting: this.inFlight?.waiting ?? 0 };
  }

  private async scan(): Promise<LedgerAuditReport> {
    const deadline = new Deadline(this.options.timeoutSeconds);
    for (let attempt = 1; ; attempt++) {
      try {
        const report = await this.unitOfWork.snapshot(() => this.lockedAudit(deadline));
        if (report) return report;
      } catch (error) {
        // A statement cancelled because the deadline bounded it (SQLSTATE 57014, query_canceled).
        if (sqlStateOf(error) === '57014' && (deadline.boundsStatements || deadline.passed())) {
          throw new AuditTimedOutError(deadline.seconds);
        }
        throw error;
      }
      if (attempt === LOCK_ATTEMPTS) throw new AuditInProgressError(null);
    }
  }

  /** The audit under the lock; null when the lock was taken but its holder has ended since (try again). */
  private async lockedAudit(deadline: Deadline): Promise<LedgerAuditReport | null> {
    const { locked, statementTimeoutMs } = await this.query.tryLock();
    if (!locked) {
      const holder = await this.query.lockHolder();
      if (holder) throw new AuditInProgressError(holder.startedAt);
      return null;
    }
    this.scansStarted++;
    deadline.statementBoundMs = statementTimeoutMs;
    if (!this.reads?.enabled) return this.audit(deadline);
    // The lock stays here, on the primary; the scan reads a replica within the lag bound when one answers.
    await this.query.holdIdle(deadline.check() + 5_000);
    return this.reads.scan(() => this.audit(deadline));
  }

  private async audit(deadline: Deadline): Promise<LedgerAuditReport> {
    await this.beforeStatement(deadline);
    const total = Money.of(await this.query.total());
    await this.beforeStatement(deadline);
    const unbalancedEntries = await this.query.unbalancedEntries(LISTED);
    const audit = new Audit();
    let afterWallet = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      await this.beforeStatement(deadline);
      const wallets = await this.query.userWallets(afterWallet, WALLET_BATCH);
      if (wallets.length === 0) break;
      await this.checkWallets(wallets, audit, deadline);
      afterWallet = wallets.at(-1)!.id;
    }
    await this.checkUnsequenced(audit, deadline);
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

  /**
   * Before each statement: past the deadline, give up; close to it, bound the
   * statement by the time left (the session's own statement_timeout bounds it
   * otherwise), so that a statement cannot carry the run past its limit.
   */
  private async beforeStatement(deadline: Deadline): Promise<void> {
    const left = deadline.check();
    if (deadline.statementBoundMs === 0 || left < deadline.statementBoundMs) {
      deadline.boundsStatements = true;
      await this.query.limitStatements(left);
    }
  }

  /** Gives the event loop a turn (the requests that arrived meanwhile are served), then checks the deadline. */
  private async yieldTurn(deadline: Deadline): Promise<void> {
    await nextTurn();
    deadline.check();
  }

  /** One batch of wallets, merged with the stream of their operations in (wallet, sequence) order. */
  private async checkWallets(wallets: AuditedWallet[], audit: Audit, deadline: Deadline): Promise<void> {
    const first = wallets[0].id;
    const last = wallets.at(-1)!.id;
    const chains = new Map(wallets.map((wallet) => [wallet.id, new WalletChain(wallet)]));
    let after: { walletId: string; sequence: number } | null = null;
    for (;;) {
      await this.beforeStatement(deadline);
      const operations = await this.query.sequencedOperations(first, last, after, OPERATION_BATCH);
      await this.inSlices(operations, deadline, (operation) => {
        audit.operations++;
        const chain = chains.get(operation.walletId);
        // A sequenced leg on a system wallet: the system wallet's check reports it.
        if (chain) audit.report(chain.next(operation));
      });
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

  /** `each` over `items`, SLICE at a time, the event loop given a turn (and the deadline checked) before each slice. */
  private async inSlices<T>(items: T[], deadline: Deadline, each: (item: T) => void): Promise<void> {
    for (let start = 0; start < items.length; start += SLICE) {
      await this.yieldTurn(deadline);
      const end = Math.min(start + SLICE, items.length);
      for (let i = start; i < end; i++) each(items[i]);
    }
  }

  /** System legs chain to their entry's user leg; a user wallet never has an unsequenced leg. */
  private async checkUnsequenced(audit: Audit, deadline: Deadline): Promise<void> {
    let afterId = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      await this.beforeStatement(deadline);
      const operations = await this.query.unsequencedOperations(afterId, OPERATION_BATCH);
      await this.inSlices(operations, deadline, (operation) => {
        audit.operations++;
        if (operation.walletKind === 'USER') {
          audit.report(breakAt(operation, 'unsequenced_user_leg', 'a sequence', 'none'));
          return;
        }
        const expected = operationHash(operation, operation.anchor ?? GENESIS_HASH);
        if (expected !== operation.hash) audit.report(breakAt(operation, 'hash', expected, operation.hash));
      });
      if (operations.length < OPERATION_BATCH) return;
      afterId = operations.at(-1)!.id;
    }
  }
}

/** The run's time limit. */
class Deadline {
  private readonly at: number;
  /** The session's own statement_timeout in ms (0: none), read when the lock is taken. */
  statementBoundMs = 0;
  /** The time left bounds the statements now (a statement cancelled with 57014 ran into the deadline). */
  boundsStatements = false;

  constructor(readonly seconds: number) {
    this.at = Date.now() + seconds * 1000;
  }

  passed(): boolean {
    return Date.now() >= this.at;
  }

  /** The ms left; throws AuditTimedOutError (inside the transaction, which rolls back) when none are. */
  check(): number {
    const left = this.at - Date.now();
    if (left <= 0) throw new AuditTimedOutError(this.seconds);
    return left;
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
