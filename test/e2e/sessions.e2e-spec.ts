import { Client } from 'pg';
import request from 'supertest';
import { registerUser } from '@app/testing';
import { createTestApp } from '@app/testing';

describe('sessions live in PostgreSQL', () => {
  it('keeps a session across a restart of the API and shares it between two instances', async () => {
    const first = await createTestApp();
    const user = await registerUser(first.server);
    const cookie = (
      await user.agent.post('/v1/auth/login').send({ username: user.username, password: user.password }).expect(200)
    ).headers['set-cookie'];
    await first.close();

    const second = await createTestApp();
    const third = await createTestApp();
    try {
      for (const instance of [second, third]) {
        const wallet = await request(instance.server).get('/v1/wallets').set('Cookie', cookie).expect(200);
        expect(wallet.body.data.id).toBe(user.walletId);
      }
      // Logging out on one instance ends the session on the other as well.
      await request(second.server).post('/v1/auth/logout').set('Cookie', cookie).expect(200);
      await request(third.server).get('/v1/wallets').set('Cookie', cookie).expect(401);
    } finally {
      await second.close();
      await third.close();
    }
  });

  it('stores the session server-side: deleting its row logs the user out', async () => {
    const t = await createTestApp();
    const db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      const user = await registerUser(t.server);
      const { rows } = await db.query<{ sid: string }>(
        `select sid from session where sess->'passport'->'user'->>'id' = $1`,
        [user.id],
      );
      expect(rows).toHaveLength(1);
      await db.query('delete from session where sid = $1', [rows[0].sid]);
      await user.agent.get('/v1/wallets').expect(401);
    } finally {
      await db.end();
      await t.close();
    }
  });
});

describe('database sessions of the service', () => {
  it('run with a lock timeout and a statement timeout, so nothing waits forever', async () => {
    const t = await createTestApp();
    try {
      const [settings] = await t.orm.em
        .fork()
        .getConnection()
        .execute<{ lock_timeout: string; statement_timeout: string }[]>(
          `select current_setting('lock_timeout') as lock_timeout, current_setting('statement_timeout') as statement_timeout`,
        );
      expect(settings).toEqual({ lock_timeout: '5s', statement_timeout: '15s' });
    } finally {
      await t.close();
    }
  });
});
