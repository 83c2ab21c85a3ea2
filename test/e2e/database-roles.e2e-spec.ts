import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { loadConfig } from '@app/config';
import { migrateUnderLock, ormOptions, resolveDatabase } from '@app/persistence';
import { freePort, runTypeScript, scratchDatabase, TestContext } from '@app/testing';
import { migrationsList } from '../../migrations';

/**
 * Issue 15: the service connects as a role that reads and writes rows and
 * nothing more; migrations run as the schema's owner, which grants that
 * role its privileges after every run. The embedded PostgreSQL's passwords
 * are generated, kept 0600 beside its data, and an old data directory's
 * default password is replaced.
 */

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function asRole(url: string, role: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = role;
  parsed.password = password;
  return parsed.toString();
}

function migratingOrm(url: string): Promise<MikroORM> {
  return MikroORM.init(ormOptions({ url, poolSize: 1, debug: false, migrationsList }));
}

/** The SQLSTATE a statement fails with, or 'ok'. */
async function outcome(client: Client, sql: string): Promise<string> {
  try {
    await client.query(sql);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

const INSUFFICIENT_PRIVILEGE = '42501';
const ROOT = join(__dirname, '..', '..');

describe('the service role and the owner (MIGRATION_DATABASE_URL)', () => {
  const suffix = randomBytes(4).toString('hex');
  const role = `wallet_api_${suffix}`;
  const password = randomBytes(16).toString('hex');
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  let ownerUrl: string;
  let serviceUrl: string;
  let orm: MikroORM;

  beforeAll(async () => {
    scratch = await scratchDatabase('roles');
    ownerUrl = scratch.url;
    serviceUrl = asRole(ownerUrl, role, password);
    await withClient(ownerUrl, async (owner) => {
      await owner.query(`create role "${role}" login password '${password}'`);
      // PostgreSQL before 15 lets PUBLIC create in `public`: what the migrating code refuses to leave.
      await owner.query('revoke create on schema public from public');
    });
    orm = await migratingOrm(ownerUrl);
  });
  afterAll(async () => {
    await orm?.close();
    await scratch?.drop();
    await withClient(scratch.url.replace(/\/[^/]*$/, '/postgres'), (admin) =>
      admin.query(`drop role if exists "${role}"`),
    );
  });

  it('after migrating as the owner, the service role reads and writes rows but cannot change the schema or the ledger', async () => {
    const applied = await migrateUnderLock(orm, ownerUrl, serviceUrl);
    expect(applied).toEqual(migrationsList.map((migration) => migration.name));

    await withClient(serviceUrl, async (service) => {
      for (const table of [
        'users',
        'wallets',
        'operations',
        'journal_entries',
        'admin_actions',
        'mikro_orm_migrations',
      ]) {
        expect(await outcome(service, `select count(*) from ${table}`)).toBe('ok');
      }
      // The schema and the append-only tables' triggers belong to the owner.
      const refused = [
        'drop trigger operations_append_only on operations',
        'alter table operations disable trigger operations_append_only',
        'drop table journal_entries',
        'alter table wallets add column probe int',
        'truncate operations',
        'truncate wallets',
        'truncate session',
        'create table probe (id int)',
        'create index probe_index on wallets (created_at)',
        // Append-only besides the triggers: no UPDATE or DELETE privilege at all.
        'update operations set amount = amount',
        'delete from journal_entries',
        'update admin_actions set reason = reason',
        // The migrations' record is read (readiness), never written.
        `insert into mikro_orm_migrations (name) values ('forged')`,
        'delete from mikro_orm_migrations',
      ];
      for (const sql of refused) {
        expect({ sql, code: await outcome(service, sql) }).toEqual({ sql, code: INSUFFICIENT_PRIVILEGE });
      }
      const { rows } = await service.query<{ truncate: boolean; trigger: boolean; references: boolean }>(
        `select bool_or(has_table_privilege(current_user, c.oid, 'TRUNCATE')) as truncate,
                bool_or(has_table_privilege(current_user, c.oid, 'TRIGGER')) as trigger,
                bool_or(has_table_privilege(current_user, c.oid, 'REFERENCES')) as references
           from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'`,
      );
      expect(rows).toEqual([{ truncate: false, trigger: false, references: false }]);
    });

    // The service, connected as that role, works: register, deposit, transfer, holds, a failed login, admin tools.
    const ctx = await TestContext.create({ databaseUrl: serviceUrl });
    try {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.registerUser();
      const transferred = await ctx.transfer(alice, bob.walletId, '30.25');
      const hold = await ctx.placeHold(alice, bob.walletId, '10.00', 600);
      await alice.agent.post(`/v1/holds/${hold.id}/capture`).send({ amount: '5.00' }).expect(200);
      await alice.agent
        .post('/v1/auth/login')
        .send({ username: alice.username, password: 'not-the-password' })
        .expect(401);
      const admin = await ctx.adminUser();
      await admin.agent.post(`/v1/admin/transfers/${transferred.transfer_id}/reversal`).send({}).expect(200);
      await admin.agent.post(`/v1/admin/wallets/${bob.walletId}/freeze`).send({}).expect(200);
      await admin.agent.get('/v1/admin/ledger/audit').expect(200);
      expect(await ctx.balanceOf(bob)).toBe('5.00');
      await ctx.expectLedgerInvariants();
      const ready = await alice.agent.get('/readyz');
      expect(ready.status).toBe(200);
    } finally {
      await ctx.close();
    }
  });

  it('keeps the grants exact on every run: a stray privilege is revoked, a later table is covered', async () => {
    await withClient(ownerUrl, async (owner) => {
      await owner.query(`grant truncate, trigger on wallets to "${role}"`);
      await owner.query(`grant update, delete on operations to "${role}"`);
      // What a later migration would add.
      await owner.query('create table later_things (id serial primary key, note text)');
    });
    expect(await migrateUnderLock(orm, ownerUrl, serviceUrl)).toEqual([]);
    await withClient(serviceUrl, async (service) => {
      expect(await outcome(service, 'truncate wallets')).toBe(INSUFFICIENT_PRIVILEGE);
      expect(await outcome(service, 'update operations set amount = amount')).toBe(INSUFFICIENT_PRIVILEGE);
      expect(await outcome(service, `insert into later_things (note) values ('a')`)).toBe('ok');
      expect(await outcome(service, 'update later_things set note = note')).toBe('ok');
      expect(await outcome(service, 'drop table later_things')).toBe(INSUFFICIENT_PRIVILEGE);
    });
    await withClient(ownerUrl, (owner) => owner.query('drop table later_things'));
  });

  it('refuses a service role that is missing, or that owns a table', async () => {
    await expect(migrateUnderLock(orm, ownerUrl, asRole(ownerUrl, `no_such_${suffix}`, 'x'))).rejects.toThrow(
      /does not exist/,
    );
    await withClient(ownerUrl, (owner) =>
      owner.query(`create table owned_probe (id int); alter table owned_probe owner to "${role}"`),
    );
    try {
      await expect(migrateUnderLock(orm, ownerUrl, serviceUrl)).rejects.toThrow(/owns.*owned_probe/);
    } finally {
      await withClient(ownerUrl, (owner) => owner.query('drop table owned_probe'));
    }
  });
});

/** An embedded server held by a child process (test/e2e/support/embedded-server.ts); `stop()` ends it. */
async function holdEmbedded(
  request: object,
): Promise<{ urls: Record<string, string>; lines: string[]; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      join(__dirname, 'support', 'embedded-server.ts'),
      JSON.stringify(request),
    ],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const first = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0]);
    });
    void exited.then((code) => reject(new Error(`the embedded server's process exited ${code}: ${stderr}`)));
  });
  const { lines, ...urls } = JSON.parse(first) as Record<string, string> & { lines: string[] };
  return {
    urls,
    lines,
    stop: async () => {
      child.stdin.end();
      expect(await exited).toBe(0);
    },
  };
}

