import { DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { describeUnexpectedError } from './error-description';

/** What MikroORM raises: knex's message is the statement with its parameters inlined, then pg's message. */
function driverError<T extends DriverException>(
  Type: new (previous: Error) => T,
  message: string,
  props: Record<string, unknown>,
): T {
  return new Type(Object.assign(new Error(message), props));
}

describe('describeUnexpectedError', () => {
  const hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';

  it('logs a driver error as class, SQLSTATE, constraint and server message, never the parameters', () => {
    const error = driverError(
      UniqueConstraintViolationException,
      `insert into "users" ("id", "username", "password_hash") values ('0b6f', 'alice', '${hash}') - ` +
        'duplicate key value violates unique constraint "users_username_unique"',
      { code: '23505', constraint: 'users_username_unique', detail: 'Key (username)=(alice) already exists.' },
    );
    const line = describeUnexpectedError(error);
    expect(line).toMatch(
      /^UniqueConstraintViolationException \(SQLSTATE 23505, constraint users_username_unique, statement: insert …, parameters not logged\): duplicate key value violates unique constraint "users_username_unique"\n\s+at /,
    );
    for (const secret of [hash, 'alice', '0b6f']) expect(line).not.toContain(secret);
  });

  it('masks values PostgreSQL quotes in its own message', () => {
    const error = driverError(
      DriverException,
      `select * from "wallets" where "id" = 'not-a-uuid' - invalid input syntax for type uuid: "not-a-uuid"`,
      { code: '22P02' },
    );
    const line = describeUnexpectedError(error);
    expect(line).toContain('invalid input syntax for type uuid: "?"');
    expect(line).not.toContain('not-a-uuid');
  });

  it('drops the statement of a driver error that has no SQLSTATE (a connection lost mid-query)', () => {
    const error = driverError(
      DriverException,
      `update "wallets" set "balance" = '12.00' where "id" = 'w1' - Connection terminated unexpectedly`,
      {},
    );
    const line = describeUnexpectedError(error);
    expect(line).toMatch(
      /^DriverException \(no SQLSTATE, statement: update …, parameters not logged\): Connection terminated unexpectedly/,
    );
    expect(line).not.toContain('12.00');
  });

  it('logs any other error with its message and stack frames', () => {
    const line = describeUnexpectedError(new TypeError("Cannot read properties of undefined (reading 'id')"));
    expect(line).toMatch(/^TypeError: Cannot read properties of undefined \(reading 'id'\)\n\s+at /);
    expect(describeUnexpectedError('a string')).toBe('a non-Error value was thrown (string)');
  });
});
