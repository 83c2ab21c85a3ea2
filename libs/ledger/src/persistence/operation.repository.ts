import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Money } from '@app/money';
import { Operation } from '../domain/operation.entity';

export type SortOrder = 'asc' | 'desc';

export interface OperationPageQuery {
  walletId: string;
  order: SortOrder;
  limit: number;
  /** Continue after this sequence (exclusive), in `order`. */
  afterSequence?: number;
  /** asc: operations at or after it; desc: at or before it (the original's meaning). */
  timestamp?: Date;
}

export interface OperationPage {
  operations: Operation[];
  /** Whether more operations follow the last one in `order`. */
  hasMore: boolean;
}

/**
 * Reads of a user wallet's history. Within a wallet, the sequence orders
 * exactly like the timestamps (timestamps are taken under the wallet's lock),
 * so pages walk the unique (wallet_id, sequence) index and a timestamp is first
 * turned into a sequence bound by one seek on (wallet_id, timestamp, sequence).
 */
@Injectable()
export class OperationRepository {
  constructor(private readonly em: EntityManager) {}

  async page(query: OperationPageQuery): Promise<OperationPage> {
    const bounds: { $gt?: number; $lt?: number; $gte?: number; $lte?: number } = {};
    const asc = query.order === 'asc';
    if (query.afterSequence !== undefined) bounds[asc ? '$gt' : '$lt'] = query.afterSequence;
    if (query.timestamp !== undefined) {
      const edge = await this.sequenceBound(query.walletId, query.timestamp, query.order);
      if (edge === null) return { operations: [], hasMore: false };
      bounds[asc ? '$gte' : '$lte'] = edge;
    }
    const rows = await this.em.find(
      Operation,
      { walletId: query.walletId, ...(Object.keys(bounds).length > 0 ? { sequence: bounds } : {}) },
      { orderBy: { sequence: query.order }, limit: query.limit + 1 },
    );
    return { operations: rows.slice(0, query.limit), hasMore: rows.length > query.limit };
  }

  /** The balance_after of the wallet's last operation at or before `at` (null: none yet). One index seek. */
  async balanceAfterAt(walletId: string, at: Date): Promise<Money | null> {
    const [last] = await this.em.find(
      Operation,
      { walletId, timestamp: { $lte: at } },
      { orderBy: { timestamp: 'desc', sequence: 'desc' }, limit: 1, fields: ['balanceAfter'] },
    );
    return last?.balanceAfter ?? null;
  }

  /** Sum of every amount of a wallet (up to `at`): only for wallets that keep no running balance. */
  async sumAmounts(walletId: string, at?: Date): Promise<Money> {
    const [row] = await this.em.execute<{ total: string }[]>(
      `select coalesce(sum(amount), 0)::numeric(20,2)::text as total from operations where wallet_id = ?${at ? ' and timestamp <= ?' : ''}`,
      at ? [walletId, at] : [walletId],
    );
    return Money.of(row.total);
  }

  /** desc: the last sequence at or before `at`; asc: the first at or after it. */
  private async sequenceBound(walletId: string, at: Date, order: SortOrder): Promise<number | null> {
    const [edge] = await this.em.find(
      Operation,
      { walletId, timestamp: order === 'asc' ? { $gte: at } : { $lte: at } },
      { orderBy: { timestamp: order, sequence: order }, limit: 1, fields: ['sequence'] },
    );
    return edge?.sequence ?? null;
  }
}
