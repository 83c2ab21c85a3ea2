import { Injectable } from '@nestjs/common';
import { type AdminOutcome, AuthService, type SessionUser, type User } from '@app/auth';
import { DomainError } from '@app/errors';
import { IdempotencyService, type KeyedRequest } from '@app/idempotency';
import {
  type EntryType,
  type Hold,
  type LedgerAuditReport,
  LedgerAuditor,
  type Operation,
  OperationRepository,
} from '@app/ledger';
import type { Money } from '@app/money';
import { ReplicaReads, UnitOfWork } from '@app/persistence';
import {
  type Answer,
  type CommandOf,
  MoneyMovements,
  HoldNotFoundError,
  type Reversal,
  type Submission,
  TransferNotFoundError,
} from '@app/transfers';
import { type HistoryPage, type HistoryQuery, type WalletView, WalletsService } from '@app/wallets';
import { AdminActionType } from '../domain/admin-action.entity';
import { IdNotFoundError } from '../domain/admin.errors';
import { AdminActionRepository, type LoggedAction, type LogPosition } from '../persistence/admin-action.repository';
import {
  type AdminHold,
  AdminReadsQuery,
  type EntryView,
  type FreezeRecord,
  type HoldPosition,
  type Lookup,
  type ReversalFacts,
} from '../persistence/admin-reads.query';

/** A wallet as operators see it: balances, state, its owner's name (null for the funding wallet), and its freeze. */
export type AdminWalletView = WalletView & { available: Money; username: string | null; freeze: FreezeRecord | null };

/** A page of a wallet's operations with the usernames of every wallet on it. */
export interface NamedHistoryPage extends HistoryPage {
  usernames: Map<string, string | null>;
}

/** Filters of the operations export. */
export interface OperationFilters {
  types?: readonly EntryType[];
  from?: Date;
  to?: Date;
}

/** One operation of the export with what its row shows beside it. */
export interface ExportedOperation {
  operation: Operation;
  usernames: ReadonlyMap<string, string | null>;
  facts: ReversalFacts | undefined;
}

/** One journal entry for operators: its parties, reversals and legs. */
export interface TransferView {
  entry: EntryView;
  legs: Operation[];
}

/** Rows per page of the operations export: what one read holds in memory at a time. */
export const EXPORT_PAGE_SIZE = 1000;

export interface UserWithWallet {
  user: User;
  wallet: (WalletView & { available: Money }) | null;
}

/**
 * What an operator may do, through the domain services of auth, wallets,
 * transfers and the ledger (never their tables). Each action and its line in
 * the admin action log are one unit of work: both commit or neither does,
 * with the request's Idempotency-Key when it has one. This service (or the
 * money movements' group commit, for reversals and voids) owns the
 * transaction and its retry; the domain services join it.
 */
