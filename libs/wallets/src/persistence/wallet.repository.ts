import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { type LedgerAccount, WalletKind } from '@app/ledger';
import { Money } from '@app/money';
import { Wallet } from '../domain/wallet.entity';

/**
 * A wallet read under its row lock, for one use case to post to. A plain
 * value, not a managed entity: the ledger writes its new balance in the same
 * statement as the operations, and nothing else should.
 */
export interface LockedWallet extends LedgerAccount {
  readonly userId: string | null;
}

interface WalletRow {
  id: string;
  user_id: string | null;
  kind: WalletKind;
  balance: string | null;
  last_sequence: string | null;
  pending_holds: number;
}

const LOCKED_COLUMNS = 'id, user_id, kind, balance::text as balance, last_sequence, pending_holds';

@Injectable()
export class WalletRepository {
  constructor(private readonly em: EntityManager) {}

  findByUserId(userId: string): Promise<Wallet | null> {
    return this.em.findOne(Wallet, { userId });
  }

  findById(id: string): Promise<Wallet | null> {
    return this.em.findOne(Wallet, { id });
  }

  addForUser(userId: string): Wallet {
    const wallet = new Wallet();
    wallet.userId = userId;
    wallet.kind = WalletKind.USER;
    wallet.balance = Money.ZERO;
    wallet.lastSequence = 0;
    this.em.persist(wallet);
    return wallet;
  }

  /**
   * Locks (FOR UPDATE) the user's wallet and, when given, the user wallet
   * `otherId`, in one statement, in id order: every use case that locks several
   * wallets takes them in the same order, so two opposite transfers cannot
   * deadlock. Must run inside a transaction. A missing wallet is simply absent.
   */
  async lockForUser(userId: string, otherId?: string): Promise<LockedWallet[]> {
    const rows =
      otherId === undefined
        ? await this.em.execute<WalletRow[]>(
            `select ${LOCKED_COLUMNS} from wallets where user_id = ? order by id for update`,
            [userId],
          )
        : await this.em.execute<WalletRow[]>(
            `select ${LOCKED_COLUMNS} from wallets where user_id = ? or (id = ? and kind = 'USER') order by id for update`,
            [userId, otherId],
          );
    return rows.map(toLocked);
  }

  /** Counts a hold placed (+1) or resolved (-1) on the paying wallet; takes the wallet's row lock. */
  async adjustPendingHolds(walletId: string, delta: 1 | -1): Promise<void> {
    await this.em.execute('update wallets set pending_holds = pending_holds + ? where id = ?', [delta, walletId]);
  }

  /** Locks the given wallets (FOR UPDATE), in id order like every other lock of several wallets. */
  async lockByIds(ids: string[]): Promise<LockedWallet[]> {
    const rows = await this.em.execute<WalletRow[]>(
      `select ${LOCKED_COLUMNS} from wallets where id in (${ids.map(() => '?').join(', ')}) order by id for update`,
      ids,
    );
    return rows.map(toLocked);
  }
}

function toLocked(row: WalletRow): LockedWallet {
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind,
    balance: row.balance === null ? null : Money.of(row.balance),
    lastSequence: row.last_sequence === null ? null : Number(row.last_sequence),
    pendingHolds: row.pending_holds,
  };
}
