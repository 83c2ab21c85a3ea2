import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import type { ErrorCode } from '@app/http';
import { useTestContext, balanceOf, type ErrorReason } from '@app/testing';

const MAX_BODY_BYTES = 16 * 1024;

function failure(code: ErrorCode, reason: ErrorReason, message: string, target = '__all__') {
  return { status: { success: false, errors: [{ code, message, target, reason }] }, data: null };
}

const NOT_FOUND = failure('NOT_FOUND', 'ROUTE_NOT_FOUND', 'Not found.');
const INVALID_JSON = failure('BAD_REQUEST', 'INVALID_JSON_BODY', 'Invalid JSON body.');
const NOT_AN_OBJECT = failure(
  'UNPROCESSABLE_ENTITY',
  'REQUEST_VALIDATION_FAILED',
  'Request body must be a JSON object.',
);
const TOO_LARGE = failure('PAYLOAD_TOO_LARGE', 'PAYLOAD_TOO_LARGE', 'Request body is too large (16 KiB at most).');

/** Every route that needs a session (the admin routes need the admin role too), as `METHOD path`. */
const SESSION_ROUTES = [
  'GET /v1/wallets',
  'GET /v1/wallets/operations',
  'POST /v1/wallets/deposit',
  'POST /v1/wallets/transfer',
  'POST /v1/wallets/holds',
  'POST /v1/holds/{id}/capture',
  'POST /v1/holds/{id}/void',
  'GET /v1/auth/me',
  'GET /v1/admin/users',
  'GET /v1/admin/wallets/{id}',
  'GET /v1/admin/wallets/{id}/operations',
  'POST /v1/admin/transfers/{transferId}/reversal',
  'POST /v1/admin/wallets/{id}/freeze',
  'POST /v1/admin/wallets/{id}/unfreeze',
  'GET /v1/admin/ledger/audit',
  'GET /v1/admin/actions',
  'GET /v1/admin/wallets/{id}/operations.csv',
  'GET /v1/admin/wallets/{id}/holds',
  'POST /v1/admin/holds/{id}/void',
  'GET /v1/admin/transfers/{transferId}',
  'GET /v1/admin/lookup/{id}',
];
/** Every route the application serves: the session routes and the public ones. */
const SERVED_ROUTES = [
  'POST /v1/auth/register',
  'POST /v1/auth/login',
  'POST /v1/auth/logout',
  'GET /healthcheck',
  'GET /readyz',
  ...SESSION_ROUTES,
];

/** superagent serializes a Buffer sent as application/json (to {"type":"Buffer",...}): send its bytes as they are. */
const asIs = (body: unknown) => body as string;

/** A JSON login body padded with an unknown field to exactly `bytes` bytes. */
function loginBodyOfSize(bytes: number): string {
  const head = '{"username":"nobody-at-all","password":"x","pad":"';
  const tail = '"}';
  return head + 'p'.repeat(bytes - head.length - tail.length) + tail;
}