@Injectable()
export class AdminService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly auth: AuthService,
    private readonly wallets: WalletsService,
    private readonly movements: MoneyMovements,
    private readonly auditor: LedgerAuditor,
    private readonly actions: AdminActionRepository,
    private readonly reads: ReplicaReads,
    private readonly query: AdminReadsQuery,
    private readonly operations: OperationRepository,
    private readonly idempotency: IdempotencyService,
  ) {}

  /**
   * Creates an admin, or promotes an existing user when the operator proved
   * it is theirs (its password) or said so (`promote`): the command line's
   * `make admin`. Logged unless nothing changed.
   */
  makeAdmin(
    username: string,
    password: string,
    options: { promote: boolean },
  ): Promise<{ user: SessionUser; outcome: AdminOutcome }> {
    return this.unitOfWork.run(async () => {
      const result = await this.auth.ensureAdmin(username, password, options);
      if (result.outcome !== 'unchanged') {
        this.actions.add({
          adminId: null,
          action: AdminActionType.PROMOTE,
          target: result.user.id,
          reason: result.outcome === 'created' ? 'created by make admin' : 'promoted by make admin',
        });
      }
      return result;
    });
  }

  /** `make demote-admin`: the admin becomes a user and every session of theirs ends, with its log line. */
  demote(username: string): ReturnType<AuthService['demote']> {
    return this.unitOfWork.run(async () => {
      const result = await this.auth.demote(username);
      if (result.outcome === 'demoted') {
        this.actions.add({
          adminId: null,
          action: AdminActionType.DEMOTE,
          target: result.user.id,
          reason: `demoted by make demote-admin; ${result.sessionsEnded} session(s) ended`,
        });
      }
      return result;
    });
  }

  /** `make end-sessions`: every session of the user ends (each cookie answers 401 from then on), with its log line. */
  endSessions(username: string): ReturnType<AuthService['endSessions']> {
    return this.unitOfWork.run(async () => {
      const result = await this.auth.endSessions(username);
      this.actions.add({
        adminId: null,
        action: AdminActionType.END_SESSIONS,
        target: result.user.id,
        reason: `${result.sessionsEnded} session(s) ended by make end-sessions`,
      });
      return result;
    });
  }

  /**
   * Reverses a transfer or a deposit (`amount`, or all that is left of it) with the money movements' group
   * commit; the action log line, with the reversal's amount and entry, commits with the reversal.
   */
  reverse<R>(
    admin: SessionUser,
    transferId: string,
    { reason, amount }: { reason: string | null; amount?: Money },
    request: Omit<Submission<CommandOf<'REVERSAL'>, R>, 'actionLine'>,
  ): Promise<Answer<R>> {
    return this.movements.submit(
      { type: 'REVERSAL', entryId: transferId, amount },
      {
        ...request,
        actionLine: (reversal) =>
          AdminActionRepository.line({
            adminId: admin.id,
            action: AdminActionType.REVERSAL,
            target: transferId,
            reason,
            amount: reversal.amount,
            entryId: reversal.id,
          }),
      },
    );
  }

  /**
   * Voids any wallet's pending hold with the money movements' group commit,
   * like the owner's void (allowed on a frozen wallet: nothing moves); the
   * HOLD_VOID line commits with it. The destination's owner is read first
   * (on the primary: the hold may be newer than any replica), so that the
   * answer, recorded under an Idempotency-Key, is whole.
   */
  async voidHold<R>(
    admin: SessionUser,
    holdId: string,
    reason: string | null,
    request: { keyed?: Submission<CommandOf<'OPERATOR_VOID_HOLD'>, R>['keyed']; present: (hold: Hold, destinationUsername: string | null) => R },
  ): Promise<Answer<R>> {
    const found = await this.query.hold(holdId);
    if (!found) throw new HoldNotFoundError();
    return this.movements.submit(
      { type: 'OPERATOR_VOID_HOLD', holdId },
      {
        keyed: request.keyed,
        present: (hold) => request.present(hold, found.destinationUsername),
        actionLine: () =>
          AdminActionRepository.line({ adminId: admin.id, action: AdminActionType.HOLD_VOID, target: holdId, reason }),
      },
    );
  }

  /**
   * Freezes (true) or unfreezes (false) a user wallet, with its line in the
   * action log; answers the wallet as it is after (`present` makes the body).
   * One unit of work claims the request's Idempotency-Key (if it has one),
   * freezes, logs, reads the answer and records it under the key, as the
   * money movements' batch does: a replay answers the first answer and does
   * nothing; a refusal (404, 422) is recorded and replayed, a conflict (409
   * already frozen or not frozen) gives the key back.
   */
  async setFrozen<R>(
    admin: SessionUser,
    walletId: string,
    frozen: boolean,
    reason: string | null,
    request: { keyed?: KeyedRequest; present: (wallet: AdminWalletView) => R },
  ): Promise<Answer<R>> {
    const [settled] = await this.unitOfWork.run(async () => {
      const keys = await this.idempotency.claim([request.keyed]);
      if (keys.running.length === 0) return keys.settle();
      try {
        // Joins this unit of work and flushes the log line, so that the answer read next shows the freeze.
        await this.unitOfWork.run(async () => {
          await this.wallets.setFrozen(walletId, frozen);
          this.actions.add({
            adminId: admin.id,
            action: frozen ? AdminActionType.FREEZE : AdminActionType.UNFREEZE,
            target: walletId,
            reason,
          });
        });
        keys.answered(0, request.present(await this.wallet(walletId)));
      } catch (refusal) {
        // Refused before anything was written (unknown wallet, the funding wallet, already in that state).
        if (!(refusal instanceof DomainError)) throw refusal;
        keys.refused(0, refusal);
      }
      return keys.settle();
    });
    if ('body' in settled) return settled.body as R;
    if ('replay' in settled) return settled.replay;
    throw settled.refusal;
  }

  // The reads below may lag a moment: a replica that has replayed the operator's own last write (a freeze
  // answers the wallet as it is after), else the primary. The admin role itself is read on the primary (AuthGuard).

  /** Users whose name starts with `prefix` (ignoring case), with their wallets and balances. */
  findUsers(prefix: string, afterKey: string | undefined, limit: number): Promise<UserWithWallet[]> {
    return this.reads.read(async () => {
      const users = await this.auth.searchUsers(prefix, afterKey, limit);
      const wallets = await this.wallets.walletsOfUsers(users.map((user) => user.id));
      return users.map((user) => ({ user, wallet: wallets.get(user.id) ?? null }));
    });
  }

  wallet(walletId: string): Promise<AdminWalletView> {
    return this.reads.read(async () => {
      const view = await this.wallets.walletById(walletId);
      const owner = view.wallet.userId ? await this.auth.findUser(view.wallet.userId) : null;
      const freeze = view.wallet.frozen ? await this.query.freezeOf(walletId) : null;
      return { ...view, username: owner?.username ?? null, freeze };
    });
  }

  /** A page of any user wallet's operations, with every party's username (one statement for the page). */
  history(walletId: string, query: HistoryQuery): Promise<NamedHistoryPage> {
    return this.reads.read(async () => {
      const page = await this.wallets.historyOfWalletId(walletId, query);
      return { ...page, usernames: await this.query.usernamesOfWallets(partiesOf(page.operations)) };
    });
  }

  /**
   * Every operation of a user wallet that passes the filters, oldest first,
   * in pages of EXPORT_PAGE_SIZE read one at a time (keyset by sequence, each
   * page its own short read): memory stays bounded whatever the wallet's
   * size, and no read holds a snapshot open while the client downloads. The
   * first page is read before anything is yielded, so that an unknown wallet
   * (404) or the funding wallet (422) fails before the caller answers.
   */
  async *exportOperations(walletId: string, filters: OperationFilters): AsyncGenerator<ExportedOperation[]> {
    let after: HistoryQuery['after'];
    do {
      const page = await this.reads.read(async () => {
        const read = await this.wallets.historyOfWalletId(walletId, {
          ...filters,
          order: 'asc',
          limit: EXPORT_PAGE_SIZE,
          after,
        });
        const [usernames, facts] = await Promise.all([
          this.query.usernamesOfWallets(partiesOf(read.operations)),
          this.query.reversalFacts(read.operations.map((operation) => operation.transferId)),
        ]);
        return { ...read, usernames, facts };
      });
      yield page.operations.map((operation) => ({
        operation,
        usernames: page.usernames,
        facts: page.facts.get(operation.transferId),
      }));
      after = page.next ?? undefined;
    } while (after);
  }

  /** The holds a wallet placed, newest first (404 for an unknown wallet). */
  holds(walletId: string, after: HoldPosition | undefined, limit: number): Promise<AdminHold[]> {
    return this.reads.read(async () => {
      await this.wallets.walletById(walletId);
      return this.query.holdsOf(walletId, after, limit);
    });
  }

  /** One journal entry (any type) with its parties, reversals and legs; 404 when none has this id. */
  transfer(transferId: string): Promise<TransferView> {
    return this.reads.read(async () => {
      const entry = await this.query.entry(transferId);
      if (!entry) throw new TransferNotFoundError();
      return { entry, legs: await this.operations.legsOf(transferId) };
    });
  }

  /** What an id names (a user, a wallet, a journal entry); 404 when nothing. */
  lookup(id: string): Promise<Lookup> {
    return this.reads.read(async () => {
      const found = await this.query.lookup(id);
      if (!found) throw new IdNotFoundError();
      return found;
    });
  }

  audit(): Promise<LedgerAuditReport> {
    return this.auditor.run();
  }

  log(after: LogPosition | undefined, limit: number, target?: string): Promise<LoggedAction[]> {
    return this.reads.read(() => this.actions.page(after, limit, target));
  }
}

/** Every wallet a page of operations names. */
function partiesOf(operations: readonly Operation[]): string[] {
  return operations.flatMap((operation) => [operation.sourceWalletId, operation.destinationWalletId]);
}
