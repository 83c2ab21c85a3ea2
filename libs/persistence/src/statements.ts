import { DriverException } from '@mikro-orm/core';
import { EntityManager, type Knex } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * A statement run with real parameters ($1, $2, ...): fixed text whatever
 * the number of rows it carries (rows travel as arrays, `unnest($1::uuid[],
 * ...)`), so that the text a review sees (test/queries/*.sql) is the text
 * that runs. A statement of the money path and the hot reads is prepared
 * (parsed and planned once per connection, under its name); a one-off
 * statement (`oneOff`: the admin reads, the audit, a freeze...) is always
 * sent unnamed, parsed and planned for the values it carries each time.
 */
export interface Statement {
  /** The prepared statement's name on each connection (unique per text); a one-off's is only a label (DB_DEBUG). */
  readonly name: string;
  readonly text: string;
  /** false: never prepared by name, whatever DB_PREPARED_STATEMENTS says. */
  readonly prepared: boolean;
}

/** A statement prepared by name on each connection (when DB_PREPARED_STATEMENTS allows). */
export const statement = (name: string, text: string, options: { prepared?: boolean } = {}): Statement => ({
  name,
  text,
  prepared: options.prepared ?? true,
});

/**
 * A statement always sent unnamed: a query run now and then (an operator's
 * read, the audit, a background job), not worth a prepared statement on every
 * connection, nor pinned in test/queries/ as the hot path's are.
 */
export const oneOff = (name: string, text: string): Statement => statement(name, text, { prepared: false });

/** What node-postgres is sent: the statement named (parsed and planned once per connection) when prepared, else unnamed. */
export function queryConfig(statement: Statement, values: unknown[], prepared: boolean) {
  return prepared && statement.prepared
    ? { name: statement.name, text: statement.text, values }
    : { text: statement.text, values };
}

export interface StatementOptions {
  /** Prepared once per connection (off behind a transaction-mode pooler such as PgBouncer). */
  prepared: boolean;
  /** DB_DEBUG: each statement's text is logged (never its values). */
  debug: boolean;
}

export const STATEMENT_OPTIONS = Symbol('STATEMENT_OPTIONS');

/** The slice of node-postgres' client these statements use. */
interface PgClient {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
  /** Ends the connection (the pool then drops it): its transaction's state is unknown. */
  end(): Promise<void>;
}

const BEGIN = statement('begin', 'BEGIN');
const COMMIT = statement('commit', 'COMMIT');
const ROLLBACK = statement('rollback', 'ROLLBACK');

/**
 * What hands out connections: knex's `Client` (`acquireConnection`,
 * `releaseConnection`, declared in knex's own typings), reached through
 * MikroORM 6's public API: `getConnection().getKnex()` for the pool,
 * `getTransactionContext()` (a knex transaction) for a unit of work's
 * connection. MikroORM 7 drops knex for Kysely: this and `pool()` and
 * `transactionConnections()` are the three places that change then.
 */
type ConnectionSource = Pick<Knex.Client, 'acquireConnection' | 'releaseConnection'>;

/**
 * Runs statements with real parameters ($1, $2: MikroORM's `execute`
 * inlines values into the text instead), the hot path's prepared once per
 * connection where the setting allows, the one-off ones unnamed: inside a
 * transaction on its connection (a statements-only one, `transaction`, or a
 * unit of work's, on a replica too); a read outside one on a connection of
 * the ORM's pool, for just that statement. Driver errors come out as
 * MikroORM's exceptions, like every other query's.
 */
@Injectable()
export class Statements {
  private readonly log = new Logger('SQL');
  /** The connection of the statements-only transaction the caller runs in (see `transaction`). */
  private readonly own = new AsyncLocalStorage<PgClient>();

  constructor(
    private readonly em: EntityManager,
    @Inject(STATEMENT_OPTIONS) private readonly options: StatementOptions,
  ) {}

  /** A statement of a transaction (a write, a lock): on its connection; outside one it is a mistake. */
  run<Row>(statement: Statement, values: unknown[]): Promise<Row[]> {
    const own = this.own.getStore();
    if (own) return this.sendOn(own, statement, values);
    const transaction = this.transactionConnections();
    if (!transaction) throw new Error(`${statement.name} must run inside a unit of work`);
    return this.send(transaction, statement, values);
  }

  /** A read: on the transaction's connection inside one, else on a pooled connection for just this statement. */
  read<Row>(statement: Statement, values: unknown[]): Promise<Row[]> {
    const own = this.own.getStore();
    if (own) return this.sendOn(own, statement, values);
    return this.send(this.transactionConnections() ?? this.pool(), statement, values);
  }

  /**
   * A write that commits by itself (a background job's batch, PostgreSQL's
   * autocommit): on a pooled connection for just this statement. Inside a
   * transaction it would not commit alone: a mistake, refused.
   */
  autocommit<Row>(statement: Statement, values: unknown[]): Promise<Row[]> {
    if (this.inTransaction()) throw new Error(`${statement.name} commits by itself: not inside a transaction`);
    return this.send(this.pool(), statement, values);
  }

  /** Whether a read now runs in a transaction (a statements-only one or a unit of work's, on a replica too). */
  inTransaction(): boolean {
    return this.own.getStore() !== undefined || this.transactionConnections() !== undefined;
  }

  /**
   * A transaction whose every statement is one of these (the money batch):
   * BEGIN, `work`, COMMIT on one connection of the ORM's pool, without the
   * ORM's transaction (an EntityManager fork, knex's transactor), which cost
   * a lone transfer more CPU than its statements. `work` is called only once
   * BEGIN was answered, so a failure before it (`started` never called) sent
   * nothing of it. A failed transaction is rolled back; a connection whose
   * ROLLBACK failed too is ended, never handed to another caller. The errors
   * are MikroORM's exceptions, as everywhere.
   */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.inTransaction()) throw new Error('a statements transaction does not nest');
    const pool = this.pool();
    let connection: PgClient | undefined;
    let begun = false;
    try {
      connection = await this.acquire(pool);
      await this.sendOn(connection, BEGIN, [], false);
      begun = true;
      const result = await this.own.run(connection, work);
      await this.sendOn(connection, COMMIT, [], false);
      return result;
    } catch (error) {
      if (connection && begun) await this.rollBack(connection);
      throw error; // a driver's error converted where it was sent; what `work` threw as it was
    } finally {
      if (connection) await pool.releaseConnection(connection);
    }
  }

  private async rollBack(connection: PgClient): Promise<void> {
    try {
      await connection.query({ text: ROLLBACK.text, values: [] });
    } catch {
      // Its state unknown (a lost connection, a COMMIT that failed half way): ended, so the pool drops it.
      await connection.end().catch(() => undefined);
    }
  }

  /** The ORM's pool (knex's client): a connection for one statement or one statements-only transaction. */
  private pool(): ConnectionSource {
    return this.em.getConnection().getKnex().client as Knex.Client;
  }

  /** knex's transaction client hands out the transaction's own connection (and its release is a no-op). */
  private transactionConnections(): ConnectionSource | undefined {
    return (this.em.getTransactionContext<Knex.Transaction>()?.client as Knex.Client | undefined) ?? undefined;
  }

  private async send<Row>(source: ConnectionSource, statement: Statement, values: unknown[]): Promise<Row[]> {
    const connection = await this.acquire(source);
    try {
      return await this.sendOn<Row>(connection, statement, values);
    } finally {
      await source.releaseConnection(connection);
    }
  }

  private async acquire(source: ConnectionSource): Promise<PgClient> {
    try {
      return await source.acquireConnection();
    } catch (error) {
      throw this.converted(error);
    }
  }

  /** `prepared` false: BEGIN and COMMIT go as plain text (nothing to plan), as knex sent them. */
  private async sendOn<Row>(
    connection: PgClient,
    statement: Statement,
    values: unknown[],
    prepared = this.options.prepared,
  ): Promise<Row[]> {
    if (this.options.debug) this.log.log(`[${statement.name}] ${statement.text}`);
    try {
      const result = await connection.query(queryConfig(statement, values, prepared));
      return result.rows as Row[];
    } catch (error) {
      throw this.converted(error);
    }
  }

  /** Driver and pool errors as MikroORM's exceptions (converted once). */
  private converted(error: unknown): unknown {
    return error instanceof DriverException ? error : this.em.getDriver().convertException(error as Error);
  }
}
