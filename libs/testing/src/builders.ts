import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import type { Client } from 'pg';
import { FUNDING_WALLET_ID, GENESIS_HASH, operationHash } from '@app/ledger';

export interface RegisteredUser {
  /** A supertest agent that carries the user's session cookie. */
  agent: TestAgent;
  id: string;
  username: string;
  password: string;
  walletId: string;
}

export function uniqueUsername(prefix = 'user'): string {
  return `${prefix}-${randomUUID().slice(0, 12)}`;
}

/** Registers a fresh user through HTTP and returns its logged-in agent and wallet id. */
export async function registerUser(
  server: Server,
  options: { username?: string; password?: string } = {},
): Promise<RegisteredUser> {
  const username = options.username ?? uniqueUsername();
  const password = options.password ?? 'correct horse battery staple';
  const agent = request.agent(server);
  const registered = await agent
    .post('/v1/auth/register')
    .send({ username, password, passwordConfirm: password })
    .expect(200);
  const wallet = await agent.get('/v1/wallets').expect(200);
  return { agent, id: registered.body.data.id, username, password, walletId: wallet.body.data.id };
}

/** Registers a user and deposits `amount` into its wallet. */
export async function fundedUser(server: Server, amount: string): Promise<RegisteredUser> {
  const user = await registerUser(server);
  await user.agent.post('/v1/wallets/deposit').send({ amount }).expect(200);
  return user;
}

export async function balanceOf(user: RegisteredUser): Promise<string> {
  const response = await user.agent.get('/v1/wallets').expect(200);
  return response.body.data.balance;
}

/** The operation objects of `GET /v1/wallets/operations` (asserting 200), with the given query. */
export async function operationsOf(
  user: RegisteredUser,
  query: Record<string, string | number> = {},
): Promise<OperationJson[]> {
  const response = await user.agent.get('/v1/wallets/operations').query(query).expect(200);
  return response.body.data;
}

/** Balance and operations of each user, to prove that a refused request moved nothing. */
export async function snapshot(
  ...users: RegisteredUser[]
): Promise<Array<{ balance: string; operations: OperationJson[] }>> {
  return Promise.all(
    users.map(async (user) => ({ balance: await balanceOf(user), operations: await operationsOf(user) })),
  );
}

/** Deposits `amount` (asserting 200) and returns the credit operation. */
export async function deposit(user: RegisteredUser, amount: string): Promise<OperationJson> {
  const response = await user.agent.post('/v1/wallets/deposit').send({ amount }).expect(200);
  return response.body.data;
}

/** Transfers `amount` from `from` to the wallet `toWalletId` (asserting 200) and returns the debit operation. */
export async function transfer(from: RegisteredUser, toWalletId: string, amount: string): Promise<OperationJson> {
  const response = await from.agent.post('/v1/wallets/transfer').send({ destination: toWalletId, amount }).expect(200);
  return response.body.data;
}

/** The wire shape of an operation (contract part A). */
export interface OperationJson {
  id: string;
  transfer_id: string;
  wallet_id: string;
  source_wallet_id: string;
  destination_wallet_id: string;
  type: string;
  amount: string;
  timestamp: string;
}

/** The caller's balance and available balance (`GET /v1/wallets`, asserting 200). */
export async function fundsOf(user: RegisteredUser): Promise<{ balance: string; available: string }> {
  const response = await user.agent.get('/v1/wallets').expect(200);
  return { balance: response.body.data.balance, available: response.body.data.available };
}

/** Places a hold of `amount` on the user's wallet for `destination` (asserting 200) and returns it. */
export async function placeHold(
  user: RegisteredUser,
  destination: string,
  amount: string,
  expiresInSeconds?: number,
): Promise<HoldJson> {
  const body =
    expiresInSeconds === undefined
      ? { destination, amount }
      : { destination, amount, expires_in_seconds: expiresInSeconds };
  const response = await user.agent.post('/v1/wallets/holds').send(body).expect(200);
  return response.body.data;
}

/** The wire shape of a hold (contract part B, "Holds"). */
export interface HoldJson {
  id: string;
  source_wallet_id: string;
  destination_wallet_id: string;
  amount: string;
  status: 'PENDING' | 'CAPTURED' | 'VOIDED';
  expires_at: string;
  captured_amount: string | null;
  transfer_id: string | null;
  created_at: string;
}

/** The wire shape of `GET /v1/wallets/operations` with its paging meta (contract part B). */
export interface OperationsPageJson {
  data: OperationJson[];
  meta: { next_cursor: string | null };
}