describe('HTTP surface (contract part A)', () => {
  const ctx = useTestContext();

  describe('envelope', () => {
    it.each<[string, string]>([
      ['get', '/nope'],
      ['get', '/v1'],
      ['get', '/v1/wallets/nope'],
      ['post', '/v1/nope'],
      ['delete', '/v1/wallets'],
      ['put', '/v1/wallets/deposit'],
    ])('answers an unknown route (%s %s) with 404 NOT_FOUND in the envelope', async (method, path) => {
      const response = await request(ctx.server)[method as 'get'](path).expect(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toEqual(NOT_FOUND);
    });

    it('answers an unknown route with 404 even for a logged-in user', async () => {
      const user = await ctx.registerUser();
      await user.agent.get('/v1/wallets/nope').expect(404, NOT_FOUND);
    });

    it('answers a success in the envelope with errors []', async () => {
      const user = await ctx.registerUser();
      const response = await user.agent.get('/v1/wallets').expect(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body.status).toEqual({ success: true, errors: [] });
    });
  });

  describe('request bodies', () => {
    it.each(['{"username": "a",', '{username: "a"}', "{'username': 'a'}", 'not json', '{"a": 1}}', '{"a": 01}'])(
      'answers the invalid JSON body %p with 422 BAD_REQUEST "Invalid JSON body." target __all__',
      async (text) => {
        await request(ctx.server)
          .post('/v1/auth/register')
          .set('Content-Type', 'application/json')
          .send(text)
          .expect(422, INVALID_JSON);
      },
    );

    it.each([
      // Under the 16 KiB limit: deep enough for the code after the parser to recurse out of stack,
      // or for the parser itself to.
      ['arrays 3,000 levels', '['.repeat(3000) + ']'.repeat(3000)],
      ['arrays 8,000 levels', '['.repeat(8000) + ']'.repeat(8000)],
      ['objects 3,200 levels', '{"":'.repeat(3200) + '1' + '}'.repeat(3200)],
    ])('refuses JSON %s deep (under the size limit) with 422, not a 500', async (_what, text) => {
      expect(text.length).toBeLessThan(MAX_BODY_BYTES);
      const user = await ctx.fundedUser('10.00');
      await user.agent
        .post('/v1/wallets/deposit')
        .set('Content-Type', 'application/json')
        .send(text)
        .expect(422, failure('BAD_REQUEST', 'JSON_TOO_DEEP', 'JSON body nested too deeply (32 levels at most).'));
      expect(await balanceOf(user)).toBe('10.00');
    });

    it('reads brackets inside strings as text, not as nesting', async () => {
      const username = `${'['.repeat(40)}x`;
      const response = await request(ctx.server)
        .post('/v1/auth/login')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ username, password: 'x' }));
      expect(response.status).toBe(401);
    });

    const json = Buffer.from('{"username":"nobody-at-all","password":"x"}');
    const gzipped = gzipSync(json);
    const corrupt = (encoded: Buffer) => {
      const copy = Buffer.from(encoded);
      for (let i = 4; i < copy.length - 4; i++) copy[i] ^= 0x5a;
      return copy;
    };
    it.each<[string, string, string | Buffer]>([
      ['gzip', 'text', 'not gzip at all'],
      ['gzip', 'cut short', gzipped.subarray(0, gzipped.length - 12)],
      ['gzip', 'corrupted', corrupt(gzipped)],
      ['gzip', 'with a wrong checksum', Buffer.concat([gzipped.subarray(0, -8), Buffer.alloc(8)])],
      ['deflate', 'text', 'not deflate'],
      ['deflate', 'corrupted', corrupt(deflateSync(json))],
      ['br', 'two bytes', 'xx'],
      // Brotli's own failures carry codes such as ERR__ERROR_FORMAT_PADDING_2, not zlib's Z_ ones.
      ['br', 'text', 'not brotli at all'],
      ['br', 'garbage', Buffer.from([0x00, 0x01, 0x02, 0x67, 0x61, 0x72, 0x62, 0x61, 0x67, 0x65])],
      ['br', 'cut short', brotliCompressSync(json).subarray(0, 20)],
    ])(
      'answers a %s body that does not decode (%s) with 400 BAD_REQUEST, not a 500',
      async (encoding, _what, body) => {
        await request(ctx.server)
          .post('/v1/auth/login')
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', encoding)
          .serialize(asIs)
          .send(body)
          .expect(
            400,
            failure(
              'BAD_REQUEST',
              'MALFORMED_BODY_ENCODING',
              'Request body does not decode with its Content-Encoding.',
            ),
          );
      },
    );

    it('answers an unknown Content-Encoding with 415', async () => {
      await request(ctx.server)
        .post('/v1/auth/login')
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'bogus')
        .send('{}')
        .expect(415, failure('UNSUPPORTED_MEDIA_TYPE', 'UNSUPPORTED_ENCODING', 'Unsupported content encoding.'));
    });

    it('answers invalid JSON on a money route with 422 BAD_REQUEST and moves nothing', async () => {
      const user = await ctx.fundedUser('10.00');
      await user.agent
        .post('/v1/wallets/deposit')
        .set('Content-Type', 'application/json')
        .send('{"amount": "5.00"')
        .expect(422, INVALID_JSON);
      expect(await balanceOf(user)).toBe('10.00');
    });

    it.each(['[]', '[{"username": "a", "password": "b", "passwordConfirm": "b"}]', '"text"', '42', 'null', 'true'])(
      'rejects the JSON body %p that is not an object with 422 target __all__',
      async (text) => {
        await request(ctx.server)
          .post('/v1/auth/register')
          .set('Content-Type', 'application/json')
          .send(text)
          .expect(422, NOT_AN_OBJECT);
      },
    );

    it('rejects a JSON array body on login and on the money routes with 422', async () => {
      const user = await ctx.fundedUser('10.00');
      await request(ctx.server)
        .post('/v1/auth/login')
        .set('Content-Type', 'application/json')
        .send('[]')
        .expect(422, NOT_AN_OBJECT);
      await user.agent
        .post('/v1/wallets/deposit')
        .set('Content-Type', 'application/json')
        .send('[{"amount": "1.00"}]')
        .expect(422, NOT_AN_OBJECT);
      await user.agent
        .post('/v1/wallets/transfer')
        .set('Content-Type', 'application/json')
        .send(`[{"destination": "${user.walletId}", "amount": "1.00"}]`)
        .expect(422, NOT_AN_OBJECT);
      expect(await balanceOf(user)).toBe('10.00');
    });

    it('answers a body above 16 KiB with 413 PAYLOAD_TOO_LARGE in the envelope', async () => {
      const response = await request(ctx.server)
        .post('/v1/auth/login')
        .set('Content-Type', 'application/json')
        .send(loginBodyOfSize(MAX_BODY_BYTES + 1))
        .expect(413);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.headers.connection).toBe('close');
      expect(response.body).toEqual(TOO_LARGE);
    });

    it('answers a compressed body that decodes to more than 16 KiB with 413, not a 500', async () => {
      const body = gzipSync(loginBodyOfSize(MAX_BODY_BYTES + 1));
      expect(body.length).toBeLessThan(MAX_BODY_BYTES);
      await request(ctx.server)
        .post('/v1/auth/login')
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'gzip')
        .serialize(asIs)
        .send(body)
        .expect(413, TOO_LARGE);
    });

    it('reads a gzip, deflate or br body that decodes', async () => {
      const body = Buffer.from(JSON.stringify({ username: 'nobody-at-all', password: 'x' }));
      for (const [encoding, encoded] of [
        ['gzip', gzipSync(body)],
        ['deflate', deflateSync(body)],
        ['br', brotliCompressSync(body)],
      ] as const) {
        await request(ctx.server)
          .post('/v1/auth/login')
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', encoding)
          .serialize(asIs)
          .send(encoded)
          .expect(401, failure('UNAUTHORIZED', 'INVALID_CREDENTIALS', 'Invalid username or password.'));
      }
    });

    it('reads a body of exactly 16 KiB', async () => {
      const body = loginBodyOfSize(MAX_BODY_BYTES);
      expect(Buffer.byteLength(body)).toBe(MAX_BODY_BYTES);
      // Read and judged: unknown user, not a 413.
      await request(ctx.server)
        .post('/v1/auth/login')
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(401, failure('UNAUTHORIZED', 'INVALID_CREDENTIALS', 'Invalid username or password.'));
    });

    it('refuses an oversized deposit with 413 and moves nothing', async () => {
      const user = await ctx.fundedUser('10.00');
      const body = `{"amount": "1.00", "pad": "${'p'.repeat(MAX_BODY_BYTES)}"}`;
      await user.agent
        .post('/v1/wallets/deposit')
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(413, TOO_LARGE);
      expect(await balanceOf(user)).toBe('10.00');
    });
  });

  describe('GET /healthcheck', () => {
    it('answers 200 {healthy: true}, without the envelope', async () => {
      const response = await request(ctx.server).get('/healthcheck').expect(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toEqual({ healthy: true });
    });
  });

  describe('API documentation', () => {
    it('serves Swagger UI as HTML at /api/doc/', async () => {
      const response = await request(ctx.server).get('/api/doc/').expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.text).toContain('<div id="swagger-ui"></div>');
      expect(response.text).toContain('<title>Wallet ledger API</title>');
      const init = await request(ctx.server).get('/api/doc/swagger-ui-init.js').expect(200);
      expect(init.text).toContain('/v1/wallets/transfer');
    });

    it('links the OpenAPI JSON from the document shown in Swagger UI', async () => {
      const doc = (await request(ctx.server).get('/api/doc/openapi.json').expect(200)).body;
      expect(doc.info.description).toContain('](/api/doc/openapi.json)');
    });

    it('tells a curl user how to log in: the cookie jar Swagger UI\'s generated commands leave out', async () => {
      const doc = (await request(ctx.server).get('/api/doc/openapi.json').expect(200)).body;
      expect(doc.info.description).toContain('-c jar.txt');
      expect(doc.info.description).toContain('curl -b jar.txt http://localhost:8080/v1/wallets');
      expect(doc.info.description).toMatch(/HttpOnly.*"Authorize" dialog is not needed/s);
    });

    it('lists exactly the routes the app serves in /api/doc/openapi.json', async () => {
      const response = await request(ctx.server).get('/api/doc/openapi.json').expect(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const doc = response.body;
      expect(doc.openapi).toMatch(/^3\./);
      const documented = Object.entries<Record<string, unknown>>(doc.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(documented.sort()).toEqual([...SERVED_ROUTES].sort());
    });

    it('documents only routes that answer (none of them is a 404)', async () => {
      for (const route of SERVED_ROUTES) {
        const [method, path] = route.split(' ');
        const response = await request(ctx.server)[method.toLowerCase() as 'get'](path);
        expect({ route, status: response.status }).not.toEqual({ route, status: 404 });
      }
    });

    it('declares the sessionid cookie security scheme and requires it on exactly the session routes', async () => {
      const doc = (await request(ctx.server).get('/api/doc/openapi.json').expect(200)).body;
      expect(doc.components.securitySchemes).toEqual({
        sessionid: { type: 'apiKey', in: 'cookie', name: 'sessionid' },
      });
      const secured: string[] = [];
      for (const [path, operations] of Object.entries<Record<string, { security?: Array<Record<string, string[]>> }>>(
        doc.paths,
      )) {
        for (const [method, operation] of Object.entries(operations)) {
          for (const requirement of operation.security ?? []) {
            // Every requirement must name a declared scheme, or Swagger UI never sends the cookie.
            for (const scheme of Object.keys(requirement))
              expect(doc.components.securitySchemes).toHaveProperty(scheme);
            if ('sessionid' in requirement) secured.push(`${method.toUpperCase()} ${path}`);
          }
        }
      }
      expect(secured.sort()).toEqual([...SESSION_ROUTES].sort());
    });
  });
});
