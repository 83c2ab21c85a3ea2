import { LockMode } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { WalletKind } from '@app/ledger';
import { Money } from '@app/money';
import { Wallet } from '../domain/wallet.entity';

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
  /** Locks the given wallets (FOR UPDATE), in id order like every other lock of several wallets. */
  lockByIds(ids: string[]): Promise<Wallet[]> {
    return this.em.find(
      Wallet,
      { id: { $in: ids } },
      { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' }, refresh: true },
    );
  }

  lockForUser(userId: string, otherId?: string): Promise<Wallet[]> {
    const where = otherId === undefined ? { userId } : { $or: [{ userId }, { id: otherId, kind: WalletKind.USER }] };
    return this.em.find(Wallet, where, { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' }, refresh: true });
  }
}
