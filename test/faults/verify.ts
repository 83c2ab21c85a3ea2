import type { Client } from 'pg';
import { ledgerViolations, readLedger } from '../../libs/testing/src/ledger-invariants';
import type { AttemptResult, Sent } from './load';

export interface RoundReport {
  name: string;
  seconds: number;
  sent: number;
  retried: number;
  retries: number;
  attempts: Map<AttemptResult, number>;
  finals: Map<number | 'given up', number>;
  posted: number;
  replayed: number;
  lost: number;
  duplicated: number;
  slowest503Ms: number;
  slowestAnswerMs: number;
  problems: string[];
}

/** Journal entries in the whole ledger (a round's postings are the difference). */
export async function countEntries(db: Client): Promise<number> {
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from journal_entries');
  return rows[0].n;
}

const POSTING_KINDS = ['deposit', 'transfer', 'capture'];

/**
 * After a round, with no request in flight: what the client was told against
 * what the ledger holds, and every ledger invariant.
 *
 * - lost: a request answered 200 whose posting (operation, hold, captured
 *   hold) is not in the database;
 * - duplicated: postings of the round beyond the keys that recorded one, and
 *   acknowledged answers that differ from what their key recorded (a key
 *   that ran twice);
 * - the ledger sums to zero, every balance equals the sum of its operations,
 *   sequences and chains hold (raw rows and the service's audit route).
 */
