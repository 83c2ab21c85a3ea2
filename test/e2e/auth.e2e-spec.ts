import request from 'supertest';
import { PasswordHasher } from '@app/auth';
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
        .send({ username, password: 'pw-1-long-enough', passwordConfirm: 'pw-1-long-enough' })
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
        frozen: false,
      });
    });

    it('answers 400 with target username when the username is taken', async () => {
      const user = await ctx.registerUser();
      const response = await request(ctx.server)
        .post('/v1/auth/register')
        .send({ username: user.username, password: 'x-long-enough', passwordConfirm: 'x-long-enough' })
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
        const body: Record<string, string> = {
          username: uniqueUsername(),
          password: 'pw-long-enough',
          passwordConfirm: 'pw-long-enough',
        };
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
        .send({ username: null, password: 'pw-long-enough', passwordConfirm: 'pw-long-enough' })
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
        .send({ username, password: 'pw-1-long-enough', passwordConfirm: 'pw-2-long-enough' })
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
      await request(ctx.server).post('/v1/auth/login').send({ username, password: 'pw-1-long-enough' }).expect(401);
      await request(ctx.server)
        .post('/v1/auth/register')
        .send({ username, password: 'pw-1-long-enough', passwordConfirm: 'pw-1-long-enough' })
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
      expect(wallet.body.data).toEqual({ id: user.walletId, user_id: user.id, balance: '0.00', available: '0.00', frozen: false });
    });

    it('gives a fresh session id on login and the session id held before no longer authenticates', async () => {
      const username = uniqueUsername();
      const registered = await request(ctx.server)
        .post('/v1/auth/register')
        .send({ username, password: 'pw-long-enough', passwordConfirm: 'pw-long-enough' })
        .expect(200);
      const before = sessionCookie(registered)!;
      expect(before).toBeDefined();
      await request(ctx.server).get('/v1/wallets').set('Cookie', before).expect(200);

      const login = await request(ctx.server)
        .post('/v1/auth/login')
        .set('Cookie', before)
        .send({ username, password: 'pw-long-enough' })
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
      request(ctx.server)
        .post('/v1/auth/register')
        .send({ username, password: 'pw-123456', passwordConfirm: 'pw-123456' });

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
      await request(ctx.server)
        .post('/v1/auth/login')
        .send({ username: decomposed, password: 'pw-123456' })
        .expect(200);
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

    it.each([
      [
        'Latin with Cyrillic о (a lookalike of "root1")',
        'r\u043e\u043et1-',
        'Must not mix letters of different scripts (such as Latin and Cyrillic).',
      ],
      ['Latin with Greek ο', 'gl\u03bfbal-', 'Must not mix letters of different scripts (such as Latin and Cyrillic).'],
      [
        'full-width letters',
        '\uff52\uff4f\uff4f\uff54-',
        'Must not contain compatibility characters (full-width letters, ligatures, superscripts, ...).',
      ],
      [
        'a ligature',
        '\ufb01nance-',
        'Must not contain compatibility characters (full-width letters, ligatures, superscripts, ...).',
      ],
    ])('refuses a lookalike name: %s (422 on username)', async (_what, prefix, message) => {
      const response = await register(uniqueUsername(prefix)).expect(422);
      expect(response.body.status.errors).toEqual([
        { code: 'UNPROCESSABLE_ENTITY', reason: 'REQUEST_VALIDATION_FAILED', message, target: 'username' },
      ]);
    });

    it.each([
      ['all Cyrillic', '\u0438\u0432\u0430\u043d'],
      ['Japanese kanji with kana', '\u6771\u4eac\u30bf\u30ed\u30a6'],
      ['Latin with accents and digits', 'Jos\u00e9-\u00d6laf-42'],
      ['Korean', '\uae40\ucca0\uc218'],
    ])('accepts a name written in one script: %s', async (_what, prefix) => {
      // Made unique with digits only (uniqueUsername's hex would add Latin letters).
      await register(`${prefix}-${String(Date.now()).slice(-9)}${Math.floor(Math.random() * 1e6)}`).expect(200);
    });

    it('answers a login with a name no account can have like any wrong login (401), without asking the database', async () => {
      const response = await request(ctx.server)
        .post('/v1/auth/login')
        .send({ username: 'nul\u0000byte', password: 'whatever' })
        .expect(401);
      expect(response.body.status.errors[0]).toMatchObject({ reason: 'INVALID_CREDENTIALS' });
    });
  });

  describe('new passwords (contract part B, Protection)', () => {
    const register = (password: string) =>
      request(ctx.server)
        .post('/v1/auth/register')
        .send({ username: uniqueUsername(), password, passwordConfirm: password });
    const refusal = (message: string) => [
      { code: 'UNPROCESSABLE_ENTITY', reason: 'REQUEST_VALIDATION_FAILED', message, target: 'password' },
    ];

    it.each([
      ['one character', 'p'],
      ['a space', ' '],
      ['seven characters', 'abc-def'],
      ['eight spaces', '        '],
      ['seven characters padded with spaces', '  abc-def  '],
      ['seven emoji (code points, not UTF-16 units)', '\u{1F600}'.repeat(7)],
    ])('refuses %s with 422 on password and creates no user', async (_what, password) => {
      const response = await register(password).expect(422);
      expect(response.body.status.errors).toEqual(refusal('Must be at least 8 characters long.'));
      expect(response.headers['set-cookie']).toBeUndefined();
    });

    it.each(['password', 'Password1', '12345678', 'QWERTYUIOP', 'iloveyou', 'sunshine'])(
      'refuses the common password %p, in any letter case',
      async (password) => {
        const response = await register(password).expect(422);
        expect(response.body.status.errors).toEqual(refusal('Is one of the most common passwords; choose another.'));
      },
    );

    it('accepts eight characters that are not a common password, and logs in with them', async () => {
      const username = uniqueUsername();
      await request(ctx.server)
        .post('/v1/auth/register')
        .send({ username, password: 'kq7-vx2m', passwordConfirm: 'kq7-vx2m' })
        .expect(200);
      await request(ctx.server).post('/v1/auth/login').send({ username, password: 'kq7-vx2m' }).expect(200);
    });

    it('still logs in an account whose password predates the rule', async () => {
      const user = await ctx.registerUser();
      // As if set before the rule: the hash of a short password, written below the API.
      const hash = await ctx.app.get(PasswordHasher).hash('pw');
      await ctx.db.query('update users set password_hash = $1 where id = $2', [hash, user.id]);
      await request(ctx.server).post('/v1/auth/login').send({ username: user.username, password: 'pw' }).expect(200);
    });
  });
});
