import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { type RegisteredUser, TestContext, uniqueUsername, useTestContext } from '@app/testing';

/** A fresh client address per call (IPv6 documentation prefix), so that no two tests share a throttle counter. */
function address(): string {
  const hex = randomBytes(8).toString('hex').match(/.{4}/g)!;
  return `2001:db8:${hex.join(':')}`;
}

function failure(code: string, reason: string, message: string, target = '__all__') {
  return { status: { success: false, errors: [{ code, message, target, reason }] }, data: null };
}

const UNSUPPORTED = failure(
  'UNSUPPORTED_MEDIA_TYPE',
  'UNSUPPORTED_CONTENT_TYPE',
  'Content-Type must be application/json.',
  'Content-Type',
);
const TOO_MANY_LOGINS = failure(
  'TOO_MANY_REQUESTS',
  'TOO_MANY_LOGIN_ATTEMPTS',
  'Too many failed logins; try again later.',
);
const INVALID_CREDENTIALS = failure('UNAUTHORIZED', 'INVALID_CREDENTIALS', 'Invalid username or password.');

/** A Content-Security-Policy header as directive name -> sources. */
function directives(csp: string): Record<string, string> {
  return Object.fromEntries(
    csp.split(';').map((directive) => {
      const [name, ...sources] = directive.trim().split(/\s+/);
      return [name, sources.join(' ')];
    }),
  );
}

/** Non-JSON bodies a cross-site form (or a careless client) sends. */
const NON_JSON: Array<[string, string]> = [
  ['text/plain', '{"amount":"5.00"}'],
  ['application/x-www-form-urlencoded', 'amount=5.00'],
  ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="amount"\r\n\r\n5.00\r\n--x--\r\n'],
];

