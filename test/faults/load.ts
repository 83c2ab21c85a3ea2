import { setTimeout as sleep } from 'node:timers/promises';

export interface SeededWallet {
  username: string;
  walletId: string;
  /** `sessionid=...`, shared by every instance (sessions live in PostgreSQL). */
  cookie: string;
}

export type Kind = 'deposit' | 'transfer' | 'hold' | 'capture';

/** What one attempt got: an HTTP status, or no answer at all. */
export type AttemptResult = number | 'timeout' | 'connection error';

/** One keyed request as the client saw it, through all its attempts. */
export interface Sent {
  kind: Kind;
  key: string;
  /** For a capture: the hold. */
  holdId?: string;
  attempts: AttemptResult[];
  /** The last answer, when one was final (not retried); undefined when the client gave up. */
  final?: { status: number; reason?: string; replayed: boolean; id?: string; holdStatus?: string };
  /** Milliseconds each answered attempt took, with its status. */
  latencies: Array<{ result: AttemptResult; ms: number }>;
}

export interface LoadOptions {
  /** Prefix of every key of the round (`r1-`...). */
  round: string;
  seconds: number;
  concurrency: number;
  maxRequests: number;
  /** A careful client's bound for one attempt. */
  attemptTimeoutMs: number;
  /** After the load stops, in-flight requests keep retrying this long, then are given up. */
  drainSeconds: number;
}

/** Conflicts that a retry may get past: the key is still held by its first request, or lock conflicts. */
const RETRYABLE_REASONS = new Set(['IDEMPOTENCY_KEY_IN_PROGRESS', 'CONCURRENT_CONFLICT']);

/**
 * The suite's load client (127.0.0.1 only, bounded in count and time): keyed
 * deposits, transfers and hold captures between the seeded wallets, each
 * retried with the same Idempotency-Key on a timeout, a connection error, a
 * 5xx or a retryable 409, as a careful client does: honouring Retry-After,
 * turning to the other instance for the next attempt.
 */
export class LoadClient {
  private readonly sent: Sent[] = [];
  private counter = 0;
  private stopAt = 0;
  private giveUpAt = 0;

  constructor(
    private readonly urls: () => string[],
    private readonly wallets: SeededWallet[],
    private readonly random: () => number,
  ) {}

  /** Runs the load for `options.seconds` (at most `maxRequests` requests), calling `fault` at `faultAtMs`. */
  async run(options: LoadOptions, faultAtMs: number, fault: () => Promise<void>): Promise<Sent[]> {
    this.sent.length = 0;
    this.counter = 0;
    this.stopAt = Date.now() + options.seconds * 1000;
    this.giveUpAt = this.stopAt + options.drainSeconds * 1000;
    const faulted = sleep(faultAtMs).then(fault);
    const workers = Array.from({ length: options.concurrency }, (_, worker) => this.worker(worker, options));
    await Promise.all([faulted, ...workers]);
    return [...this.sent];
  }

  private async worker(worker: number, options: LoadOptions): Promise<void> {
    while (Date.now() < this.stopAt && this.counter < options.maxRequests) {
      const payer = this.pick();
      const roll = this.random();
      if (roll < 0.3) {
        const amount = this.amount(100, 2000);
        await this.send(worker, options, payer, 'deposit', '/v1/wallets/deposit', { amount });
      } else if (roll < 0.75) {
        const payee = this.pick(payer);
        const amount = this.amount(1, 500);
        await this.send(worker, options, payer, 'transfer', '/v1/wallets/transfer', {
          destination: payee.walletId,
          amount,
        });
      } else {
        const payee = this.pick(payer);
        const hold = await this.send(worker, options, payer, 'hold', '/v1/wallets/holds', {
          destination: payee.walletId,
          amount: this.amount(100, 500),
          expires_in_seconds: 3600,
        });
        if (hold.final?.status !== 200 || !hold.final.id) continue;
        await this.send(worker, options, payer, 'capture', `/v1/holds/${hold.final.id}/capture`, {
          amount: this.amount(1, 100),
        });
      }
    }
  }

  private async send(
    worker: number,
    options: LoadOptions,
    payer: SeededWallet,
    kind: Kind,
    path: string,
    body: unknown,
  ): Promise<Sent> {
    const key = `${options.round}-${kind}-${++this.counter}`;
    const sent: Sent = { kind, key, attempts: [], latencies: [] };
    if (kind === 'capture') sent.holdId = path.split('/')[3];
    this.sent.push(sent);
    for (let attempt = 0; ; attempt++) {
      const urls = this.urls();
      const url = urls[(worker + attempt) % urls.length];
      const started = Date.now();
      let result: AttemptResult;
      let answer: { status?: { errors?: Array<{ reason?: string }> }; data?: { id?: string; status?: string } } = {};
      let retryAfterMs = 0;
      let replayed = false;
      try {
        const response = await fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: payer.cookie, 'idempotency-key': key },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(options.attemptTimeoutMs),
        });
        result = response.status;
        answer = (await response.json().catch(() => ({}))) as typeof answer;
        retryAfterMs = Number(response.headers.get('retry-after') ?? 0) * 1000;
        replayed = response.headers.get('idempotent-replayed') === 'true';
      } catch (error) {
        result = (error as Error).name === 'TimeoutError' ? 'timeout' : 'connection error';
      }
      sent.attempts.push(result);
      sent.latencies.push({ result, ms: Date.now() - started });
      const reason = answer.status?.errors?.[0]?.reason;
      const retryable =
        typeof result !== 'number' || result >= 500 || (result === 409 && RETRYABLE_REASONS.has(reason ?? ''));
      if (!retryable) {
        sent.final = {
          status: result as number,
          reason,
          replayed,
          id: answer.data?.id,
          holdStatus: kind === 'capture' ? answer.data?.status : undefined,
        };
        return sent;
      }
      if (Date.now() > this.giveUpAt) return sent;
      await sleep(Math.min(retryAfterMs || 100 * 2 ** Math.min(attempt, 4), 2_000) * (0.75 + this.random() / 2));
    }
  }

  private pick(other?: SeededWallet): SeededWallet {
    for (;;) {
      const wallet = this.wallets[Math.floor(this.random() * this.wallets.length)];
      if (wallet !== other) return wallet;
    }
  }

  /** A two-place amount between min and max cents. */
  private amount(minCents: number, maxCents: number): string {
    const cents = minCents + Math.floor(this.random() * (maxCents - minCents + 1));
    return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
  }
}
