import { sign, unsign } from 'cookie-signature';
import request from 'supertest';
import { TestContext } from '@app/testing';

describe('sessions live in PostgreSQL', () => {
  it('keeps a session across a restart of the API and shares it between two instances', async () => {
    const first = await TestContext.create();
    const user = await first.registerUser();
    const cookie = (
      await user.agent.post('/v1/auth/login').send({ username: user.username, password: user.password }).expect(200)
    ).headers['set-cookie'];
    await first.close();

    const second = await TestContext.create();
    const third = await TestContext.create();
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
    const ctx = await TestContext.create();
    try {
      const user = await ctx.registerUser();
      const { rows } = await ctx.db.query<{ sid: string }>(
        `select sid from session where sess->'passport'->'user'->>'id' = $1`,
        [user.id],
      );
      expect(rows).toHaveLength(1);
      await ctx.db.query('delete from session where sid = $1', [rows[0].sid]);
      await user.agent.get('/v1/wallets').expect(401);
    } finally {
      await ctx.close();
    }
  });
});

const SECRET_OF_TESTS = 'the session secret of this test, of at least thirty-two characters';

describe('the session cookie of a protected route', () => {
  it('is honoured only as express-session signed it: a live session id unsigned, re-signed with another secret or with a tampered signature answers 401', async () => {
    const ctx = await TestContext.create({ env: { SESSION_SECRET: SECRET_OF_TESTS } });
    try {
      const user = await ctx.registerUser();
      const login = await request(ctx.server)
        .post('/v1/auth/login')
        .send({ username: user.username, password: user.password })
        .expect(200);
      const signed = ([] as string[]).concat(login.headers['set-cookie']).find((c) => c.startsWith('sessionid='))!;
      const value = decodeURIComponent(signed.split(';')[0].slice('sessionid='.length));
      const sid = unsign(value.slice(2), SECRET_OF_TESTS) as string;
      expect(typeof sid).toBe('string'); // the tests' secret signed it: the forgeries below differ only in the signature
      const { rows } = await ctx.db.query('select 1 from session where sid = $1', [sid]);
      expect(rows).toHaveLength(1);

      const cookie = (raw: string) => `sessionid=${encodeURIComponent(raw)}`;
      await request(ctx.server).get('/v1/wallets').set('Cookie', cookie(value)).expect(200);
      for (const forged of [
        sid,
        `s:${sid}`,
        `s:${sign(sid, 'another secret of at least thirty-two characters')}`,
        `${value}x`,
      ]) {
        await request(ctx.server).get('/v1/wallets').set('Cookie', cookie(forged)).expect(401);
      }
    } finally {
      await ctx.close();
    }
  });
});

describe('database sessions of the service', () => {
  it('run with a lock timeout and a statement timeout, so nothing waits forever', async () => {
    const ctx = await TestContext.create();
    try {
      const [settings] = await ctx.orm.em
        .fork()
        .getConnection()
        .execute<{ lock_timeout: string; statement_timeout: string }[]>(
          `select current_setting('lock_timeout') as lock_timeout, current_setting('statement_timeout') as statement_timeout`,
        );
      expect(settings).toEqual({ lock_timeout: '5s', statement_timeout: '15s' });
    } finally {
      await ctx.close();
    }
  });
});
