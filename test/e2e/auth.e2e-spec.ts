import request from 'supertest';
import { useTestContext, uniqueUsername } from '@app/testing';

const MISSING = 'Missing data for required field.';
const INVALID_CREDENTIALS = {
  status: {
    success: false,
    errors: [
      {
        code: 'UNAUTHORIZED',
        message: 'Invalid username or password.',
        target: '__all__',
        reason: 'INVALID_CREDENTIALS',
      },
    ],
  },
  data: null,
};

/** The `sessionid` cookie a response sets (name=value only), or undefined. */
function sessionCookie(response: request.Response): string | undefined {
  const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
  return cookies.map((cookie) => cookie.split(';')[0]).find((pair) => pair.startsWith('sessionid='));
}

describe('auth (contract part A)', () => {
  const ctx = useTestContext();

  describe('POST /v1/auth/register', () => {
    it('registers a user, logs it in with a sessionid cookie and creates its wallet at 0.00', async () => {
      const username = uniqueUsername();
      const agent = request.agent(ctx.server);
      const response = await agent
        .post('/v1/auth/register')
        .send({ username, password: 'pw-1', passwordConfirm: 'pw-1' })
        .expect(200);
      expect(response.body).toEqual({
        status: { success: true, errors: [] },
        data: { id: expect.any(String), username },
      });
      const cookie = String(response.headers['set-cookie']);
      expect(cookie).toMatch(/^sessionid=/);
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).not.toMatch(/Secure/);
      const wallet = await agent.get('/v1/wallets').expect(200);
      expect(wallet.body.data).toEqual({
        id: expect.any(String),
        user_id: response.body.data.id,
        balance: '0.00',
        available: '0.00',
      });
    });

    it('answers 400 with target username when the username is taken', async () => {
      const user = await ctx.registerUser();
      const response = await request(ctx.server)
        .post('/v1/auth/register')
        .send({ username: user.username, password: 'x', passwordConfirm: 'x' })
        .expect(400);
      expect(response.body).toEqual({
        status: {
          success: false,
          errors: [
            {
              code: 'BAD_REQUEST',
              message: 'This username already taken.',
              target: 'username',
              reason: 'USERNAME_TAKEN',
            },
          ],
        },
        data: null,
      });
    });

    it.each(['username', 'password', 'passwordConfirm'])(
      'rejects a registration without %s with 422 naming the field',
      async (field) => {
        const body: Record<string, string> = { username: uniqueUsername(), password: 'pw', passwordConfirm: 'pw' };
        delete body[field];
        const response = await request(ctx.server).post('/v1/auth/register').send(body).expect(422);
        expect(response.body).toEqual({
          status: {
            success: false,
            errors: [
              { code: 'UNPROCESSABLE_ENTITY', message: MISSING, target: field, reason: 'REQUEST_VALIDATION_FAILED' },
            ],
          },
          data: null,
        });
        expect(response.headers['set-cookie']).toBeUndefined();
      },
    );

    it('rejects a registration with a null field like a missing one', async () => {
      const response = await request(ctx.server)
        .post('/v1/auth/register')
        .send({ username: null, password: 'pw', passwordConfirm: 'pw' })
        .expect(422);
      expect(response.body.status.errors).toEqual([
        { code: 'UNPROCESSABLE_ENTITY', message: MISSING, target: 'username', reason: 'REQUEST_VALIDATION_FAILED' },
      ]);
    });

    it('answers one 422 error per missing field of an empty body', async () => {
      const response = await request(ctx.server).post('/v1/auth/register').send({}).expect(422);
      expect(response.body.status.errors).toEqual([
        { code: 'UNPROCESSABLE_ENTITY', message: MISSING, target: 'username', reason: 'REQUEST_VALIDATION_FAILED' },
        { code: 'UNPROCESSABLE_ENTITY', message: MISSING, target: 'password', reason: 'REQUEST_VALIDATION_FAILED' },
        {
          code: 'UNPROCESSABLE_ENTITY',
          message: MISSING,
          target: 'passwordConfirm',
          reason: 'REQUEST_VALIDATION_FAILED',
        },
      ]);
    });

    it('rejects differing passwords with 422 target __all__ and creates no user', async () => {
      const username = uniqueUsername();
      const response = await request(ctx.server)
        .post('/v1/auth/register')
        .send({ username, password: 'pw-1', passwordConfirm: 'pw-2' })
        .expect(422);
      expect(response.body).toEqual({
        status: {
          success: false,
          errors: [
            {
              code: 'UNPROCESSABLE_ENTITY',
              message: "Password does not match it's confirmation.",
              target: '__all__',
              reason: 'PASSWORDS_DIFFER',
            },
          ],
        },
        data: null,
      });
      expect(response.headers['set-cookie']).toBeUndefined();
      // The name is still free: nothing was stored.
      await request(ctx.server).post('/v1/auth/login').send({ username, password: 'pw-1' }).expect(401);
      await request(ctx.server)
        .post('/v1/auth/register')
        .send({ username, password: 'pw-1', passwordConfirm: 'pw-1' })
        .expect(200);
    });
  });

  describe('POST /v1/auth/login', () => {
    it('logs in with the right password: answers {id, username} and sets a sessionid cookie that authenticates', async () => {
      const user = await ctx.registerUser();
      const agent = request.agent(ctx.server);
      const response = await agent
        .post('/v1/auth/login')
        .send({ username: user.username, password: user.password })
        .expect(200);
      expect(response.body).toEqual({
        status: { success: true, errors: [] },
        data: { id: user.id, username: user.username },
      });
      expect(sessionCookie(response)).toBeDefined();
      expect(String(response.headers['set-cookie'])).toMatch(/HttpOnly/);
      expect(String(response.headers['set-cookie'])).toMatch(/SameSite=Lax/);
      const wallet = await agent.get('/v1/wallets').expect(200);
      expect(wallet.body.data).toEqual({ id: user.walletId, user_id: user.id, balance: '0.00', available: '0.00' });
    });

    it('gives a fresh session id on login and the session id held before no longer authenticates', async () => {
      const username = uniqueUsername();
      const registered = await request(ctx.server)
        .post('/v1/auth/register')
        .send({ username, password: 'pw', passwordConfirm: 'pw' })
        .expect(200);
      const before = sessionCookie(registered)!;
      expect(before).toBeDefined();
      await request(ctx.server).get('/v1/wallets').set('Cookie', before).expect(200);

      const login = await request(ctx.server)
        .post('/v1/auth/login')
        .set('Cookie', before)
        .send({ username, password: 'pw' })
        .expect(200);
      const after = sessionCookie(login)!;
      expect(after).toBeDefined();
      expect(after).not.toEqual(before);

      await request(ctx.server).get('/v1/wallets').set('Cookie', after).expect(200);
      await request(ctx.server).get('/v1/wallets').set('Cookie', before).expect(401);
    });

    it('answers the same 401 for an unknown user and for a wrong password, without a session', async () => {
      const user = await ctx.registerUser();
      const wrongPassword = await request(ctx.server)
        .post('/v1/auth/login')
        .send({ username: user.username, password: `${user.password}!` })
        .expect(401);
      const unknownUser = await request(ctx.server)
        .post('/v1/auth/login')
        .send({ username: uniqueUsername('nobody'), password: user.password })
        .expect(401);
      expect(wrongPassword.body).toEqual(INVALID_CREDENTIALS);
      expect(unknownUser.body).toEqual(INVALID_CREDENTIALS);
      expect(sessionCookie(wrongPassword)).toBeUndefined();
      expect(sessionCookie(unknownUser)).toBeUndefined();
    });

    it.each(['username', 'password'])('rejects a login without %s with 422 naming the field', async (field) => {
      const user = await ctx.registerUser();
      const body: Record<string, string> = { username: user.username, password: user.password };
      delete body[field];
      const response = await request(ctx.server).post('/v1/auth/login').send(body).expect(422);
      expect(response.body).toEqual({
        status: {
          success: false,
          errors: [
            { code: 'UNPROCESSABLE_ENTITY', message: MISSING, target: field, reason: 'REQUEST_VALIDATION_FAILED' },
          ],
        },
        data: null,
      });
    });

    it('rejects a login with an empty body with one 422 error per field', async () => {
      const response = await request(ctx.server).post('/v1/auth/login').send({}).expect(422);
      expect(response.body.status.errors).toEqual([
        { code: 'UNPROCESSABLE_ENTITY', message: MISSING, target: 'username', reason: 'REQUEST_VALIDATION_FAILED' },
        { code: 'UNPROCESSABLE_ENTITY', message: MISSING, target: 'password', reason: 'REQUEST_VALIDATION_FAILED' },
      ]);
    });
  });

  describe('POST /v1/auth/logout', () => {
    it('logs out: the same cookie then answers 401', async () => {
      const user = await ctx.registerUser();
      await user.agent.post('/v1/auth/logout').expect(200, { status: { success: true, errors: [] }, data: null });
      const response = await user.agent.get('/v1/wallets').expect(401);
      expect(response.body.status.errors).toEqual([
        {
          code: 'UNAUTHORIZED',
          message: 'Authentication required.',
          target: '__all__',
          reason: 'AUTHENTICATION_REQUIRED',
        },
      ]);
    });

    it('answers 200 with data null without a session', async () => {
      const response = await request(ctx.server).post('/v1/auth/logout').expect(200);
      expect(response.body).toEqual({ status: { success: true, errors: [] }, data: null });
    });

    it('logs out only the session it is called with', async () => {
      const user = await ctx.registerUser();
      const other = request.agent(ctx.server);
      await other.post('/v1/auth/login').send({ username: user.username, password: user.password }).expect(200);
      await other.post('/v1/auth/logout').expect(200);
      await other.get('/v1/wallets').expect(401);
      await user.agent.get('/v1/wallets').expect(200);
    });
  });

  describe('usernames (one rule: NFC, printable, unique ignoring case)', () => {
    const register = (username: string) =>
      request(ctx.server).post('/v1/auth/register').send({ username, password: 'pw-123456', passwordConfirm: 'pw-123456' });

    it('treats names that differ only by case as one account: taken at registration, found at login', async () => {
      const base = uniqueUsername('Case');
      await register(base).expect(200);
      const taken = await register(base.toLowerCase()).expect(400);
      expect(taken.body.status.errors).toEqual([
        { code: 'BAD_REQUEST', reason: 'USERNAME_TAKEN', message: 'This username already taken.', target: 'username' },
      ]);
      const login = await request(ctx.server)
        .post('/v1/auth/login')
        .send({ username: base.toUpperCase(), password: 'pw-123456' })
        .expect(200);
      expect(login.body.data.username).toBe(base);
    });

    it('stores the name in NFC, so both spellings of one accented name are one account', async () => {
      const decomposed = `${uniqueUsername('cafe')}e\u0301`; // e + combining acute accent
      const composed = decomposed.normalize('NFC');
      expect(composed).not.toBe(decomposed);
      const registered = await register(decomposed).expect(200);
      expect(registered.body.data.username).toBe(composed);
      await register(composed).expect(400);
      await request(ctx.server).post('/v1/auth/login').send({ username: decomposed, password: 'pw-123456' }).expect(200);
    });

    it.each([
      ['a NUL byte', 'nul\u0000byte', 'Must contain printable characters only.'],
      ['a zero-width space', 'zero\u200bwidth', 'Must contain printable characters only.'],
      ['a control character', 'tab\there', 'Must contain printable characters only.'],
      ['trailing whitespace', 'alice ', 'Must not start or end with whitespace.'],
      ['leading whitespace', ' alice', 'Must not start or end with whitespace.'],
    ])('refuses a name with %s (422, never a 500)', async (_what, username, message) => {
      const response = await register(username).expect(422);
      expect(response.body.status.errors).toEqual([
        { code: 'UNPROCESSABLE_ENTITY', reason: 'REQUEST_VALIDATION_FAILED', message, target: 'username' },
      ]);
    });

    it('answers a login with a name no account can have like any wrong login (401), without asking the database', async () => {
      const response = await request(ctx.server)
        .post('/v1/auth/login')
        .send({ username: 'nul\u0000byte', password: 'whatever' })
        .expect(401);
      expect(response.body.status.errors[0]).toMatchObject({ reason: 'INVALID_CREDENTIALS' });
    });
  });
});
