/** What the fault suites share: seeding, the admin, logging every wallet in, a fresh connection per check. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { hash } from '@node-rs/argon2';
import { Client } from 'pg';
import { BENCH_PASSWORD, benchUuid, hashSeededChains, seedFundedWallets } from '../../bench/seed';
import { type ApiInstance, SUITE_ENV } from './cluster';
import type { SeededWallet } from './load';

export const ADMIN = { username: 'fault-suite-admin', password: 'fault-suite-admin-password' };

/** The wallets, funded in SQL with every invariant kept (bench/seed.ts), their chains hashed as the service would. */
export async function seed(db: Client, wallets: number): Promise<void> {
  const passwordHash = await hash(BENCH_PASSWORD, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  await seedFundedWallets(db, wallets, '1000.00', passwordHash);
  await hashSeededChains(db);
}

/** The suite's admin, made with the CLI (`env`: DATABASE_URL, and MIGRATION_DATABASE_URL where it differs). */
export async function makeAdmin(env: Record<string, string>): Promise<void> {
  await promisify(execFile)(process.execPath, ['dist/apps/cli/src/main.js', 'admin'], {
    env: {
      ...process.env,
      ...SUITE_ENV,
      ...env,
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
    },
  });
}

export async function login(url: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const cookie = response.headers.get('set-cookie');
  if (response.status !== 200 || !cookie) throw new Error(`login of ${username} answered ${response.status}`);
  return cookie.split(';')[0];
}

/** Every seeded user logged in through HTTP, half through each instance (16 at a time). */
export async function logIn(instances: ApiInstance[], count: number): Promise<SeededWallet[]> {
  const wallets: SeededWallet[] = [];
  for (let first = 1; first <= count; first += 16) {
    const batch = Array.from({ length: Math.min(16, count - first + 1) }, (_, i) => first + i);
    wallets.push(
      ...(await Promise.all(
        batch.map(async (n) => ({
          username: `bench-${n}`,
          walletId: benchUuid(2, n),
          cookie: await login(instances[n % instances.length].url, `bench-${n}`, BENCH_PASSWORD),
        })),
      )),
    );
  }
  return wallets;
}

/** A fresh connection per check (the server may have restarted since the last one). */
export async function withDb<T>(url: string, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: url, application_name: 'fault-suite' });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}