describe('the embedded PostgreSQL of make run', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-embedded-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('generates its passwords into 0600 files, migrates as the superuser and serves as wallet_api', async () => {
    const env = { EMBEDDED_PG_DATA_DIR: join(dir, 'postgres'), EMBEDDED_PG_PORT: String(await freePort()) };
    const held = await holdEmbedded({ resolve: env });
    try {
      const database = held.urls as { url: string; migrationUrl: string };
      const superuserFile = join(dir, 'pg-password');
      const serviceFile = join(dir, 'pg-api-password');
      for (const file of [superuserFile, serviceFile]) {
        expect(statSync(file).mode & 0o777).toBe(0o600);
        expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
      }
      const migration = new URL(database.migrationUrl);
      const service = new URL(database.url);
      expect([migration.username, migration.password]).toEqual([
        'postgres',
        readFileSync(superuserFile, 'utf8').trim(),
      ]);
      expect([service.username, service.password]).toEqual(['wallet_api', readFileSync(serviceFile, 'utf8').trim()]);
      await expect(
        withClient(asRole(database.migrationUrl, 'postgres', 'postgres'), async () => undefined),
      ).rejects.toMatchObject({ code: '28P01' });

      const orm = await migratingOrm(database.migrationUrl);
      try {
        await migrateUnderLock(orm, database.migrationUrl, database.url);
      } finally {
        await orm.close();
      }
      const ctx = await TestContext.create({ databaseUrl: database.url });
      try {
        const alice = await ctx.fundedUser('100.00');
        expect(await ctx.balanceOf(alice)).toBe('100.00');
      } finally {
        await ctx.close();
      }
      await withClient(database.url, async (client) => {
        expect(await outcome(client, 'drop trigger operations_append_only on operations')).toBe(INSUFFICIENT_PRIVILEGE);
        expect(await outcome(client, 'truncate operations')).toBe(INSUFFICIENT_PRIVILEGE);
      });

      // make admin while make run holds the server: the running one, with the passwords from the files.
      const reused = await resolveDatabase(loadConfig(env).database, () => undefined, { reuseRunning: true });
      expect([reused.url, reused.migrationUrl, reused.embedded]).toEqual([database.url, database.migrationUrl, true]);
    } finally {
      await held.stop();
    }
    // Restarted on the same data directory: the same passwords.
    const again = await holdEmbedded({ resolve: env });
    try {
      expect(again.urls).toEqual(held.urls);
      await withClient(again.urls.url, (client) => client.query('select count(*) from wallets'));
    } finally {
      await again.stop();
    }
  });

  it('make admin uses the server make run holds, on the port its postmaster.pid names, and says where it wrote', async () => {
    const dataDir = join(dir, 'other-port', 'postgres');
    const env = { EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) };
    const held = await holdEmbedded({ resolve: env });
    try {
      const database = held.urls as { url: string; migrationUrl: string };
      const port = new URL(database.url).port;
      // The operator runs make admin without the API's EMBEDDED_PG_PORT: the default, or any other port.
      const run = await runTypeScript('apps/cli/src/main.ts', ['admin'], {
        EMBEDDED_PG_DATA_DIR: dataDir,
        EMBEDDED_PG_PORT: String(await freePort()),
        ADMIN_USERNAME: 'ops-found',
        ADMIN_PASSWORD: 'a long operator passphrase',
      });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout.split('\n').slice(-2)).toEqual([
        `database: wallet_api@127.0.0.1:${port}/wallet (using the embedded PostgreSQL already running on 127.0.0.1:${port}, data in ${dataDir})`,
        '',
      ]);
      await withClient(database.url, async (client) => {
        const { rows } = await client.query(`select role from users where username = 'ops-found'`);
        expect(rows).toEqual([{ role: 'admin' }]);
      });
    } finally {
      await held.stop();
    }
  });

  it('replaces the former default password of a data directory made before the passwords were generated', async () => {
    const dataDir = join(dir, 'old', 'postgres');
    const file = join(dir, 'old', 'pg-password');
    const start = { dataDir, port: await freePort(), database: 'wallet' };
    const first = await holdEmbedded({ start });
    // What an old data directory looks like: the superuser's password 'postgres', no password file.
    await withClient(first.urls.adminUrl, (client) => client.query(`alter role postgres password 'postgres'`));
    await first.stop();
    unlinkSync(file);

    const again = await holdEmbedded({ start });
    try {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const generated = readFileSync(file, 'utf8').trim();
      expect(generated).toMatch(/^[0-9a-f]{64}$/);
      expect(new URL(again.urls.adminUrl).password).toBe(generated);
      expect(again.lines.join('\n')).toMatch(/former default password replaced/);
      await withClient(again.urls.url, (client) => client.query('select 1'));
      await expect(
        withClient(asRole(again.urls.url, 'postgres', 'postgres'), async () => undefined),
      ).rejects.toMatchObject({ code: '28P01' });
    } finally {
      await again.stop();
    }
  });
});
