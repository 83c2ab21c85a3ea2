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

/**
 * Runs hot-path statements on the connection of the caller's unit of work,
 * with real parameters ($1, $2: MikroORM's `execute` inlines values into the
 * text instead), prepared once per connection where the setting allows.
 * Driver errors come out as MikroORM's exceptions, like every other query's.
 */
@Injectable()
export class Statements {
  private readonly log = new Logger('SQL');

  constructor(
    private readonly em: EntityManager,
    @Inject(STATEMENT_OPTIONS) private readonly options: StatementOptions,
  ) {}

  async run<Row>(statement: Statement, values: unknown[]): Promise<Row[]> {
    const transaction = this.em.getTransactionContext<{ client: { acquireConnection(): Promise<PgClient> } }>();
    if (!transaction) throw new Error(`${statement.name} must run inside a unit of work`);
    // knex's transaction client hands out the transaction's own connection.
    const connection = await transaction.client.acquireConnection();
    if (this.options.debug) this.log.log(`[${statement.name}] ${statement.text}`);
    try {
      const result = await connection.query(
        this.options.prepared ? { name: statement.name, text: statement.text, values } : { text: statement.text, values },
      );
      return result.rows as Row[];
    } catch (error) {
      throw this.em.getDriver().convertException(error as Error);
    }
  }
}
