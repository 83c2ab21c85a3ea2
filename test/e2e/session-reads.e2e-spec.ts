import request from 'supertest';
import { TcpProxy, TestContext, useTestContext } from '@app/testing';

async function sessionRows(ctx: TestContext): Promise<number> {
  const { rows } = await ctx.db.query<{ count: string }>('select count(*) from session');
  return Number(rows[0].count);
}

describe('requests that need no session', () => {
  const ctx = useTestContext({ listen: true });

  it('answer anonymous monitoring, documentation, console and unknown routes without a cookie or a session row', async () => {
    const rowsBefore = await sessionRows(ctx);
    const answers = [
      await request(ctx.server).get('/healthcheck').expect(200),
      await request(ctx.server).get('/readyz').expect(200),
      await request(ctx.server).get('/metrics').expect(200),
      await request(ctx.server).get('/api/doc/openapi.json').expect(200),
      await request(ctx.server).get('/admin/').expect(200),
      await request(ctx.server).get('/nowhere').expect(404),
    ];
    for (const answer of answers) expect(answer.headers['set-cookie']).toBeUndefined();
    expect(await sessionRows(ctx)).toBe(rowsBefore);
  });

  it('answer /healthcheck to a logged-in caller while the database is away: its session is not read', async () => {
    const proxy = await TcpProxy.start(ctx.databaseUrl);
    const away = await TestContext.create({ serviceDatabaseUrl: (url) => proxy.url(url) });
    try {
      const user = await away.registerUser();
      await proxy.down();
      await user.agent.get('/healthcheck').expect(200, { healthy: true });
      await user.agent.get('/v1/wallets').expect(503); // a route that needs the session does read it
    } finally {
      await proxy.up();
      await away.close();
      await proxy.close();
    }
  });
});
