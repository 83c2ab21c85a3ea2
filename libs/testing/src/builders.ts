import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';

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

/** Deposits `amount` (asserting 200) and returns the credit operation. */
export async function deposit(user: RegisteredUser, amount: string): Promise<OperationJson> {
  const response = await user.agent.post('/v1/wallets/deposit').send({ amount }).expect(200);
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