describe('Protection (contract part B)', () => {
  const ctx = useTestContext();

  describe('415 for a body that is not JSON on money-moving and admin POSTs', () => {
    let alice: RegisteredUser;
    let bob: RegisteredUser;
    let admin: RegisteredUser;

    beforeAll(async () => {
      alice = await ctx.fundedUser('100.00');
      bob = await ctx.registerUser();
      admin = await ctx.adminUser();
    });

    /** Every route the rule covers, with a body that would succeed as JSON. */
    async function routes(): Promise<Array<{ name: string; agent: TestAgent; path: string; body: object }>> {
      const hold = await ctx.placeHold(alice, bob.walletId, '1.00');
      const paid = await ctx.transfer(alice, bob.walletId, '1.00');
      return [
        { name: 'deposit', agent: alice.agent, path: '/v1/wallets/deposit', body: { amount: '5.00' } },
        {
          name: 'transfer',
          agent: alice.agent,
          path: '/v1/wallets/transfer',
          body: { destination: bob.walletId, amount: '5.00' },
        },
        {
          name: 'hold',
          agent: alice.agent,
          path: '/v1/wallets/holds',
          body: { destination: bob.walletId, amount: '5.00' },
        },
        { name: 'capture', agent: alice.agent, path: `/v1/holds/${hold.id}/capture`, body: { amount: '1.00' } },
        { name: 'void', agent: alice.agent, path: `/v1/holds/${hold.id}/void`, body: {} },
        {
          name: 'reversal',
          agent: admin.agent,
          path: `/v1/admin/transfers/${paid.transfer_id}/reversal`,
          body: { reason: 'x' },
        },
        { name: 'freeze', agent: admin.agent, path: `/v1/admin/wallets/${bob.walletId}/freeze`, body: { reason: 'x' } },
        {
          name: 'unfreeze',
          agent: admin.agent,
          path: `/v1/admin/wallets/${bob.walletId}/unfreeze`,
          body: { reason: 'x' },
        },
      ];
    }

    async function adminActions(): Promise<number> {
      return (await ctx.db.query('select count(*)::int as n from admin_actions')).rows[0].n;
    }

    it.each(NON_JSON)('answers %s with 415 on every route and posts nothing', async (type, text) => {
      const every = await routes();
      const before = { ledger: await ctx.snapshot(alice, bob), actions: await adminActions() };
      for (const route of every) {
        const response = await route.agent.post(route.path).set('Content-Type', type).send(text);
        expect({ route: route.name, status: response.status, body: response.body }).toEqual({
          route: route.name,
          status: 415,
          body: UNSUPPORTED,
        });
      }
      expect(await ctx.snapshot(alice, bob)).toEqual(before.ledger);
      expect(await adminActions()).toBe(before.actions);
      // The hold is still pending and bob's wallet not frozen: a JSON request of each still works.
      for (const route of every.filter(({ name }) => ['capture', 'freeze', 'unfreeze'].includes(name))) {
        await route.agent.post(route.path).send(route.body).expect(200);
      }
      await ctx.expectLedgerInvariants();
    });

    it('refuses a non-JSON Content-Type even with an empty body (an empty form is still a form)', async () => {
      const hold = await ctx.placeHold(alice, bob.walletId, '1.00');
      await alice.agent
        .post(`/v1/holds/${hold.id}/void`)
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send('')
        .expect(415, UNSUPPORTED);
      await admin.agent
        .post(`/v1/admin/wallets/${bob.walletId}/freeze`)
        .set('Content-Type', 'text/plain')
        .expect(415, UNSUPPORTED);
    });

    it('lets a POST without a body omit Content-Type: void, and an admin action without a reason', async () => {
      const hold = await ctx.placeHold(alice, bob.walletId, '1.00');
      const voided = await alice.agent.post(`/v1/holds/${hold.id}/void`).send().expect(200);
      expect(voided.body.data.status).toBe('VOIDED');
      await admin.agent.post(`/v1/admin/wallets/${bob.walletId}/freeze`).expect(200);
      await admin.agent.post(`/v1/admin/wallets/${bob.walletId}/unfreeze`).set('Content-Length', '0').expect(200);
    });

    it.each(['application/json; charset=utf-8', 'Application/JSON', 'application/merge-patch+json'])(
      'accepts the JSON type %p',
      async (type) => {
        const response = await alice.agent
          .post('/v1/wallets/deposit')
          .set('Content-Type', type)
          .send('{"amount":"1.00"}')
          .expect(200);
        expect(response.body.data.amount).toBe('1.00');
      },
    );

    it('records nothing under an Idempotency-Key refused with 415: the key then posts once', async () => {
      const before = await ctx.balanceOf(alice);
      const key = `protect-${randomBytes(6).toString('hex')}`;
      await alice.agent
        .post('/v1/wallets/deposit')
        .set('Idempotency-Key', key)
        .set('Content-Type', 'text/plain')
        .send('{"amount":"2.00"}')
        .expect(415, UNSUPPORTED);
      await alice.agent.post('/v1/wallets/deposit').set('Idempotency-Key', key).send({ amount: '2.00' }).expect(200);
      const replay = await alice.agent
        .post('/v1/wallets/deposit')
        .set('Idempotency-Key', key)
        .send({ amount: '2.00' })
        .expect(200);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(Number(await ctx.balanceOf(alice)) - Number(before)).toBe(2);
    });

    it('answers a visitor 401 first, whatever the body', async () => {
      await request(ctx.server)
        .post('/v1/wallets/deposit')
        .set('Content-Type', 'text/plain')
        .send('amount=1')
        .expect(401);
    });

    it('leaves login, registration and logout to their own rules (a form login is a 422, not a 415)', async () => {
      await request(ctx.server)
        .post('/v1/auth/login')
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send('username=a&password=b')
        .expect(422);
    });
  });

  it('documents 415 on every JSON-only POST and 429 with Retry-After on login and registration', async () => {
    const doc = (await request(ctx.server).get('/api/doc/openapi.json').expect(200)).body;
    const jsonOnly = [
      '/v1/wallets/deposit',
      '/v1/wallets/transfer',
      '/v1/wallets/holds',
      '/v1/holds/{id}/capture',
      '/v1/holds/{id}/void',
      '/v1/admin/transfers/{transferId}/reversal',
      '/v1/admin/wallets/{id}/freeze',
      '/v1/admin/wallets/{id}/unfreeze',
    ];
    for (const path of jsonOnly)
      expect({ path, responses: doc.paths[path].post.responses }).toHaveProperty('responses.415');
    expect(doc.paths['/v1/admin/users'].get.responses).not.toHaveProperty('415');
    for (const path of ['/v1/auth/login', '/v1/auth/register']) {
      expect(doc.paths[path].post.responses['429'].headers).toHaveProperty('Retry-After');
    }
  });

  describe('security headers (helmet)', () => {
    it('sends a Content-Security-Policy and the other helmet headers on API answers', async () => {
      const user = await ctx.registerUser();
      const response = await user.agent.get('/v1/wallets').expect(200);
      const csp = response.headers['content-security-policy'];
      expect(directives(csp)).toEqual({
        'default-src': "'self'",
        'base-uri': "'self'",
        'connect-src': "'self'",
        'font-src': "'self' data:",
        'form-action': "'self'",
        'frame-ancestors': "'none'",
        'img-src': "'self' data:",
        'object-src': "'none'",
        'script-src': "'self'",
        'script-src-attr': "'none'",
        'style-src': "'self'",
      });
      expect(response.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-resource-policy': 'same-origin',
      });
      // Plain HTTP here: no HSTS (it would pin a local or container setup to HTTPS).
      expect(response.headers['strict-transport-security']).toBeUndefined();
      expect(response.headers['x-powered-by']).toBeUndefined();
    });

    it('sends them on failures answered before routing too (a 413, an unknown route)', async () => {
      const tooLarge = await request(ctx.server)
        .post('/v1/auth/login')
        .set('Content-Type', 'application/json')
        .send(`{"pad":"${'p'.repeat(17 * 1024)}"}`)
        .expect(413);
      const unknown = await request(ctx.server).get('/nowhere').expect(404);
      for (const response of [tooLarge, unknown]) {
        expect(response.headers['content-security-policy']).toContain("script-src 'self'");
        expect(response.headers['x-content-type-options']).toBe('nosniff');
      }
    });

    it("allows Swagger UI's inline styles on /api/doc only, and never an inline script", async () => {
      const page = await request(ctx.server).get('/api/doc/').expect(200);
      const csp = directives(page.headers['content-security-policy']);
      expect(csp['style-src']).toBe("'self' 'unsafe-inline'");
      expect(csp['script-src']).toBe("'self'");
      expect(csp['script-src-attr']).toBe("'none'");
      // Every script of the page is a same-origin file: the policy lets all of them run.
      expect(page.text).not.toMatch(/<script>(?!\s*<\/script>)/);
      expect(page.text).toMatch(/<script src="\.\/swagger-ui-init\.js">/);
    });
  });

  describe('Cache-Control: no-store', () => {
    it('is on every authenticated answer, failures included', async () => {
      const user = await ctx.fundedUser('1.00');
      const answers = [
        await user.agent.get('/v1/wallets').expect(200),
        await user.agent.get('/v1/wallets/operations').expect(200),
        await user.agent.get('/v1/auth/me').expect(200),
        await user.agent.post('/v1/wallets/deposit').send({ amount: '1.00' }).expect(200),
        await user.agent
          .post('/v1/wallets/transfer')
          .send({ destination: (await ctx.registerUser()).walletId, amount: '9.00' })
          .expect(400),
        await user.agent.get('/v1/admin/users').expect(403),
      ];
      for (const answer of answers) expect(answer.headers['cache-control']).toBe('no-store');
    });

    it('is on register, login and logout, which set or clear the cookie', async () => {
      const username = uniqueUsername();
      const password = 'pw-12345678';
      const agent = request.agent(ctx.server);
      const registered = await agent
        .post('/v1/auth/register')
        .send({ username, password, passwordConfirm: password })
        .expect(200);
      const loggedIn = await agent.post('/v1/auth/login').send({ username, password }).expect(200);
      const loggedOut = await agent.post('/v1/auth/logout').expect(200);
      for (const answer of [registered, loggedIn, loggedOut]) {
        expect(answer.headers['cache-control']).toBe('no-store');
      }
      expect(registered.headers['set-cookie']).toBeDefined();
      expect(loggedIn.headers['set-cookie']).toBeDefined();
    });
  });

  describe('control characters in string inputs (422, never a 503 from the database)', () => {
    const CONTROL = 'Must not contain control characters.';
    const refused = (...targets: string[]) => ({
      status: 422,
      body: {
        status: {
          success: false,
          errors: targets.map((target) => ({
            code: 'UNPROCESSABLE_ENTITY',
            message: CONTROL,
            target,
            reason: 'REQUEST_VALIDATION_FAILED',
          })),
        },
        data: null,
      },
    });
    const answer = async (test: request.Test) => {
      const { status, body } = await test;
      return { status, body };
    };
    let alice: RegisteredUser;
    let bob: RegisteredUser;
    let admin: RegisteredUser;

    beforeAll(async () => {
      alice = await ctx.fundedUser('100.00');
      bob = await ctx.registerUser();
      admin = await ctx.adminUser();
    });

    it('refuses a NUL byte in the admin search, a freeze reason and a new password, naming the field', async () => {
      // A NUL cannot reach PostgreSQL: before the rule the first two answered 503 "cannot reach its database".
      expect(await answer(admin.agent.get('/v1/admin/users').query({ query: 'a\u0000b' }))).toEqual(refused('query'));
      expect(
        await answer(admin.agent.post(`/v1/admin/wallets/${bob.walletId}/freeze`).send({ reason: 'x\u0000y' })),
      ).toEqual(refused('reason'));
      const password = 'pw-\u0000-12345678';
      expect(
        await answer(
          request(ctx.server)
            .post('/v1/auth/register')
            .send({ username: uniqueUsername(), password, passwordConfirm: password }),
        ),
      ).toEqual(refused('password', 'passwordConfirm'));
      // Nothing was frozen and nothing logged.
      const wallet = await admin.agent.get(`/v1/admin/wallets/${bob.walletId}`).expect(200);
      expect(wallet.body.data.frozen).toBe(false);
      const log = await admin.agent.get('/v1/admin/actions').query({ limit: 100 }).expect(200);
      expect(log.body.data.filter((line: { target: string }) => line.target === bob.walletId)).toEqual([]);
    });

    it('refuses every C0 control, DEL and the C1 controls; a free-text reason may hold tabs and line breaks only', async () => {
      for (const control of ['\u0001', '\n', '\r', '\t', '\u001f', '\u007f', '\u0085', '\u009f']) {
        expect(await answer(admin.agent.get('/v1/admin/users').query({ query: `al${control}` }))).toEqual(refused('query'));
      }
      for (const control of ['\u0000', '\u000b', '\u000c', '\u001b', '\u007f', '\u0085']) {
        expect(
          await answer(
            admin.agent.post(`/v1/admin/wallets/${bob.walletId}/freeze`).send({ reason: `line one\n${control}two` }),
          ),
        ).toEqual(refused('reason'));
      }
      // Typed into the admin console's text area: several lines, maybe a tab; and letters past U+009F.
      const reason = 'Zoë\u00a0(ticket 4711) ✓\r\nsecond line\tend';
      await admin.agent.post(`/v1/admin/wallets/${bob.walletId}/freeze`).send({ reason }).expect(200);
      await admin.agent.post(`/v1/admin/wallets/${bob.walletId}/unfreeze`).send({}).expect(200);
      const log = await admin.agent.get('/v1/admin/actions').query({ limit: 2 }).expect(200);
      expect(log.body.data.map((line: { action: string; reason: string | null }) => [line.action, line.reason])).toEqual([
        ['UNFREEZE', null],
        ['FREEZE', reason],
      ]);
    });

    it('covers route parameters, one error per field, and leaves a field rule its own message', async () => {
      expect(await answer(admin.agent.get('/v1/admin/wallets/%00'))).toEqual(refused('id'));
      expect(await answer(alice.agent.post('/v1/holds/%0A/void'))).toEqual(refused('id'));
      // A field with a control character and another with its own fault: one error each, in the DTO's order.
      const { status, body } = await answer(admin.agent.get('/v1/admin/users').query({ limit: 'ten', query: '\u007f' }));
      expect({ status, errors: body.status.errors.map((e: { target: string; message: string }) => [e.target, e.message]) }).toEqual({
        status: 422,
        errors: [
          ['query', CONTROL],
          ['limit', 'Not a valid integer.'],
        ],
      });
      // Where a field's rule refuses the text anyway (an amount, a UUID, a choice), its own message says why.
      const own = async (test: request.Test) =>
        (await answer(test)).body.status.errors.map((e: { target: string; message: string }) => [e.target, e.message]);
      expect(await own(alice.agent.post('/v1/wallets/deposit').send({ amount: '1.00\u0000' }))).toEqual([
        ['amount', 'Not a valid number.'],
      ]);
      expect(
        await own(alice.agent.post('/v1/wallets/transfer').send({ destination: `${bob.walletId}\n`, amount: '1.00' })),
      ).toEqual([['destination', 'Not a valid UUID.']]);
      expect(await own(alice.agent.get('/v1/wallets/operations').query({ order: 'asc\u0000' }))).toEqual([
        ['order', 'Must be one of: asc, desc.'],
      ]);
      expect(await ctx.balanceOf(alice)).toBe('100.00');
    });

    it('reads the strings inside a paging cursor by the same rule ("Not a valid cursor.")', async () => {
      const cursor = (position: object) => Buffer.from(JSON.stringify(position)).toString('base64url');
      const notACursor = {
        status: 422,
        body: {
          status: {
            success: false,
            errors: [
              {
                code: 'UNPROCESSABLE_ENTITY',
                message: 'Not a valid cursor.',
                target: 'cursor',
                reason: 'REQUEST_VALIDATION_FAILED',
              },
            ],
          },
          data: null,
        },
      };
      // Before the rule: 503, the NUL went to PostgreSQL inside the cursor's username.
      expect(await answer(admin.agent.get('/v1/admin/users').query({ cursor: cursor({ q: '', u: 'a\u0000' }) }))).toEqual(
        notACursor,
      );
      expect(
        await answer(
          admin.agent.get('/v1/admin/actions').query({ cursor: cursor({ t: 0, i: `${'0'.repeat(35)}\u0000` }) }),
        ),
      ).toEqual(notACursor);
      expect(
        await answer(
          alice.agent.get('/v1/wallets/operations').query({ cursor: cursor({ w: `${alice.walletId}\u0000`, o: 'desc', s: 1 }) }),
        ),
      ).toEqual(notACursor);
    });

    it('ignores a field the request does not declare, as with any unknown field', async () => {
      await alice.agent.post('/v1/wallets/deposit').send({ amount: '1.00', note: 'a\u0000b' }).expect(200);
      expect(await ctx.balanceOf(alice)).toBe('101.00');
      await ctx.expectLedgerInvariants();
    });
  });
});

