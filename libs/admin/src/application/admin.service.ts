import { Injectable } from '@nestjs/common';
import { type AdminOutcome, AuthService, type SessionUser, type User } from '@app/auth';
import { type LedgerAuditReport, LedgerAuditor } from '@app/ledger';
import type { Money } from '@app/money';
import { ReplicaReads, UnitOfWork } from '@app/persistence';
import { type Answer, type CommandOf, GroupCommitter, type Reversal, type Submission } from '@app/transfers';
import { type HistoryPage, type HistoryQuery, type WalletView, WalletsService } from '@app/wallets';
import { AdminActionType } from '../domain/admin-action.entity';
import { AdminActionRepository, type LoggedAction, type LogPosition } from '../persistence/admin-action.repository';

/** A wallet as operators see it: balances, state, and its owner's name (null for the funding wallet). */
export type AdminWalletView = WalletView & { available: Money; username: string | null };

export interface UserWithWallet {
  user: User;
  wallet: (WalletView & { available: Money }) | null;
}

/**
 * What an operator may do, through the domain services of auth, wallets,
 * transfers and the ledger (never their tables). Each action and its line in
 * the admin action log are one unit of work: both commit or neither does.
 * The caller (HTTP: the idempotency interceptor, or this service) owns the
 * transaction and its retry; the domain services join it.
 */
@Injectable()
export class AdminService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly auth: AuthService,
    private readonly wallets: WalletsService,
    private readonly movements: GroupCommitter,
    private readonly auditor: LedgerAuditor,
    private readonly actions: AdminActionRepository,
    private readonly reads: ReplicaReads,
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
    request: Omit<Submission<CommandOf<'REVERSAL'>, R>, 'onAccepted'>,
  ): Promise<Answer<R>> {
    return this.movements.submit(
      { type: 'REVERSAL', entryId: transferId, amount },
      {
        ...request,
        onAccepted: (reversal) =>
          this.actions.add({
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

  /** Freezes (true) or unfreezes (false) a user wallet; answers the wallet as it is after. */
  async setFrozen(admin: SessionUser, walletId: string, frozen: boolean, reason: string | null): Promise<AdminWalletView> {
    await this.unitOfWork.run(async () => {
      await this.wallets.setFrozen(walletId, frozen);
      this.actions.add({
        adminId: admin.id,
        action: frozen ? AdminActionType.FREEZE : AdminActionType.UNFREEZE,
        target: walletId,
        reason,
      });
    });
    return this.wallet(walletId);
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
      return { ...view, username: owner?.username ?? null };
    });
  }

  history(walletId: string, query: HistoryQuery): Promise<HistoryPage> {
    return this.reads.read(() => this.wallets.historyOfWalletId(walletId, query));
  }

  audit(): Promise<LedgerAuditReport> {
    return this.auditor.run();
  }

  log(after: LogPosition | undefined, limit: number): Promise<LoggedAction[]> {
    return this.reads.read(() => this.actions.page(after, limit));
  }
}
