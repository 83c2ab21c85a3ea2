/** What the reads cost so far: keys asked for, and the queries that answered them. */
export interface CoalescedReadStats {
  reads: number;
  queries: number;
}

interface Reader<V> {
  resolve(value: V | undefined): void;
  reject(error: unknown): void;
}

/**
 * Reads of rows by key with concurrent reads coalesced: every read asked for
 * while no query is in flight waits for the end of the event-loop turn, and
 * every read asked for while a query is in flight waits for that query to
 * end; then one query (`key = any($1)`, `readMany`) answers all of them. Under
 * load each request costs a fraction of a round trip instead of one; a lone
 * request waits for nothing but the rest of its event-loop turn.
 *
 * Coalescing, never caching: a read is answered only by a query sent after
 * it was asked for, and nothing is kept once the query answered. So a read
 * asked for after a write committed (a logout's delete, a transfer's new
 * balance) sees it, on this instance or any other.
 *
 * Only for reads outside a transaction: they share one query, so one
 * connection and one snapshot, which is no transaction's.
 */
export class CoalescedReads<K, V> {
  private waiting = new Map<K, Reader<V>[]>();
  private draining = false;
  private readonly counts: CoalescedReadStats = { reads: 0, queries: 0 };

  /**
   * `readMany`: the rows of these keys (at most `maxKeys`), absent when none;
   * its failure is every waiting reader's.
   */
  constructor(
    private readonly readMany: (keys: K[]) => Promise<Map<K, V>>,
    private readonly maxKeys = 500,
  ) {}

  read(key: K): Promise<V | undefined> {
    this.counts.reads++;
    return new Promise((resolve, reject) => {
      const readers = this.waiting.get(key);
      if (readers) readers.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
      if (!this.draining) {
        this.draining = true;
        // After this turn's I/O callbacks: requests that arrived together share the first query.
        setImmediate(() => void this.drain());
      }
    });
  }

  stats(): CoalescedReadStats {
    return { ...this.counts };
  }

  /** One query at a time, each for every read waiting when it is sent, until none waits. */
  private async drain(): Promise<void> {
    while (this.waiting.size > 0) {
      const batch = this.take();
      try {
        this.counts.queries++;
        const rows = await this.readMany([...batch.keys()]);
        for (const [key, readers] of batch) for (const reader of readers) reader.resolve(rows.get(key));
      } catch (error) {
        for (const readers of batch.values()) for (const reader of readers) reader.reject(error);
      }
    }
    this.draining = false;
  }

  private take(): Map<K, Reader<V>[]> {
    if (this.waiting.size <= this.maxKeys) {
      const batch = this.waiting;
      this.waiting = new Map();
      return batch;
    }
    const batch = new Map<K, Reader<V>[]>();
    for (const [key, readers] of this.waiting) {
      if (batch.size === this.maxKeys) break;
      batch.set(key, readers);
      this.waiting.delete(key);
    }
    return batch;
  }
}
