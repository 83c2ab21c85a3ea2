import { DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { DatabaseUnavailableError, databaseUnavailable, isDatabaseUnavailable } from './driver-errors';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET')],
    ['an administrator shutdown (57P01)', withCode('terminating connection due to administrator command', '57P01')],
    ['a server still starting (57P03)', withCode('the database system is starting up', '57P03')],
    ['a connection failure (08006)', withCode('connection failure', '08006')],
    ['a socket closed under node-postgres', new Error('Connection terminated unexpectedly')],
    ['a connect timeout of node-postgres', new Error('Connection terminated due to connection timeout')],
    ['a query that got no answer in time', new Error('Query read timeout')],
    [
      'a query on a lost connection, as knex reports it (its SQL first)',
      new DriverException(
        new Error(
          'update wallets set pending_holds = 1 - Client has encountered a connection error and is not queryable',
        ),
      ),
    ],
    [
      'a query in a transaction knex ended when its connection was lost',
      new DriverException(new Error('Transaction query already complete, run with DEBUG=knex:tx for more info')),
    ],
    ['a pg-pool wait past connectionTimeoutMillis', new Error('timeout exceeded when trying to connect')],
    [
      "knex's acquire timeout, as MikroORM wraps it",
      new DriverException(
        Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), {
          name: 'KnexTimeoutError',
        }),
      ),
    ],
  ])('recognises %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(databaseUnavailable(error)).toBeInstanceOf(DatabaseUnavailableError);
    expect(databaseUnavailable(error)?.message).not.toContain(String((error as Error).message));
  });

  it('leaves every other failure alone', () => {
    const violation = new UniqueConstraintViolationException(withCode('duplicate key value', '23505'));
    for (const error of [
      violation,
      withCode('canceling statement due to lock timeout', '55P03'),
      new Error('bug'),
      null,
    ]) {
      expect(isDatabaseUnavailable(error)).toBe(false);
      expect(databaseUnavailable(error)).toBeUndefined();
    }
  });
});