describe('login throttle (state in PostgreSQL)', () => {
  // Client addresses come from X-Forwarded-For, as behind a proxy on the loopback interface (TRUST_PROXY=loopback).
  const ctx = useTestContext({ env: { TRUST_PROXY: 'loopback' } });

  function login(server: TestContext['server'], from: string, username: string, password: string) {
    return request(server).post('/v1/auth/login').set('X-Forwarded-For', from).send({ username, password });
  }

  async function failFiveTimes(from: string, user: RegisteredUser): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await login(ctx.server, from, user.username, 'wrong-password').expect(401, INVALID_CREDENTIALS);
    }
  }

  it('answers 429 with Retry-After after five failures from one address, even with the right password', async () => {
    const user = await ctx.registerUser();
    const from = address();
    await failFiveTimes(from, user);
    const refused = await login(ctx.server, from, user.username, user.password).expect(429, TOO_MANY_LOGINS);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(refused.headers['set-cookie']).toBeUndefined();
    // The username is folded: another spelling of it is the same counter.
    await login(ctx.server, from, user.username.toUpperCase(), user.password).expect(429);
  });

  it('lets the owner log in from another address meanwhile', async () => {
    const user = await ctx.registerUser();
    const from = address();
    await failFiveTimes(from, user);
    await login(ctx.server, from, user.username, user.password).expect(429);
    const elsewhere = await login(ctx.server, address(), user.username, user.password).expect(200);
    expect(elsewhere.headers['set-cookie']).toBeDefined();
  });

  it('starts the count over after a successful login', async () => {
    const user = await ctx.registerUser();
    const from = address();
    for (let i = 0; i < 4; i++) await login(ctx.server, from, user.username, 'wrong').expect(401);
    await login(ctx.server, from, user.username, user.password).expect(200);
    for (let i = 0; i < 4; i++) await login(ctx.server, from, user.username, 'wrong').expect(401);
    await login(ctx.server, from, user.username, user.password).expect(200);
  });

  it('does not let concurrent guesses slip past the limit', async () => {
    const user = await ctx.registerUser();
    const from = address();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => login(ctx.server, from, user.username, 'wrong')),
    );
    const statuses = answers.map(({ status }) => status).sort();
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(7);
  });

  it('keeps the count across a restart of the API and between two instances on one database', async () => {
    const user = await ctx.registerUser();
    const from = address();
    for (let i = 0; i < 3; i++) await login(ctx.server, from, user.username, 'wrong').expect(401);
    const first = await TestContext.create({ env: { TRUST_PROXY: 'loopback' } });
    await login(first.server, from, user.username, 'wrong').expect(401);
    await first.close();
    const second = await TestContext.create({ env: { TRUST_PROXY: 'loopback' } });
    try {
      await login(second.server, from, user.username, 'wrong').expect(401);
      await login(second.server, from, user.username, user.password).expect(429);
      await login(ctx.server, from, user.username, user.password).expect(429);
    } finally {
      await second.close();
    }
  });

  it('stores the counters in the rate_limits table, without the username', async () => {
    const user = await ctx.registerUser();
    const from = address();
    await login(ctx.server, from, user.username, 'wrong').expect(401);
    const { rows } = await ctx.db.query<{ key: string; points: number }>(
      'select key, points from rate_limits where key like $1 order by key',
      [`%${from}%`],
    );
    expect(rows.map(({ key, points }) => [key.split(':')[0], points])).toEqual([
      ['login-addr', 1],
      ['login-user', 1],
    ]);
    expect(rows.map(({ key }) => key).join()).not.toContain(user.username);
  });
});