/**
 * Posts one DEPOSIT per amount (in cents) into a user wallet straight in SQL,
 * in one transaction, every operation carrying ONE timestamp: what an API can
 * hardly produce on demand, and what stable paging and "balance at a moment"
 * must get right. Every ledger invariant is kept: one journal entry and two
 * legs per deposit (the funding wallet pays), sequences continuing the
 * wallet's, balance_after running, wallets.balance/last_sequence updated under
 * the wallet's lock. The moment is the later of "now" and the wallet's newest
 * operation, so time never runs backwards along the sequence.
 * Returns that moment (millisecond precision, like the column).
 */
export async function depositsAtOneMoment(db: Client, walletId: string, amounts: bigint[]): Promise<Date> {
  if (amounts.length === 0 || amounts.some((amount) => amount <= 0n)) throw new Error('positive amounts expected');
  await db.query('begin');
  try {
    const locked = await db.query<{ balance: string; last_sequence: string; chain_head: string | null }>(
      `select balance::text, last_sequence::text, chain_head from wallets where id = $1 and kind = 'USER' for update`,
      [walletId],
    );
    if (locked.rowCount !== 1) throw new Error(`no user wallet ${walletId}`);
    const moment = await db.query<{ at: Date }>(
      `select greatest(clock_timestamp()::timestamptz(3),
                       coalesce((select max("timestamp") from operations where wallet_id = $1), '-infinity')) as at`,
      [walletId],
    );
    const at = moment.rows[0].at;
    // Every leg with its chain hash, as PostingService computes them.
    let balance = cents(locked.rows[0].balance);
    let sequence = Number(locked.rows[0].last_sequence);
    let previous = locked.rows[0].chain_head ?? GENESIS_HASH;
    const entries: string[] = [];
    const legs: (string | number | null)[][] = [];
    for (const amount of amounts) {
      const entry = randomUUID();
      balance += amount;
      sequence += 1;
      const credit = {
        id: randomUUID(),
        transferId: entry,
        type: 'DEPOSIT',
        walletId,
        sourceWalletId: FUNDING_WALLET_ID,
        destinationWalletId: walletId,
        amount: moneyText(amount),
        sequence,
        balanceAfter: moneyText(balance),
        timestamp: at,
      };
      previous = operationHash(credit, previous);
      const debit = {
        ...credit,
        id: randomUUID(),
        walletId: FUNDING_WALLET_ID,
        amount: moneyText(-amount),
        sequence: null,
        balanceAfter: null,
      };
      entries.push(entry);
      for (const [leg, hash] of [
        [credit, previous],
        [debit, operationHash(debit, previous)],
      ] as const) {
        legs.push([leg.id, entry, leg.walletId, leg.amount, leg.sequence, leg.balanceAfter, hash]);
      }
    }
    const column = (i: number) => legs.map((leg) => leg[i]);
    // Entries and legs in one statement: the foreign keys are checked at its end.
    await db.query(
      `with entries as (
         insert into journal_entries (id, type, created_at) select unnest($1::uuid[]), 'DEPOSIT', $2::timestamptz
       )
       insert into operations (id, transfer_id, wallet_id, source_wallet_id, destination_wallet_id, type,
                               amount, sequence, balance_after, "timestamp", hash)
       select l.id, l.transfer_id, l.wallet_id, $3::uuid, $4::uuid, 'DEPOSIT', l.amount, l.sequence, l.balance_after, $2::timestamptz, l.hash
         from unnest($5::uuid[], $6::uuid[], $7::uuid[], $8::numeric(20,2)[], $9::bigint[], $10::numeric(20,2)[], $11::text[])
              as l(id, transfer_id, wallet_id, amount, sequence, balance_after, hash)`,
      [
        entries,
        at,
        FUNDING_WALLET_ID,
        walletId,
        column(0),
        column(1),
        column(2),
        column(3),
        column(4),
        column(5),
        column(6),
      ],
    );
    await db.query(
      `update wallets set balance = $2::numeric, last_sequence = $3::bigint, chain_head = $4 where id = $1`,
      [walletId, moneyText(balance), sequence, previous],
    );
    await db.query('commit');
    return at;
  } catch (error) {
    await db.query('rollback');
    throw error;
  }
}

/** Exact cents of a two-place decimal text. */
function cents(text: string): bigint {
  const [units, fraction = ''] = text.replace('-', '').split('.');
  const value = BigInt(units) * 100n + BigInt(fraction.padEnd(2, '0'));
  return text.startsWith('-') ? -value : value;
}

function moneyText(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}