export async function verifyRound(
  db: Client,
  name: string,
  seconds: number,
  sent: Sent[],
  entriesBefore: number,
  audit: () => Promise<Record<string, unknown>>,
): Promise<RoundReport> {
  const problems: string[] = [];
  const attempts = new Map<AttemptResult, number>();
  const finals = new Map<number | 'given up', number>();
  let slowest503Ms = 0;
  let slowestAnswerMs = 0;
  for (const request of sent) {
    for (const { result, ms } of request.latencies) {
      attempts.set(result, (attempts.get(result) ?? 0) + 1);
      if (typeof result === 'number') slowestAnswerMs = Math.max(slowestAnswerMs, ms);
      if (result === 503) slowest503Ms = Math.max(slowest503Ms, ms);
    }
    const final = request.final?.status ?? 'given up';
    finals.set(final, (finals.get(final) ?? 0) + 1);
  }
  for (const [result, count] of attempts) {
    if (result === 500 || (typeof result === 'number' && result > 503) || result === 501 || result === 502) {
      problems.push(`${count} attempt(s) answered ${result}`);
    }
    if (result === 'timeout') problems.push(`${count} attempt(s) got no answer within the client's timeout (a hang)`);
  }
  for (const [final, count] of finals) {
    if (final === 'given up') problems.push(`${count} request(s) never got a final answer (no recovery)`);
    else if (![200, 400, 409].includes(final)) problems.push(`${count} request(s) finally answered ${final}`);
  }

  const acknowledged = sent.filter((request) => request.final?.status === 200);
  const ids = (kind: string) =>
    acknowledged.filter((request) => request.kind === kind).map((request) => request.final!.id ?? '');
  const operations = await db.query<{ id: string }>('select id from operations where id = any($1::uuid[])', [
    [...ids('deposit'), ...ids('transfer')],
  ]);
  const holds = await db.query<{ id: string }>('select id from holds where id = any($1::uuid[])', [ids('hold')]);
  const captures = acknowledged.filter((request) => request.kind === 'capture').map((request) => request.holdId!);
  const captured = await db.query<{ id: string }>(
    `select id from holds where id = any($1::uuid[]) and status = 'CAPTURED'`,
    [captures],
  );
  const found = new Set([...operations.rows, ...holds.rows, ...captured.rows].map((row) => row.id));
  const lost = acknowledged.filter(
    (request) => !found.has(request.kind === 'capture' ? request.holdId! : (request.final!.id ?? '')),
  );
  for (const request of lost.slice(0, 5)) problems.push(`acknowledged ${request.key} is not in the ledger`);

  // What each key recorded, against what the client was told.
  const prefix = `${sent[0]?.key.split('-')[0] ?? name}-`;
  const stored = await db.query<{ key: string; status: number; body: string | null }>(
    `select key, response_status as status, response_body as body from idempotency_keys where key like $1`,
    [`${prefix}%`],
  );
  const recorded = new Map(stored.rows.map((row) => [row.key, row]));
  let differing = 0;
  for (const request of acknowledged) {
    const row = recorded.get(request.key);
    const storedId = row?.body ? (JSON.parse(row.body) as { id?: string } | null)?.id : undefined;
    if (!row || row.status !== 200 || storedId !== request.final!.id) {
      differing++;
      if (differing <= 5)
        problems.push(`${request.key}: acknowledged ${request.final!.id}, recorded ${row?.status} ${storedId}`);
    }
  }
  const postingKeys = stored.rows.filter(
    (row) => row.status === 200 && POSTING_KINDS.includes(row.key.split('-')[1]),
  ).length;
  const entries = (await countEntries(db)) - entriesBefore;
  if (entries < postingKeys) problems.push(`${postingKeys} keys recorded a posting, only ${entries} entries were made`);
  const duplicated = Math.max(0, entries - postingKeys) + differing;

  // The ledger-wide invariants, from the raw rows and from the service's own audit.
  const ledger = await readLedger(db);
  problems.push(...ledgerViolations(ledger).slice(0, 10));
  const counters = await db.query(
    `select w.id from wallets w
      where w.pending_holds <> (select count(*) from holds h where h.source_wallet_id = w.id and h.status = 'PENDING')`,
  );
  if (counters.rowCount) problems.push(`${counters.rowCount} wallet(s) with a wrong pending-holds counter`);
  const report = await audit();
  if (report.balanced !== true || report.total !== '0.00' || report.chain_ok !== true) {
    problems.push(`audit: ${JSON.stringify(report)}`);
  }
  if ((report.mismatches as unknown[] | undefined)?.length)
    problems.push(`audit mismatches: ${JSON.stringify(report.mismatches)}`);

  if (lost.length > 0) problems.push(`lost: ${lost.length}`);
  if (duplicated > 0) problems.push(`duplicated: ${duplicated}`);
  return {
    name,
    seconds,
    sent: sent.length,
    retried: sent.filter((request) => request.attempts.length > 1).length,
    retries: sent.reduce((sum, request) => sum + request.attempts.length - 1, 0),
    attempts,
    finals,
    posted: acknowledged.filter((request) => !request.final!.replayed).length,
    replayed: acknowledged.filter((request) => request.final!.replayed).length,
    lost: lost.length,
    duplicated,
    slowest503Ms,
    slowestAnswerMs,
    problems,
  };
}

const counts = <K>(map: Map<K, number>) =>
  [...map.entries()]
    .sort(([a], [b]) => String(a).localeCompare(String(b)))
    .map(([key, count]) => `${key}: ${count}`)
    .join(', ') || '-';

/** One round as a two-column table. */
export function printRound(report: RoundReport): void {
  const rows: Array<[string, string]> = [
    ['requests sent', String(report.sent)],
    ['retried (requests / extra attempts)', `${report.retried} / ${report.retries}`],
    ['attempts answered', counts(report.attempts)],
    ['final answers', counts(report.finals)],
    ['posted (200, first run)', String(report.posted)],
    ['replayed (200, Idempotent-Replayed)', String(report.replayed)],
    ['lost (must be 0)', String(report.lost)],
    ['duplicated (must be 0)', String(report.duplicated)],
    ['slowest 503 / slowest answer', `${report.slowest503Ms} ms / ${report.slowestAnswerMs} ms`],
    ['invariants and audit', report.problems.length === 0 ? 'ok' : `FAILED: ${report.problems.join('; ')}`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(`\n== ${report.name} (${report.seconds} s)`);
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
}
