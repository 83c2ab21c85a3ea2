import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { ERROR_CODES, NON_DOMAIN_REASONS, toErrorResponse } from '@app/http';
import { useTestContext } from '@app/testing';
import { ERRORS, ERROR_TRANSLATION } from '../../apps/api/src/error.table';

/** Every `code = '...'` a DomainError subclass under libs/ declares. */
function codesRaisedInLibs(): string[] {
  const codes: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.spec.ts')) {
        const source = readFileSync(path, 'utf8');
        if (!/extends DomainError</.test(source)) continue;
        for (const match of source.matchAll(/readonly code = '([A-Z_]+)'/g)) codes.push(match[1]);
      }
    }
  };
  walk(join(__dirname, '../../libs'));
  return codes;
}

describe('error reasons (contract part B)', () => {
  const ctx = useTestContext();

  it('tells failures that share a status or code apart by reason', async () => {
    const alice = await ctx.fundedUser('5.00');
    const bob = await ctx.registerUser();

    const insufficient = await alice.agent
      .post('/v1/wallets/transfer')
      .send({ destination: bob.walletId, amount: '5.01' })
      .expect(400);
    const nowhere = await alice.agent
      .post('/v1/wallets/transfer')
      .send({ destination: randomUUID(), amount: '1.00' })
      .expect(404);
    const taken = await request(ctx.server)
      .post('/v1/auth/register')
      .send({ username: bob.username, password: 'pw-12345', passwordConfirm: 'pw-12345' })
      .expect(400);
    const unknownRoute = await alice.agent.get('/v1/wallets/nowhere').expect(404);

    const first = (response: request.Response) => response.body.status.errors[0];
    // Same status and code (400 BAD_REQUEST), different reasons.
    expect(first(insufficient)).toMatchObject({ code: 'BAD_REQUEST', reason: 'INSUFFICIENT_FUNDS' });
    expect(first(taken)).toMatchObject({ code: 'BAD_REQUEST', reason: 'USERNAME_TAKEN', target: 'username' });
    // Same status and code (404 NOT_FOUND), different reasons.
    expect(first(nowhere)).toMatchObject({ code: 'NOT_FOUND', reason: 'DESTINATION_WALLET_NOT_FOUND' });
    expect(first(unknownRoute)).toMatchObject({ code: 'NOT_FOUND', reason: 'ROUTE_NOT_FOUND' });
  });

  it("documents every reason of the merged error table in the OpenAPI document's ErrorDto", async () => {
    const doc = (await request(ctx.server).get('/api/doc/openapi.json').expect(200)).body;
    const errorDto = doc.components.schemas.ErrorDto;
    expect(errorDto.properties.reason.enum).toEqual(expect.arrayContaining([...Object.keys(ERRORS)]));
    expect(errorDto.properties.reason.enum).toEqual(expect.arrayContaining([...NON_DOMAIN_REASONS]));
    expect(errorDto.properties.reason.enum).toContain('INSUFFICIENT_FUNDS');
    expect(errorDto.properties.code.enum).toEqual([...ERROR_CODES]);
    expect(errorDto.properties.code.enum).toContain('SERVICE_UNAVAILABLE');
  });

  it('documents 403 WALLET_FROZEN, with an example, on every route that can answer it', async () => {
    const doc = (await request(ctx.server).get('/api/doc/openapi.json').expect(200)).body;
    type Example = { status: { errors: { code: string; message: string; target: string; reason: string }[] } };
    /** Every error a route's 403 response shows: its schema's example and its named examples. */
    const forbidden = (method: string, path: string) => {
      const content = doc.paths[path]?.[method]?.responses?.['403']?.content?.['application/json'];
      const examples = Object.values<{ value: Example }>(content?.examples ?? {}).map((example) => example.value);
      return [
        ...(content?.schema?.properties?.status?.properties?.errors?.example ?? []),
        ...examples.flatMap((example) => example.status.errors),
      ];
    };
    const own = {
      code: 'FORBIDDEN',
      message: 'Your wallet is frozen: it cannot send or receive money. Contact support to have it reviewed.',
      target: '__all__',
      reason: 'WALLET_FROZEN',
    };
    const destination = (target: string) => ({
      code: 'FORBIDDEN',
      message: 'The destination wallet is frozen and cannot receive money.',
      target,
      reason: 'WALLET_FROZEN',
    });
    expect(forbidden('post', '/v1/wallets/deposit')).toEqual([own]);
    expect(forbidden('post', '/v1/wallets/transfer')).toEqual(expect.arrayContaining([own, destination('destination')]));
    expect(forbidden('post', '/v1/wallets/holds')).toEqual(expect.arrayContaining([own, destination('destination')]));
    expect(forbidden('post', '/v1/holds/{id}/capture')).toEqual(
      expect.arrayContaining([own, destination('__all__'), expect.objectContaining({ reason: 'HOLD_FORBIDDEN' })]),
    );
    // Voiding stays possible on a frozen wallet: its 403 is the hold's owner check only.
    expect(forbidden('post', '/v1/holds/{id}/void').map((error) => error.reason)).toEqual(['HOLD_FORBIDDEN']);
  });

  it('answers a value PostgreSQL refuses (SQLSTATE class 22, or a NUL in a statement) with 422, never 503 or 500', async () => {
    // The request validation refuses these first; this is the safety net behind it, fed real driver errors.
    const em = ctx.orm.em.fork();
    const failures: unknown[] = [];
    const fail = async (run: () => Promise<unknown>) => failures.push(await run().then(() => 'no error', (e) => e));
    // MikroORM writes parameters into the SQL: a NUL there cuts the protocol's query string (08P01, ERROR).
    await fail(() => em.execute('select ?::text as t', ['a\u0000b']));
    await fail(() => em.execute('select ?::uuid as u', ['not-a-uuid'])); // 22P02
    await fail(() => em.execute('select ?::int as i', ['99999999999'])); // 22003
    await fail(() => em.execute('select ?::timestamptz as t', ['10000-13-01'])); // 22008
    // A bound parameter holding a NUL (node-postgres sends it as is): 22021.
    await fail(() => ctx.db.query('select $1::text as t', ['a\u0000b']));
    expect(failures.map((error) => (error as { code?: string }).code)).toEqual(['08P01', '22P02', '22003', '22008', '22021']);
    for (const error of failures) {
      expect(toErrorResponse(error, ERRORS, ERROR_TRANSLATION)).toEqual({
        status: 422,
        headers: {},
        body: {
          status: {
            success: false,
            errors: [
              {
                code: 'UNPROCESSABLE_ENTITY',
                message: 'The request holds a value the service cannot store or compare.',
                target: '__all__',
                reason: 'UNPROCESSABLE_VALUE',
              },
            ],
          },
          data: null,
        },
      });
    }
    // The server refused one message and kept serving the connection.
    expect(await em.execute('select 1 as one')).toEqual([{ one: 1 }]);
  });

  it('gives every code a library raises a status in the merged table (a table left out of the merge)', () => {
    const raised = codesRaisedInLibs();
    expect(raised).toContain('INSUFFICIENT_FUNDS');
    expect(raised.filter((code) => !(code in ERRORS))).toEqual([]);
  });
});
