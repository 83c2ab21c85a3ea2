import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { encodeCursor } from '@app/http';
import { FUNDING_WALLET_ID } from '@app/ledger';
import { balanceOf, fundsOf, placeHold, type RegisteredUser, useTestContext, wireStatementsDuring } from '@app/testing';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CSV_HEADER =
  'transfer_id,type,created_at,amount,balance_after,sequence,source_wallet_id,source_username,' +
  'destination_wallet_id,destination_username,reverses,reversed_amount';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Spec 17, section 2: the operators' reads (usernames beside ids, filters,
 * the CSV export, holds, the transfer view, lookup, the action log's target
 * and parties) and the operator's void, through HTTP on PostgreSQL.
 */
describe('admin reads (spec 17, section 2)', () => {
  const ctx = useTestContext({ listen: true });
  let admin: RegisteredUser;

  beforeAll(async () => {
    admin = await ctx.adminUser();
  });

  function expectError(response: request.Response, status: number, error: Json) {
    expect({ status: response.status, body: response.body }).toEqual({
      status,
      body: { status: { success: false, errors: [expect.objectContaining(error)] }, data: null },
    });
  }

  const reverse = (transferId: string, body: object = {}) =>
    admin.agent.post(`/v1/admin/transfers/${transferId}/reversal`).send(body).expect(200);
  const freeze = (walletId: string, reason?: string) =>
    admin.agent
      .post(`/v1/admin/wallets/${walletId}/freeze`)
      .send(reason ? { reason } : {})
      .expect(200);

  /** Parses the export's CSV (RFC 4180: quoted fields, doubled quotes, CRLF rows). */
  function parseCsv(text: string): string[][] {
    const rows: string[][] = [];
    let row: string[] = [];
    let field = '';
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') ((field += '"'), i++);
        else if (c === '"') quoted = false;
        else field += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') (row.push(field), (field = ''));
      else if (c === '\r' && text[i + 1] === '\n') {
        row.push(field);
        rows.push(row);
        ((row = []), (field = ''), i++);
      } else field += c;
    }
    expect(field).toBe('');
    expect(row).toEqual([]);
    return rows;
  }

  describe('who may call the new routes', () => {
    it('answers 401 to a visitor and 403 FORBIDDEN to a logged-in user on each of them, the CSV export too', async () => {
      const user = await ctx.fundedUser('5.00');
      const hold = await placeHold(user, (await ctx.registerUser()).walletId, '1.00');
      const routes: [string, string][] = [
        ['get', `/v1/admin/wallets/${user.walletId}/operations.csv`],
        ['get', `/v1/admin/wallets/${user.walletId}/holds`],
        ['post', `/v1/admin/holds/${hold.id}/void`],
        ['get', `/v1/admin/transfers/${randomUUID()}`],
        ['get', `/v1/admin/lookup/${user.id}`],
        ['get', `/v1/admin/actions?target=${user.walletId}`],
      ];
      for (const [method, path] of routes) {
        const visitor = await (request(ctx.server) as unknown as Record<string, (p: string) => request.Test>)
          [method](path)
          .set('Content-Type', 'application/json')
          .send('{}');
        expectError(visitor, 401, { code: 'UNAUTHORIZED', reason: 'AUTHENTICATION_REQUIRED' });
        const asUser = await (user.agent as unknown as Record<string, (p: string) => request.Test>)
          [method](path)
          .set('Content-Type', 'application/json')
          .send('{}');
        expectError(asUser, 403, { code: 'FORBIDDEN', message: 'This route is for admins only.' });
      }
      // The user's hold is still pending: the refused void did nothing.
      expect(await fundsOf(user)).toEqual({ balance: '5.00', available: '4.00' });
    });
  });

  it('documents each new route in the OpenAPI document: summary, id parameter, envelope, failures', async () => {
    const doc = (await request(ctx.server).get('/api/doc/openapi.json').expect(200)).body;
    const routes: [string, string, string[]][] = [
      ['get', '/v1/admin/wallets/{id}/operations', ['401', '403', '404', '422']],
      ['get', '/v1/admin/wallets/{id}/operations.csv', ['401', '403', '404', '422']],
      ['get', '/v1/admin/wallets/{id}/holds', ['401', '403', '404', '422']],
      ['post', '/v1/admin/holds/{id}/void', ['401', '403', '404', '409', '422']],
      ['get', '/v1/admin/transfers/{transferId}', ['401', '403', '404']],
      ['get', '/v1/admin/lookup/{id}', ['401', '403', '404']],
      ['get', '/v1/admin/actions', ['401', '403', '422']],
    ];
    for (const [method, path, failures] of routes) {
      const operation = doc.paths[path]?.[method];
      expect({ path, summary: typeof operation?.summary }).toEqual({ path, summary: 'string' });
      expect({ path, statuses: Object.keys(operation.responses) }).toEqual({
        path,
        statuses: expect.arrayContaining(['200', ...failures]),
      });
      for (const status of failures) {
        const schema = operation.responses[status].content['application/json'].schema;
        expect({ path, status, required: schema.required }).toEqual({ path, status, required: ['status', 'data'] });
      }
      const idParameter = operation.parameters.find((parameter: Json) => parameter.in === 'path');
      if (path.includes('{')) expect(idParameter).toMatchObject({ required: true, schema: { format: 'uuid' } });
    }
    const csv = doc.paths['/v1/admin/wallets/{id}/operations.csv'].get;
    expect(csv.responses['200'].content['text/csv'].example).toMatch(new RegExp(`^${CSV_HEADER}\\r\\n`));
    const queryNames = (path: string) =>
      doc.paths[path].get.parameters
        .filter((p: Json) => p.in === 'query')
        .map((p: Json) => p.name)
        .sort();
    expect(queryNames('/v1/admin/wallets/{id}/operations.csv')).toEqual(['from', 'to', 'type']);
    expect(queryNames('/v1/admin/wallets/{id}/operations')).toEqual([
      'cursor',
      'from',
      'limit',
      'order',
      'timestamp',
      'to',
      'type',
    ]);
    expect(queryNames('/v1/admin/actions')).toEqual(['cursor', 'limit', 'target']);
    const item = (name: string) => doc.components.schemas[name].properties;
    expect(Object.keys(item('AdminHoldResponse')).sort()).toEqual([
      'amount',
      'captured_amount',
      'created_at',
      'destination_username',
      'destination_wallet_id',
      'expires_at',
      'id',
      'source_wallet_id',
      'status',
    ]);
    expect(Object.keys(item('LookupResponse')).sort()).toEqual(['kind', 'transfer_id', 'user_id', 'wallet_id']);
  });

  describe('GET /v1/admin/wallets/{id}/operations', () => {
    it('names both parties of every operation (null for the funding wallet) and filters by type and time', async () => {
      const alice = await ctx.fundedUser('100.00');
      const bob = await ctx.fundedUser('5.00');
      const first = await ctx.transfer(alice, bob.walletId, '10.00');
      const back = await ctx.transfer(bob, alice.walletId, '2.00');
      await reverse(first.transfer_id);
      const ops = (await admin.agent.get(`/v1/admin/wallets/${alice.walletId}/operations?order=asc`).expect(200)).body
        .data as Json[];
      expect(ops.map((op) => [op.type, op.amount, op.source_username, op.destination_username])).toEqual([
        ['DEPOSIT', '100.00', null, alice.username],
        ['TRANSFER', '-10.00', alice.username, bob.username],
        ['TRANSFER', '2.00', bob.username, alice.username],
        ['REVERSAL', '10.00', bob.username, alice.username],
      ]);
      // Additive: the user route's fields are all there.
      const own = (await alice.agent.get('/v1/wallets/operations?order=asc').expect(200)).body.data as Json[];
      expect(ops.map(({ source_username, destination_username, ...rest }) => rest)).toEqual(own);

      const ofType = async (type: string) =>
        (
          (
            await admin.agent
              .get(`/v1/admin/wallets/${alice.walletId}/operations`)
              .query({ type, order: 'asc' })
              .expect(200)
          ).body.data as Json[]
        ).map((op) => `${op.type} ${op.amount}`);
      expect(await ofType('DEPOSIT')).toEqual(['DEPOSIT 100.00']);
      expect(await ofType('TRANSFER,REVERSAL')).toEqual(['TRANSFER -10.00', 'TRANSFER 2.00', 'REVERSAL 10.00']);
      expect(await ofType('REVERSAL,REVERSAL')).toEqual(['REVERSAL 10.00']);

      // from is inclusive, to exclusive.
      const window = await admin.agent
        .get(`/v1/admin/wallets/${alice.walletId}/operations`)
        .query({ from: first.timestamp, to: ops[3].timestamp, order: 'asc' })
        .expect(200);
      expect(window.body.data.map((op: Json) => op.transfer_id)).toEqual([first.transfer_id, back.transfer_id]);

      // Filters combine with the keyset cursor and the limit.
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: request.Response = await admin.agent
          .get(`/v1/admin/wallets/${alice.walletId}/operations`)
          .query({ type: 'TRANSFER,DEPOSIT', limit: 1, ...(cursor ? { cursor } : {}) })
          .expect(200);
        seen.push(...page.body.data.map((op: Json) => `${op.type} ${op.amount}`));
        cursor = page.body.meta.next_cursor;
      } while (cursor);
      expect(seen).toEqual(['TRANSFER 2.00', 'TRANSFER -10.00', 'DEPOSIT 100.00']);
    });

    it('refuses an unknown type, a repeated type, an empty one and a bad moment with 422 on the field', async () => {
      const alice = await ctx.fundedUser('1.00');
      const path = `/v1/admin/wallets/${alice.walletId}/operations`;
      const typeError = {
        code: 'UNPROCESSABLE_ENTITY',
        target: 'type',
        message: 'Must be a comma-separated list of: DEPOSIT, TRANSFER, REVERSAL.',
      };
      expectError(await admin.agent.get(path).query({ type: 'REFUND' }), 422, typeError);
      expectError(await admin.agent.get(path).query({ type: 'DEPOSIT,' }), 422, typeError);
      expectError(await admin.agent.get(path).query({ type: '' }), 422, typeError);
      expectError(await admin.agent.get(`${path}?type=DEPOSIT&type=TRANSFER`), 422, typeError);
      expectError(await admin.agent.get(path).query({ from: 'yesterday' }), 422, {
        target: 'from',
        message: 'Not a valid datetime.',
      });
      expectError(await admin.agent.get(path).query({ to: '2026-02-30T00:00:00Z' }), 422, { target: 'to' });
      expectError(await admin.agent.get(path).query({ to: '10000-01-01T00:00:00Z' }), 422, { target: 'to' });
    });

    it('resolves the usernames of a whole page in one statement, whatever the number of counterparties', async () => {
      const alice = await ctx.fundedUser('100.00');
      const payees = await Promise.all(Array.from({ length: 12 }, () => ctx.registerUser()));
      for (const payee of payees) await ctx.transfer(alice, payee.walletId, '1.00');
      const read = async (limit: number) => {
        let page: Json[] = [];
        const statements = await wireStatementsDuring(async () => {
          page = (await admin.agent.get(`/v1/admin/wallets/${alice.walletId}/operations`).query({ limit }).expect(200))
            .body.data;
        });
        return { page, statements };
      };
      const one = await read(1);
      const all = await read(50);
      expect(all.page).toHaveLength(13);
      expect(new Set(all.page.map((op) => op.destination_username)).size).toBe(13);
      // As many statements for thirteen counterparties as for one: none per row.
      expect(all.statements.length).toBe(one.statements.length);
      expect(all.statements.filter(({ text }) => /join users u on u\.id = w\.user_id/.test(text))).toHaveLength(1);
    });
  });

  describe('GET /v1/admin/wallets/{id}/operations.csv', () => {
    it('streams every operation of a wallet larger than one page, in order, with the header and RFC 4180 quoting', async () => {
      const alice = await ctx.fundedUser('5.00');
      // A counterparty whose name needs quoting, and one a spreadsheet would run as a formula.
      const quoted = await ctx.registerUser({ username: `o"brien, jr ${randomUUID().slice(0, 6)}` });
      const formula = await ctx.registerUser({ username: `=sum-${randomUUID().slice(0, 6)}` });
      const paid = await ctx.transfer(alice, quoted.walletId, '3.00');
      await ctx.transfer(alice, formula.walletId, '1.00');
      await reverse(paid.transfer_id);
      // 1100 more deposits written straight in SQL: past one page of 1000 rows.
      await ctx.depositsAtOneMoment(
        alice.walletId,
        Array.from({ length: 1100 }, (_, i) => BigInt(i + 1)),
      );

      const response = await admin.agent
        .get(`/v1/admin/wallets/${alice.walletId}/operations.csv`)
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => done(null, text));
        })
        .expect(200);
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(response.headers['content-disposition']).toBe(
        `attachment; filename="wallet-${alice.walletId}-operations.csv"`,
      );
      const text = response.body as string;
      expect(text.startsWith(`${CSV_HEADER}\r\n`)).toBe(true);
      const [header, ...rows] = parseCsv(text);
      expect(header.join(',')).toBe(CSV_HEADER);
      expect(rows).toHaveLength(1104);
      expect(rows.map((row) => Number(row[5]))).toEqual(Array.from({ length: 1104 }, (_, i) => i + 1));
      // Every row is what the operations route answers for it.
      const all = (await alice.agent.get('/v1/wallets/operations?order=asc&limit=1000').expect(200)).body
        .data as Json[];
      expect(rows.slice(0, 1000).map((row) => [row[0], row[1], row[2], row[3], row[4]])).toEqual(
        all.map((op) => [op.transfer_id, op.type, op.timestamp, op.amount, op.balance_after]),
      );
      const byType = (type: string) => rows.filter((row) => row[1] === type);
      expect(byType('TRANSFER')).toEqual([
        [
          paid.transfer_id,
          'TRANSFER',
          paid.timestamp,
          '-3.00',
          '2.00',
          '2',
          alice.walletId,
          alice.username,
          quoted.walletId,
          quoted.username,
          '',
          '3.00',
        ],
        [
          expect.any(String),
          'TRANSFER',
          expect.any(String),
          '-1.00',
          '1.00',
          '3',
          alice.walletId,
          alice.username,
          formula.walletId,
          `'${formula.username}`,
          '',
          '',
        ],
      ]);
      expect(byType('REVERSAL')).toEqual([
        [
          expect.stringMatching(UUID),
          'REVERSAL',
          expect.any(String),
          '3.00',
          '4.00',
          '4',
          quoted.walletId,
          quoted.username,
          alice.walletId,
          alice.username,
          paid.transfer_id,
          '',
        ],
      ]);
      expect(rows[0].slice(6, 8)).toEqual([FUNDING_WALLET_ID, '']);
      expect(rows.at(-1)!.slice(1, 6)).toEqual(['DEPOSIT', expect.any(String), '11.00', expect.any(String), '1104']);
      // The username with a quote and a comma went out quoted, its quote doubled.
      expect(text).toContain(`,"${quoted.username.replace('"', '""')}",`);
    });

    it('applies the filters, answers an empty export with the header only, and fails in the envelope before any byte', async () => {
      const alice = await ctx.fundedUser('5.00');
      const bob = await ctx.registerUser();
      await ctx.transfer(alice, bob.walletId, '1.00');
      const csv = async (query: Json) =>
        (await admin.agent.get(`/v1/admin/wallets/${alice.walletId}/operations.csv`).query(query).expect(200)).text;
      const transfers = parseCsv(await csv({ type: 'TRANSFER' }));
      expect(transfers.slice(1).map((row) => row[1])).toEqual(['TRANSFER']);
      expect(await csv({ type: 'REVERSAL' })).toBe(`${CSV_HEADER}\r\n`);
      expect(await csv({ to: '2000-01-01T00:00:00Z' })).toBe(`${CSV_HEADER}\r\n`);

      const refused = async (path: string, status: number, error: Json) => {
        const response = await admin.agent.get(path);
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expectError(response, status, error);
      };
      await refused(`/v1/admin/wallets/${randomUUID()}/operations.csv`, 404, { message: 'Wallet does not exist.' });
      await refused('/v1/admin/wallets/not-a-wallet/operations.csv', 404, { message: 'Wallet does not exist.' });
      await refused(`/v1/admin/wallets/${FUNDING_WALLET_ID}/operations.csv`, 422, { code: 'UNPROCESSABLE_ENTITY' });
      await refused(`/v1/admin/wallets/${alice.walletId}/operations.csv?type=NOPE`, 422, { target: 'type' });
      await refused(`/v1/admin/wallets/${alice.walletId}/operations.csv?from=soon`, 422, { target: 'from' });
    });
  });

  describe('GET /v1/admin/wallets/{id}', () => {
    it('tells why, by whom and when a wallet was frozen, and nothing once it is unfrozen', async () => {
      const alice = await ctx.fundedUser('1.00');
      const plain = (await admin.agent.get(`/v1/admin/wallets/${alice.walletId}`).expect(200)).body.data;
      expect(plain).toMatchObject({ frozen: false, frozen_at: null, frozen_reason: null, frozen_by: null });
      await freeze(alice.walletId, 'chargeback investigation');
      const frozen = (await admin.agent.get(`/v1/admin/wallets/${alice.walletId}`).expect(200)).body.data;
      expect(frozen).toMatchObject({
        frozen: true,
        frozen_at: expect.any(String),
        frozen_reason: 'chargeback investigation',
        frozen_by: admin.username,
      });
      await admin.agent.post(`/v1/admin/wallets/${alice.walletId}/unfreeze`).send({ reason: 'cleared' }).expect(200);
      await freeze(alice.walletId);
      const again = (await admin.agent.get(`/v1/admin/wallets/${alice.walletId}`).expect(200)).body.data;
      // The freeze that froze it now: the latest, which gave no reason.
      expect(again).toMatchObject({ frozen: true, frozen_reason: null, frozen_by: admin.username });
      await admin.agent.post(`/v1/admin/wallets/${alice.walletId}/unfreeze`).send({}).expect(200);
      const thawed = (await admin.agent.get(`/v1/admin/wallets/${alice.walletId}`).expect(200)).body.data;
      expect(thawed).toMatchObject({ frozen: false, frozen_at: null, frozen_reason: null, frozen_by: null });
    });
  });

  describe('GET /v1/admin/actions', () => {
    it("filters to one target and names the admin, the target's owner and a reversal's parties", async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      const paid = await ctx.transfer(alice, bob.walletId, '4.00');
      await reverse(paid.transfer_id, { reason: 'wrong payee' });
      await freeze(alice.walletId, 'first look');
      await admin.agent.post(`/v1/admin/wallets/${alice.walletId}/unfreeze`).send({ reason: 'all clear' }).expect(200);
      const promoted = await ctx.registerUser();
      await ctx.promote(promoted);

      const onAlice = (await admin.agent.get('/v1/admin/actions').query({ target: alice.walletId }).expect(200)).body;
      expect(onAlice.data.map((line: Json) => `${line.action} ${line.reason}`)).toEqual([
        'UNFREEZE all clear',
        'FREEZE first look',
      ]);
      expect(onAlice.data[1]).toEqual({
        id: expect.stringMatching(UUID),
        admin_id: admin.id,
        admin_username: admin.username,
        action: 'FREEZE',
        target: alice.walletId,
        target_username: alice.username,
        reason: 'first look',
        amount: null,
        entry_id: null,
        created_at: expect.any(String),
        source_wallet_id: null,
        source_username: null,
        destination_wallet_id: null,
        destination_username: null,
      });
      const onTransfer = (
        await admin.agent.get('/v1/admin/actions').query({ target: paid.transfer_id.toUpperCase() }).expect(200)
      ).body.data;
      expect(onTransfer).toEqual([
        expect.objectContaining({
          action: 'REVERSAL',
          target: paid.transfer_id,
          target_username: null,
          admin_username: admin.username,
          source_wallet_id: alice.walletId,
          source_username: alice.username,
          destination_wallet_id: bob.walletId,
          destination_username: bob.username,
        }),
      ]);
      const onUser = (await admin.agent.get('/v1/admin/actions').query({ target: promoted.id }).expect(200)).body.data;
      expect(onUser).toEqual([
        expect.objectContaining({
          action: 'PROMOTE',
          admin_id: null,
          admin_username: null,
          target_username: promoted.username,
        }),
      ]);
      expect(
        (await admin.agent.get('/v1/admin/actions').query({ target: randomUUID() }).expect(200)).body,
      ).toMatchObject({
        data: [],
        meta: { next_cursor: null },
      });
      expectError(await admin.agent.get('/v1/admin/actions').query({ target: 'alice' }), 422, {
        target: 'target',
        message: 'Not a valid UUID.',
      });
    });

    it('pages the actions on one target with the cursor', async () => {
      const alice = await ctx.fundedUser('1.00');
      for (let i = 0; i < 3; i++) {
        await freeze(alice.walletId, `round ${i}`);
        await admin.agent
          .post(`/v1/admin/wallets/${alice.walletId}/unfreeze`)
          .send({ reason: `round ${i}` })
          .expect(200);
      }
      const first = await admin.agent.get('/v1/admin/actions').query({ target: alice.walletId, limit: 4 }).expect(200);
      const second = await admin.agent
        .get('/v1/admin/actions')
        .query({ target: alice.walletId, limit: 4, cursor: first.body.meta.next_cursor })
        .expect(200);
      expect(second.body.meta.next_cursor).toBeNull();
      expect([...first.body.data, ...second.body.data].map((line: Json) => `${line.action} ${line.reason}`)).toEqual([
        'UNFREEZE round 2',
        'FREEZE round 2',
        'UNFREEZE round 1',
        'FREEZE round 1',
        'UNFREEZE round 0',
        'FREEZE round 0',
      ]);
    });
  });

  describe('holds', () => {
    it('lists the holds a wallet placed, newest first, paged, with the state as of now (EXPIRED past expiry)', async () => {
      const alice = await ctx.fundedUser('50.00');
      const bob = await ctx.registerUser();
      const captured = await placeHold(alice, bob.walletId, '5.00');
      await alice.agent.post(`/v1/holds/${captured.id}/capture`).send({ amount: '2.00' }).expect(200);
      const voided = await placeHold(alice, bob.walletId, '3.00');
      await alice.agent.post(`/v1/holds/${voided.id}/void`).expect(200);
      const expired = await placeHold(alice, bob.walletId, '4.00');
      await ctx.db.query(`update holds set expires_at = clock_timestamp() - interval '1 second' where id = $1`, [
        expired.id,
      ]);
      const pending = await placeHold(alice, bob.walletId, '6.00');
      // Another wallet's hold is listed there, not here.
      const bobs = await placeHold(bob, alice.walletId, '1.00');

      const seen: Json[] = [];
      let cursor: string | null = null;
      do {
        const page: request.Response = await admin.agent
          .get(`/v1/admin/wallets/${alice.walletId}/holds`)
          .query({ limit: 3, ...(cursor ? { cursor } : {}) })
          .expect(200);
        seen.push(...page.body.data);
        cursor = page.body.meta.next_cursor;
      } while (cursor);
      expect(seen.map((hold) => [hold.id, hold.status, hold.amount, hold.captured_amount])).toEqual([
        [pending.id, 'PENDING', '6.00', null],
        [expired.id, 'EXPIRED', '4.00', null],
        [voided.id, 'VOIDED', '3.00', null],
        [captured.id, 'CAPTURED', '5.00', '2.00'],
      ]);
      expect(seen[0]).toEqual({
        id: pending.id,
        source_wallet_id: alice.walletId,
        destination_wallet_id: bob.walletId,
        destination_username: bob.username,
        amount: '6.00',
        captured_amount: null,
        status: 'PENDING',
        expires_at: pending.expires_at,
        created_at: pending.created_at,
      });
      const ofBob = (await admin.agent.get(`/v1/admin/wallets/${bob.walletId}/holds`).expect(200)).body.data;
      expect(ofBob.map((hold: Json) => [hold.id, hold.destination_username])).toEqual([[bobs.id, alice.username]]);
      expectError(await admin.agent.get(`/v1/admin/wallets/${randomUUID()}/holds`), 404, {
        message: 'Wallet does not exist.',
      });
      expectError(await admin.agent.get('/v1/admin/wallets/nope/holds'), 404, { message: 'Wallet does not exist.' });
      expectError(await admin.agent.get(`/v1/admin/wallets/${alice.walletId}/holds?cursor=zzz`), 422, {
        target: 'cursor',
      });
      expectError(
        await admin.agent
          .get(`/v1/admin/wallets/${alice.walletId}/holds`)
          .query({ cursor: encodeCursor({ w: alice.walletId, t: 8.64e15 + 1, i: randomUUID() }) }),
        422,
        { target: 'cursor' },
      );
      expectError(await admin.agent.get(`/v1/admin/wallets/${alice.walletId}/holds?limit=0`), 422, { target: 'limit' });
    });

    it('voids a pending hold of a frozen wallet, logs HOLD_VOID with its reason, and refuses a second void with 409', async () => {
      const alice = await ctx.fundedUser('20.00');
      const bob = await ctx.registerUser();
      const hold = await placeHold(alice, bob.walletId, '7.50');
      await freeze(alice.walletId, 'fraud review');
      expect(await fundsOf(alice)).toEqual({ balance: '20.00', available: '12.50' });

      const voided = await admin.agent
        .post(`/v1/admin/holds/${hold.id}/void`)
        .send({ reason: 'merchant cancelled' })
        .expect(200);
      expect(voided.body.data).toEqual({
        id: hold.id,
        source_wallet_id: alice.walletId,
        destination_wallet_id: bob.walletId,
        destination_username: bob.username,
        amount: '7.50',
        captured_amount: null,
        status: 'VOIDED',
        expires_at: hold.expires_at,
        created_at: hold.created_at,
      });
      expect(await fundsOf(alice)).toEqual({ balance: '20.00', available: '20.00' });
      expect(await balanceOf(bob)).toBe('0.00');
      const { rows } = await ctx.db.query(`select pending_holds from wallets where id = $1`, [alice.walletId]);
      expect(rows[0].pending_holds).toBe(0);

      const log = (await admin.agent.get('/v1/admin/actions').query({ target: hold.id }).expect(200)).body.data;
      expect(log).toEqual([
        expect.objectContaining({
          action: 'HOLD_VOID',
          target: hold.id,
          reason: 'merchant cancelled',
          admin_username: admin.username,
          target_username: alice.username,
        }),
      ]);
      expectError(await admin.agent.post(`/v1/admin/holds/${hold.id}/void`).send({}), 409, {
        code: 'CONFLICT',
        reason: 'HOLD_ALREADY_RESOLVED',
        message: 'Hold was already voided.',
      });
      // The owner cannot capture or void it any more either.
      expectError(await alice.agent.post(`/v1/holds/${hold.id}/void`), 409, { reason: 'HOLD_ALREADY_RESOLVED' });
      await ctx.expectLedgerInvariants();
    });

    it('answers 404 for an unknown or malformed hold, 409 HOLD_EXPIRED past expiry, and 422 for a bad reason', async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      expectError(await admin.agent.post(`/v1/admin/holds/${randomUUID()}/void`).send({}), 404, {
        reason: 'HOLD_NOT_FOUND',
      });
      expectError(await admin.agent.post('/v1/admin/holds/not-a-hold/void').send({}), 404, {
        reason: 'HOLD_NOT_FOUND',
      });
      const hold = await placeHold(alice, bob.walletId, '1.00');
      expectError(await admin.agent.post(`/v1/admin/holds/${hold.id}/void`).send({ reason: 42 }), 422, {
        target: 'reason',
      });
      await ctx.db.query(`update holds set expires_at = clock_timestamp() - interval '1 second' where id = $1`, [
        hold.id,
      ]);
      expectError(await admin.agent.post(`/v1/admin/holds/${hold.id}/void`).send({}), 409, { reason: 'HOLD_EXPIRED' });
      const { rows } = await ctx.db.query(`select count(*)::int as n from admin_actions where target = $1`, [hold.id]);
      expect(rows[0].n).toBe(0);
    });

    it('replays a void sent again with its Idempotency-Key, logging it once', async () => {
      const alice = await ctx.fundedUser('10.00');
      const bob = await ctx.registerUser();
      const hold = await placeHold(alice, bob.walletId, '2.00');
      const key = `void-${randomUUID()}`;
      const send = () =>
        admin.agent.post(`/v1/admin/holds/${hold.id}/void`).set('Idempotency-Key', key).send({ reason: 'dup' });
      const first = await send().expect(200);
      const again = await send().expect(200);
      expect(again.body).toEqual(first.body);
      expect(again.headers['idempotent-replayed']).toBe('true');
      const { rows } = await ctx.db.query(`select count(*)::int as n from admin_actions where target = $1`, [hold.id]);
      expect(rows[0].n).toBe(1);
    });
  });

  describe('GET /v1/admin/transfers/{id}', () => {
    it('shows a transfer with both parties, its legs and its reversal, and the reversal with what it reverses', async () => {
      const alice = await ctx.fundedUser('30.00');
      const bob = await ctx.registerUser();
      const paid = await ctx.transfer(alice, bob.walletId, '12.00');
      const untouched = (await admin.agent.get(`/v1/admin/transfers/${paid.transfer_id}`).expect(200)).body.data;
      expect(untouched).toMatchObject({ reverses: null, reversed_amount: null, reversals: [] });
      const reversal = (await reverse(paid.transfer_id)).body.data;

      const view = (await admin.agent.get(`/v1/admin/transfers/${paid.transfer_id.toUpperCase()}`).expect(200)).body
        .data;
      expect(view).toEqual({
        transfer_id: paid.transfer_id,
        type: 'TRANSFER',
        created_at: paid.timestamp,
        amount: '12.00',
        source_wallet_id: alice.walletId,
        source_username: alice.username,
        destination_wallet_id: bob.walletId,
        destination_username: bob.username,
        reverses: null,
        reversed_amount: '12.00',
        reversals: [{ transfer_id: reversal.id, amount: '12.00', created_at: reversal.operations[0].timestamp }],
        operations: [
          expect.objectContaining({
            transfer_id: paid.transfer_id,
            wallet_id: alice.walletId,
            amount: '-12.00',
            sequence: 2,
            balance_after: '18.00',
            source_username: alice.username,
            destination_username: bob.username,
          }),
          expect.objectContaining({ wallet_id: bob.walletId, amount: '12.00', sequence: 1, balance_after: '12.00' }),
        ],
      });
      const back = (await admin.agent.get(`/v1/admin/transfers/${reversal.id}`).expect(200)).body.data;
      expect(back).toMatchObject({
        transfer_id: reversal.id,
        type: 'REVERSAL',
        amount: '12.00',
        source_wallet_id: bob.walletId,
        destination_wallet_id: alice.walletId,
        reverses: paid.transfer_id,
        reversed_amount: null,
        reversals: [],
      });
      const deposit = (await alice.agent.get('/v1/wallets/operations?order=asc&limit=1').expect(200)).body.data[0];
      const funded = (await admin.agent.get(`/v1/admin/transfers/${deposit.transfer_id}`).expect(200)).body.data;
      expect(funded).toMatchObject({
        type: 'DEPOSIT',
        source_wallet_id: FUNDING_WALLET_ID,
        source_username: null,
        destination_username: alice.username,
      });
      expect(funded.operations.map((op: Json) => [op.wallet_id, op.amount])).toEqual([
        [FUNDING_WALLET_ID, '-30.00'],
        [alice.walletId, '30.00'],
      ]);
      expectError(await admin.agent.get(`/v1/admin/transfers/${randomUUID()}`), 404, { reason: 'TRANSFER_NOT_FOUND' });
      expectError(await admin.agent.get('/v1/admin/transfers/12345'), 404, { reason: 'TRANSFER_NOT_FOUND' });
    });
  });

  describe('GET /v1/admin/lookup/{id}', () => {
    it('tells a user, a wallet and a transfer apart, with the ids each resolves to, and 404 for anything else', async () => {
      const alice = await ctx.fundedUser('2.00');
      const bob = await ctx.registerUser();
      const paid = await ctx.transfer(alice, bob.walletId, '1.00');
      const hold = await placeHold(alice, bob.walletId, '0.50');
      const lookup = async (id: string) => (await admin.agent.get(`/v1/admin/lookup/${id}`).expect(200)).body.data;
      expect(await lookup(alice.id)).toEqual({
        kind: 'user',
        user_id: alice.id,
        wallet_id: alice.walletId,
        transfer_id: null,
      });
      expect(await lookup(bob.walletId.toUpperCase())).toEqual({
        kind: 'wallet',
        user_id: bob.id,
        wallet_id: bob.walletId,
        transfer_id: null,
      });
      expect(await lookup(FUNDING_WALLET_ID)).toEqual({
        kind: 'wallet',
        user_id: null,
        wallet_id: FUNDING_WALLET_ID,
        transfer_id: null,
      });
      expect(await lookup(paid.transfer_id)).toEqual({
        kind: 'transfer',
        user_id: null,
        wallet_id: null,
        transfer_id: paid.transfer_id,
      });
      const notFound = {
        code: 'NOT_FOUND',
        reason: 'ID_NOT_FOUND',
        message: 'No user, wallet or transfer has this id.',
      };
      expectError(await admin.agent.get(`/v1/admin/lookup/${randomUUID()}`), 404, notFound);
      expectError(await admin.agent.get(`/v1/admin/lookup/${hold.id}`), 404, notFound);
      expectError(await admin.agent.get('/v1/admin/lookup/not-a-uuid'), 404, notFound);
    });
  });
});