describe('per-address bounds', () => {
  it('past the per-address bound answers a wrong password 429, and still lets the right one in', async () => {
    const ctx = await TestContext.create({ env: { TRUST_PROXY: 'loopback', LOGIN_FAILURES_PER_ADDRESS: '8' } });
    try {
      const user = await ctx.registerUser();
      const neighbour = await ctx.registerUser();
      const from = address();
      const login = (username: string, password: string, at = from) =>
        request(ctx.server).post('/v1/auth/login').set('X-Forwarded-For', at).send({ username, password });
      // A spray: one guess each for eight usernames, none of which reaches its own limit.
      for (let i = 0; i < 8; i++) await login(uniqueUsername('spray'), 'guess').expect(401);
      const refused = await login(uniqueUsername('spray'), 'guess').expect(429, TOO_MANY_LOGINS);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
      await login(user.username, 'not-the-password').expect(429, TOO_MANY_LOGINS);
      // The people behind that address who know their password still get in.
      const owner = await login(user.username, user.password).expect(200);
      expect(owner.headers['set-cookie']).toBeDefined();
      await login(neighbour.username, neighbour.password).expect(200);
      // Another address is not affected.
      await login(uniqueUsername('spray'), 'guess', address()).expect(401);
    } finally {
      await ctx.close();
    }
  });

  it('does not count successful logins against the address', async () => {
    const ctx = await TestContext.create({ env: { TRUST_PROXY: 'loopback', LOGIN_FAILURES_PER_ADDRESS: '3' } });
    try {
      const user = await ctx.registerUser();
      const from = address();
      for (let i = 0; i < 10; i++) {
        await request(ctx.server)
          .post('/v1/auth/login')
          .set('X-Forwarded-For', from)
          .send({ username: user.username, password: user.password })
          .expect(200);
      }
    } finally {
      await ctx.close();
    }
  });

  /** A registration of a new name from the client address `at` (through the trusted loopback proxy). */
  function registerFrom(ctx: TestContext, at: string) {
    return request(ctx.server)
      .post('/v1/auth/register')
      .set('X-Forwarded-For', at)
      .send({ username: uniqueUsername('reg'), password: 'pw-12345678', passwordConfirm: 'pw-12345678' });
  }

  it('limits registrations per address when REGISTRATIONS_PER_ADDRESS is set', async () => {
    const ctx = await TestContext.create({ env: { TRUST_PROXY: 'loopback', REGISTRATIONS_PER_ADDRESS: '2' } });
    try {
      const from = address();
      const register = (at: string) => registerFrom(ctx, at);
      await register(from).expect(200);
      await register(from).expect(200);
      const refused = await register(from).expect(
        429,
        failure(
          'TOO_MANY_REQUESTS',
          'TOO_MANY_REGISTRATIONS',
          'Too many registrations from this address; try again later.',
        ),
      );
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(15 * 60);
      expect(retryAfter).toBeLessThanOrEqual(3600);
      await register(address()).expect(200);
    } finally {
      await ctx.close();
    }
  });

  it('limits registrations to 20 an hour per address by default (REGISTRATIONS_PER_ADDRESS unset)', async () => {
    // The test context turns the limit off for the other suites; '' is "unset" for the configuration.
    const ctx = await TestContext.create({ env: { TRUST_PROXY: 'loopback', REGISTRATIONS_PER_ADDRESS: '' } });
    try {
      const from = address();
      const register = (at: string) => registerFrom(ctx, at);
      for (let i = 0; i < 20; i++) await register(from).expect(200);
      const refused = await register(from).expect(429);
      expect(refused.body.status.errors[0].reason).toBe('TOO_MANY_REGISTRATIONS');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(15 * 60);
      await register(address()).expect(200);
    } finally {
      await ctx.close();
    }
  });

  it('does not limit registrations when REGISTRATIONS_PER_ADDRESS=0', async () => {
    const ctx = await TestContext.create({ env: { TRUST_PROXY: 'loopback', REGISTRATIONS_PER_ADDRESS: '0' } });
    try {
      const from = address();
      for (let i = 0; i < 22; i++) await registerFrom(ctx, from).expect(200);
    } finally {
      await ctx.close();
    }
  });
});

