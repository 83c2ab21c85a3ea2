import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Money } from '@app/money';
import { Operation } from '../domain/operation.entity';

export type SortOrder = 'asc' | 'desc';

export interface OperationQuery {
  walletId: string;
  /** asc: operations at or after it; desc: at or before it (the original's meaning). */
  timestamp?: Date;
  order: SortOrder;
  limit: number;
}

@Injectable()
export class OperationRepository {
  constructor(private readonly em: EntityManager) {}

  /** Served by operations_wallet_timestamp_index (wallet_id, timestamp, sequence) in both orders. */
  list(query: OperationQuery): Promise<Operation[]> {
    const timestamp = query.timestamp
      ? { timestamp: query.order === 'asc' ? { $gte: query.timestamp } : { $lte: query.timestamp } }
      : {};
    return this.em.find(
      Operation,
      { walletId: query.walletId, ...timestamp },
      { orderBy: { timestamp: query.order, sequence: query.order, id: query.order }, limit: query.limit },
    );
  }

  /** Sum of every amount of a wallet: only for wallets that keep no running balance. */
  async sumAmounts(walletId: string): Promise<Money> {
    const [row] = await this.em
      .getConnection()
      .execute<{ total: string }[]>(
        `select coalesce(sum(amount), 0)::numeric(20,2)::text as total from operations where wallet_id = ?`,
        [walletId],
      );
    return Money.of(row.total);
  }
}
