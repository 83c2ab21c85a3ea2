import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Money } from '@app/money';
import type { EntryType } from '../domain/journal-entry.entity';

export interface EntrySummary {
  id: string;
  type: EntryType;
  sourceWalletId: string;
  destinationWalletId: string;
  /** What the entry moved from source to destination (its positive leg). */
  amount: Money;
  /** The REVERSAL entry that reversed it, if any. */
  reversedBy: string | null;
}

/** Reads of whole journal entries. */
@Injectable()
export class JournalRepository {
  constructor(private readonly em: EntityManager) {}

  /** One entry with what it moved, or null. Served by operations_transfer_id_index and the reverses_id unique index. */
  async findEntry(id: string): Promise<EntrySummary | null> {
    const [row] = await this.em.execute<
      {
        type: EntryType;
        source_wallet_id: string;
        destination_wallet_id: string;
        amount: string;
        reversed_by: string | null;
      }[]
    >(
      `select e.type, o.source_wallet_id, o.destination_wallet_id, o.amount::text as amount,
              (select r.id from journal_entries r where r.reverses_id = e.id) as reversed_by
         from journal_entries e
         join operations o on o.transfer_id = e.id and o.amount > 0
        where e.id = ?
        limit 1`,
      [id],
    );
    if (!row) return null;
    return {
      id,
      type: row.type,
      sourceWalletId: row.source_wallet_id,
      destinationWalletId: row.destination_wallet_id,
      amount: Money.of(row.amount),
      reversedBy: row.reversed_by,
    };
  }

  /** The REVERSAL entry of `id`, if one is committed (journal_entries_reverses_id_unique). */
  async reversalOf(id: string): Promise<string | null> {
    const [row] = await this.em.execute<{ id: string }[]>(`select id from journal_entries where reverses_id = ?`, [id]);
    return row?.id ?? null;
  }
}
