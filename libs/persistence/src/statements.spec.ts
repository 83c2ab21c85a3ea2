import type { EntityManager } from '@mikro-orm/postgresql';
import { oneOff, queryConfig, statement, Statements } from './statements';

const HOT = statement('wallets_by_user_id', 'select * from wallets where user_id = $1');
const ONE_OFF = oneOff('admin_hold', 'select * from holds where id = $1::uuid');

describe('queryConfig', () => {
  it('names a prepared statement when the setting allows, never a one-off one', () => {
    expect(queryConfig(HOT, ['u'], true)).toEqual({ name: 'wallets_by_user_id', text: HOT.text, values: ['u'] });
    expect(queryConfig(HOT, ['u'], false)).toEqual({ text: HOT.text, values: ['u'] });
    expect(queryConfig(ONE_OFF, ['h'], true)).toEqual({ text: ONE_OFF.text, values: ['h'] });
    expect(queryConfig(ONE_OFF, ['h'], false)).toEqual({ text: ONE_OFF.text, values: ['h'] });
  });

  it('statement() is prepared unless told otherwise', () => {
    expect(HOT.prepared).toBe(true);
    expect(statement('x', 'select 1', { prepared: false }).prepared).toBe(false);
    expect(ONE_OFF.prepared).toBe(false);
  });
});

describe('Statements', () => {
  /** Statements over a fake ORM: the pool's connection records what it is sent; `transaction` fakes a unit of work's. */
  function fake(transaction = false) {
    const sent: { name?: string; text: string; values: unknown[] }[] = [];
    const connection = {
      query: async (config: { name?: string; text: string; values: unknown[] }) => (sent.push(config), { rows: [] }),
      end: async () => undefined,
    };
    const source = { acquireConnection: async () => connection, releaseConnection: async () => undefined };
    const em = {
      getTransactionContext: () => (transaction ? { client: source } : undefined),
      getConnection: () => ({ getKnex: () => ({ client: source }) }),
      getDriver: () => ({ convertException: (error: Error) => error }),
    } as unknown as EntityManager;
    return { statements: new Statements(em, { prepared: true, debug: false }), sent };
  }

  it('sends a one-off statement unnamed, a hot-path one by name', async () => {
    const { statements, sent } = fake();
    await statements.read(ONE_OFF, ['h']);
    await statements.read(HOT, ['u']);
    expect(sent).toEqual([
      { text: ONE_OFF.text, values: ['h'] },
      { name: 'wallets_by_user_id', text: HOT.text, values: ['u'] },
    ]);
  });

  it('autocommit: on a pooled connection outside a transaction, refused inside one', async () => {
    const outside = fake();
    await outside.statements.autocommit(ONE_OFF, ['h']);
    expect(outside.sent).toHaveLength(1);
    const inside = fake(true);
    expect(() => inside.statements.autocommit(ONE_OFF, ['h'])).toThrow(/commits by itself/);
    expect(inside.sent).toHaveLength(0);
  });

  it('run: refused outside a transaction', () => {
    expect(() => fake().statements.run(ONE_OFF, ['h'])).toThrow(/must run inside a unit of work/);
  });
});
