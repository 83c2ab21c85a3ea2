import { Client } from 'pg';

/** One statement as node-postgres sent it, on which connection. */
export interface WireStatement {
  /** The connections in the order they first sent something while recording (1, 2, ...). */
  connection: number;
  /** The prepared statement's name, when it has one. */
  name?: string;
  text: string;
  values: readonly unknown[];
}

/**
 * Every statement the process sends to PostgreSQL while `action` runs, from
 * every pool (MikroORM's, the session store's), read where node-postgres
 * sends it: an observer of the real traffic (each call goes through
 * unchanged), not a mock.
 */
export async function wireStatementsDuring(action: () => Promise<unknown>): Promise<WireStatement[]> {
  const seen: WireStatement[] = [];
  const connections = new Map<Client, number>();
  const original = Client.prototype.query;
  Client.prototype.query = function (this: Client, config: unknown, values?: unknown, callback?: unknown) {
    const query = typeof config === 'string' ? { text: config } : (config as { name?: string; text?: string; values?: unknown[] });
    if (typeof query?.text === 'string') {
      if (!connections.has(this)) connections.set(this, connections.size + 1);
      seen.push({
        connection: connections.get(this)!,
        name: query.name,
        text: query.text,
        values: Array.isArray(values) ? values : (query.values ?? []),
      });
    }
    return (original as (...args: unknown[]) => unknown).call(this, config, values, callback);
  } as typeof Client.prototype.query;
  try {
    await action();
  } finally {
    Client.prototype.query = original;
  }
  return seen;
}

/** Statements as a committed .sql file shows them: one per paragraph, each headed by its connection (and name). */
export function renderStatements(statements: readonly WireStatement[]): string {
  return statements
    .map(({ connection, name, text }) => {
      const body = text
        .split('\n')
        .map((line) => line.trimEnd())
        .join('\n')
        .trim();
      return `-- connection ${connection}${name ? `, prepared as ${name}` : ''}\n${body.endsWith(';') ? body : `${body};`}`;
    })
    .join('\n\n');
}
