import { DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';
import {
  DatabaseUnavailableError,
  databaseUnavailable,
  isConnectionLost,
  isDatabaseUnavailable,
  isRefusedValue,
  RefusedValueError,
  refusedValue,
} from './driver-errors';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
/** What node-postgres raises for the server's ErrorResponse (a DatabaseError), as MikroORM wraps it. */
const serverError = (message: string, code: string, severity = 'ERROR') =>
  new DriverException(Object.assign(new Error(message), { code, severity }));

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
      'a write on a server that only reads right now (25006: a standby, a primary mid-failover)',
      serverError('insert into "journal_entries" … - cannot execute INSERT in a read-only transaction', '25006'),
    ],
    ['a lock a hot standby refuses (25006)', serverError('cannot execute LOCK TABLE during recovery', '25006')],
    [
      'read-write mode a hot standby refuses (0A000 "during recovery")',
      serverError('cannot set transaction read-write mode during recovery', '0A000'),
    ],
    [
      'a transaction id a hot standby cannot assign (XX000 "during recovery")',
      serverError('cannot assign TransactionIds during recovery', 'XX000'),
    ],
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
      serverError('feature not supported', '0A000'),
      serverError('cache lookup failed for relation 1', 'XX000'),
      new Error('bug'),
      null,
    ]) {
      expect(isDatabaseUnavailable(error)).toBe(false);
      expect(databaseUnavailable(error)).toBeUndefined();
    }
  });
});

describe('isRefusedValue', () => {
  it.each([
    ['a NUL in a bound parameter (22021)', serverError('invalid byte sequence for encoding "UTF8": 0x00', '22021')],
    ['text that is no uuid (22P02)', serverError('invalid input syntax for type uuid: "x"', '22P02')],
    ['a number out of range (22003)', serverError('value "99999999999" is out of range for type integer', '22003')],
    ['a datetime PostgreSQL cannot read (22007)', serverError('invalid input syntax for type timestamp', '22007')],
    ['a datetime field out of range (22008)', serverError('date/time field value out of range', '22008')],
    ['a string too long (22001)', serverError('value too long for type character varying(10)', '22001')],
    [
      'a NUL inside a statement MikroORM wrote its parameters into (08P01 at severity ERROR)',
      serverError("select … where username_key like 'a\u0000b%' - invalid message format", '08P01'),
    ],
    [
      'a data exception further down the causes',
      Object.assign(new Error('wrapped'), { cause: serverError('x', '22021') }),
    ],
  ])('reads %s as a refused value, not the database away', (_name, error) => {
    expect(isRefusedValue(error)).toBe(true);
    expect(refusedValue(error)).toBeInstanceOf(RefusedValueError);
    expect(refusedValue(error)).toMatchObject({ code: 'UNPROCESSABLE_VALUE', target: '__all__' });
    expect(refusedValue(error)?.message).not.toContain((error as Error).message);
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(databaseUnavailable(error)).toBeUndefined();
  });

  it.each([
    [
      'a protocol violation that ends the connection (08P01 at severity FATAL)',
      serverError('invalid frontend message type', '08P01', 'FATAL'),
    ],
    ['a connection failure (08006)', withCode('connection failure', '08006')],
    [
      'an administrator shutdown (57P01)',
      serverError('terminating connection due to administrator command', '57P01', 'FATAL'),
    ],
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a socket closed under node-postgres', new Error('Connection terminated unexpectedly')],
  ])('leaves %s to isDatabaseUnavailable', (_name, error) => {
    expect(isRefusedValue(error)).toBe(false);
    expect(refusedValue(error)).toBeUndefined();
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('leaves every other failure alone', () => {
    for (const error of [
      new UniqueConstraintViolationException(withCode('duplicate key value', '23505')),
      withCode('canceling statement due to lock timeout', '55P03'),
      withCode('not a sqlstate', '22'),
      new Error('bug'),
      null,
    ]) {
      expect(isRefusedValue(error)).toBe(false);
      expect(refusedValue(error)).toBeUndefined();
    }
  });
});

describe('isConnectionLost', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET')],
    ['a socket closed under node-postgres', new Error('Connection terminated unexpectedly')],
    [
      'BEGIN on a connection found dead, as knex reports it',
      new DriverException(new Error('begin - Connection terminated unexpectedly')),
    ],
    [
      'an administrator shutdown (57P01)',
      serverError('terminating connection due to administrator command', '57P01', 'FATAL'),
    ],
    ['a server still starting (57P03)', serverError('the database system is starting up', '57P03', 'FATAL')],
  ])('is %s', (_name, error) => {
    expect(isConnectionLost(error)).toBe(true);
  });

  it.each([
    ['a connect timeout of node-postgres', new Error('Connection terminated due to connection timeout')],
    ['a query that got no answer in time', new Error('Query read timeout')],
    ['a pg-pool wait past connectionTimeoutMillis', new Error('timeout exceeded when trying to connect')],
    [
      "knex's acquire timeout, as MikroORM wraps it",
      new DriverException(
        Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), {
          name: 'KnexTimeoutError',
        }),
      ),
    ],
    ['a socket timeout', withCode('connect ETIMEDOUT 10.0.0.1:5432', 'ETIMEDOUT')],
    ['a unique violation', new UniqueConstraintViolationException(withCode('duplicate key value', '23505'))],
    ['a refused value', serverError('invalid input syntax for type uuid: "x"', '22P02')],
    ['a bug', new Error('bug')],
  ])('is not %s (a wait that ran out, or no connection failure)', (_name, error) => {
    expect(isConnectionLost(error)).toBe(false);
  });
});
