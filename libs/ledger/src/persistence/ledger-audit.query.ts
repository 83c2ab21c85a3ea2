import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Money } from '@app/money';

export interface WalletMismatch {
  walletId: string;
  stored: string;
  recomputed: string;
}

export interface LedgerAuditReport {
  /** All journal entries sum to zero and so does the whole ledger. */
  balanced: boolean;
  /** Sum of every operation: exactly 0.00 in a sound ledger. */
  total: string;
  walletsChecked: number;
  /** User wallets whose stored balance differs from the sum of their operations. */
  mismatches: WalletMismatch[];
  /** Journal entries whose legs do not sum to zero. */
  unbalancedEntries: string[];
  /**
   * User wallets whose sequences are not 1..n, or where some operation's
   * balance_after is not the running sum of the amounts, or the last one is not
   * the stored balance.
   */
  brokenSequences: string[];
}

/**
 * Recomputes the ledger from its amounts, ignoring every stored running
 * balance, and compares. Costs a full scan: used by tests now and by the admin
 * audit, never on a request's hot path.
 */
@Injectable()
export class LedgerAuditQuery {
  constructor(private readonly em: EntityManager) {}

  async run(): Promise<LedgerAuditReport> {
    const [{ total }] = await this.em.execute<{ total: string }[]>(
      `select coalesce(sum(amount), 0)::numeric(20,2)::text as total from operations`,
    );
    const unbalanced = await this.em.execute<{ transfer_id: string }[]>(
      `select transfer_id from operations group by transfer_id having sum(amount) <> 0`,
    );
    // Every operation of a user wallet is checked, not only the last one:
    // its sequence must be its rank (1..n without gaps) and its balance_after
    // the running sum of the amounts up to it.
    const wallets = await this.em.execute<{ id: string; stored: string; recomputed: string; sequences_ok: boolean }[]>(
      `with legs as (
         select o.wallet_id, o.amount, o.sequence, o.balance_after,
                row_number() over w as rank,
                sum(o.amount) over w as running
           from operations o
           join wallets uw on uw.id = o.wallet_id and uw.kind = 'USER'
         window w as (partition by o.wallet_id order by o.sequence, o.id rows between unbounded preceding and current row)
       )
       select w.id,
              w.balance::text as stored,
              coalesce(sum(l.amount), 0)::numeric(20,2)::text as recomputed,
              (count(l.rank) = coalesce(w.last_sequence, 0)
                and bool_and(l.sequence is not distinct from l.rank) is not false
                and bool_and(l.balance_after is not distinct from l.running) is not false
                and coalesce(max(l.balance_after) filter (where l.sequence = w.last_sequence), 0) = w.balance
              ) as sequences_ok
         from wallets w
         left join legs l on l.wallet_id = w.id
        where w.kind = 'USER'
        group by w.id`,
    );
    const mismatches = wallets
      .filter((w) => !Money.of(w.stored).equals(Money.of(w.recomputed)))
      .map((w) => ({ walletId: w.id, stored: w.stored, recomputed: w.recomputed }));
    return {
      balanced: Money.of(total).isZero() && unbalanced.length === 0,
      total: Money.of(total).toFixed(),
      walletsChecked: wallets.length,
      mismatches,
      unbalancedEntries: unbalanced.map((row) => row.transfer_id),
      brokenSequences: wallets.filter((w) => !w.sequences_ok).map((w) => w.id),
    };
  }
}
