import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';

/**
 * A statement of the money path: fixed text whatever the number of rows it
 * carries (rows travel as arrays, `unnest($1::uuid[], ...)`), so that
 * PostgreSQL parses and plans it once per connection, and so that the text a
 * review sees (test/queries/*.sql) is the text that runs.
 */
export interface Statement {
  /** The prepared statement's name on each connection; unique per text. */
  readonly name: string;
  readonly text: string;
}

export const statement = (name: string, text: string): Statement => ({ name, text });

/** What node-postgres is sent: the statement named (parsed and planned once per connection) when prepared, else unnamed. */
export function queryConfig(statement: Statement, values: unknown[], prepared: boolean) {
  return prepared ? { name: statement.name, text: statement.text, values } : { text: statement.text, values };
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
}

/** The slice of knex's client that hands out connections (a transaction's, or the pool's). */
interface ConnectionSource {
  acquireConnection(): Promise<PgClient>;
  releaseConnection(connection: PgClient): Promise<unknown>;
}

/**
 * Runs hot-path statements with real parameters ($1, $2: MikroORM's
 * `execute` inlines values into the text instead), prepared once per
 * connection where the setting allows: inside a unit of work on its
 * connection; a read outside one on a connection of the ORM's pool, for just
 * that statement. Driver errors come out as MikroORM's exceptions, like every
 * other query's.
 */
@Injectable()
export class Statements {
  private readonly log = new Logger('SQL');

  constructor(
    private readonly em: EntityManager,
    @Inject(STATEMENT_OPTIONS) private readonly options: StatementOptions,
  ) {}

  /** A statement of a unit of work (a write, a lock): on its connection; outside one it is a mistake. */
  run<Row>(statement: Statement, values: unknown[]): Promise<Row[]> {
    const transaction = this.transactionConnections();
    if (!transaction) throw new Error(`${statement.name} must run inside a unit of work`);
    return this.send(transaction, statement, values);
  }

  /** A read: on the unit of work's connection inside one, else on a pooled connection for just this statement. */
  read<Row>(statement: Statement, values: unknown[]): Promise<Row[]> {
    const pool = this.em.getConnection().getKnex().client as ConnectionSource;
    return this.send(this.transactionConnections() ?? pool, statement, values);
  }

  /** knex's transaction client hands out the transaction's own connection (and its release is a no-op). */
  private transactionConnections(): ConnectionSource | undefined {
    return this.em.getTransactionContext<{ client: ConnectionSource }>()?.client;
  }

  private async send<Row>(source: ConnectionSource, statement: Statement, values: unknown[]): Promise<Row[]> {
    if (this.options.debug) this.log.log(`[${statement.name}] ${statement.text}`);
    let connection: PgClient | undefined;
    try {
      connection = await source.acquireConnection();
      const result = await connection.query(queryConfig(statement, values, this.options.prepared));
      return result.rows as Row[];
    } catch (error) {
      throw this.em.getDriver().convertException(error as Error);
    } finally {
      if (connection) await source.releaseConnection(connection);
    }
  }
}