describe('session cookies and secrets', () => {
  it('serves a Secure cookie behind a trusted TLS proxy (SECURE_COOKIES=true, TRUST_PROXY=1), with HSTS', async () => {
    const ctx = await TestContext.create({ env: { SECURE_COOKIES: 'true', TRUST_PROXY: '1' } });
    try {
      const username = uniqueUsername();
      const password = 'pw-12345678';
      const viaProxy = (path: string) =>
        request(ctx.server).post(path).set('X-Forwarded-Proto', 'https').set('X-Forwarded-For', address());
      const registered = await viaProxy('/v1/auth/register')
        .send({ username, password, passwordConfirm: password })
        .expect(200);
      expect(registered.headers['set-cookie']?.[0]).toMatch(/; Secure/);
      const response = await viaProxy('/v1/auth/login').send({ username, password }).expect(200);
      const [cookie] = response.headers['set-cookie'] as unknown as string[];
      expect(cookie).toMatch(/^sessionid=/);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Lax/);
      expect(response.headers['strict-transport-security']).toBe('max-age=31536000');
      expect(directives(response.headers['content-security-policy'])).toHaveProperty('upgrade-insecure-requests');
    } finally {
      await ctx.close();
    }
  });

  it('generates a secret per data directory when none is set outside production, kept 0600 and reused', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ledger-secret-'));
    const env = { SESSION_SECRET: '', EMBEDDED_PG_DATA_DIR: join(dataDir, 'postgres') };
    const file = join(dataDir, 'session-secret');
    try {
      const first = await TestContext.create({ env });
      const user = await first.registerUser();
      const cookie = (
        await request(first.server)
          .post('/v1/auth/login')
          .send({ username: user.username, password: user.password })
          .expect(200)
      ).headers['set-cookie'];
      await first.close();
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const secret = readFileSync(file, 'utf8').trim();
      expect(secret).toMatch(/^[0-9a-f]{64}$/);

      // Restarted on the same data directory: same secret, the session still holds.
      const again = await TestContext.create({ env });
      try {
        await request(again.server).get('/v1/wallets').set('Cookie', cookie).expect(200);
      } finally {
        await again.close();
      }
      expect(readFileSync(file, 'utf8').trim()).toBe(secret);

      // Another data directory has a secret of its own: the cookie's signature does not hold there.
      const elsewhere = await TestContext.create({
        env: { SESSION_SECRET: '', EMBEDDED_PG_DATA_DIR: join(dataDir, 'other', 'postgres') },
      });
      try {
        await request(elsewhere.server).get('/v1/wallets').set('Cookie', cookie).expect(401);
      } finally {
        await elsewhere.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** A raw TCP connection to a listening server: what came back, and when the server closed it. */
function rawConnection(server: Server) {
  const { port } = server.address() as AddressInfo;
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined); // a connection the server drops may end in ECONNRESET
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    closed,
    received: () => received,
    /** Resolves once `text` has come back (or the connection closed). */
    async receive(text: string): Promise<string> {
      while (!received.includes(text) && !socket.destroyed) await sleep(10);
      return received;
    },
  };
}

/** The status line, the headers (names lower-cased) and the body of a raw HTTP answer. */
function parseAnswer(raw: string): { statusLine: string; headers: Record<string, string>; body: string } {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  return { statusLine, headers, body: rest.join('\r\n\r\n') };
}

describe('slow clients: timeouts, and a body announced too large answered at once', () => {
  // Short limits, so that the tests see them act; the defaults are 10 s and 25 s.
  const ctx = useTestContext({
    listen: true,
    env: { HTTP_HEADERS_TIMEOUT_MS: '300', HTTP_REQUEST_TIMEOUT_MS: '600' },
  });

  it('closes a connection whose headers never complete, with 408', async () => {
    const client = rawConnection(ctx.server);
    client.socket.write('GET /healthcheck HTTP/1.1\r\nHost: localhost\r\n');
    // One more header line now and then, never the blank line that ends them.
    for (let n = 0; !client.socket.destroyed && n < 1_000; n++) {
      client.socket.write(`X-Slow-${n}: 1\r\n`);
      await Promise.race([client.closed, sleep(25)]);
    }
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a connection whose body keeps dripping past the request timeout, with 408', async () => {
    const client = rawConnection(ctx.server);
    client.socket.write(
      'POST /v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
        'Content-Length: 1000\r\n\r\n{',
    );
    for (let n = 0; !client.socket.destroyed && n < 999; n++) {
      client.socket.write(' ');
      await Promise.race([client.closed, sleep(25)]);
    }
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it.each(['/v1/auth/login', '/v1/wallets/deposit', '/nowhere'])(
    'answers a Content-Length over 16 KiB on %s with 413 and Connection: close before any of the body is sent',
    async (path) => {
      const client = rawConnection(ctx.server);
      client.socket.write(
        `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n`,
      );
      // Not a byte of the body is sent: the answer comes anyway, and the server closes the connection.
      await client.closed;
      const answer = parseAnswer(client.received());
      expect(answer.statusLine).toBe('HTTP/1.1 413 Payload Too Large');
      expect(answer.headers.connection).toBe('close');
      expect(JSON.parse(answer.body)).toEqual(
        failure('PAYLOAD_TOO_LARGE', 'PAYLOAD_TOO_LARGE', 'Request body is too large (16 KiB at most).'),
      );
    },
  );

  it('still serves a request whose headers and body come in time', async () => {
    const client = rawConnection(ctx.server);
    client.socket.write('GET /healthcheck HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    await client.closed;
    expect(parseAnswer(client.received()).statusLine).toBe('HTTP/1.1 200 OK');
  });
});

describe('a cap on open connections (MAX_CONNECTIONS)', () => {
  const ctx = useTestContext({ listen: true, env: { MAX_CONNECTIONS: '2' } });
  const HEALTHCHECK = 'GET /healthcheck HTTP/1.1\r\nHost: localhost\r\n\r\n';

  const openConnections = () =>
    new Promise<number>((resolve, reject) =>
      ctx.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
    );

  it('closes a third connection at once while two are open, and accepts one again when one closes', async () => {
    const first = rawConnection(ctx.server);
    const second = rawConnection(ctx.server);
    try {
      // Both accepted and kept alive: each has had its answer.
      for (const client of [first, second]) {
        client.socket.write(HEALTHCHECK);
        expect(await client.receive('{"healthy":true}')).toMatch(/^HTTP\/1\.1 200 /);
      }
      const third = rawConnection(ctx.server);
      third.socket.write(HEALTHCHECK);
      await third.closed;
      expect(third.received()).toBe('');

      first.socket.destroy();
      while ((await openConnections()) >= 2) await sleep(10);
      const fourth = rawConnection(ctx.server);
      fourth.socket.write('GET /healthcheck HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      await fourth.closed;
      expect(fourth.received()).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      first.socket.destroy();
      second.socket.destroy();
    }
  });
});
