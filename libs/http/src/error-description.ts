/**
 * What the log says about an unexpected error (the 500 path), without the
 * data it may carry. A database error's message is not logged as is: MikroORM
 * (through knex) prefixes PostgreSQL's message with the failed statement,
 * parameters inlined (password hashes, session data, amounts), and pg's own
 * `detail` names key values. So a database error is logged as its class,
 * SQLSTATE, constraint and PostgreSQL's message with quoted values masked,
 * plus the stack frames; any other error as its name, message and frames.
 *
 * Duck-typed (no ORM import): it applies as well to a pg error raised by the
 * session store's own pool.
 */
export function describeUnexpectedError(error: unknown): string {
  if (!(error instanceof Error)) return `a non-Error value was thrown (${typeof error})`;
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
  const details = error as Error & { code?: unknown; constraint?: unknown };
  const sqlState = typeof details.code === 'string' && /^[0-9A-Z]{5}$/.test(details.code) ? details.code : undefined;
  const statement = STATEMENT_PREFIX.exec(error.message);
  if (sqlState === undefined && statement === null) {
    return [`${error.name}: ${error.message}`, frames].filter(Boolean).join('\n');
  }
  const serverMessage = statement ? error.message.slice(statement[0].length) : error.message;
  const facts = [
    sqlState ? `SQLSTATE ${sqlState}` : 'no SQLSTATE',
    typeof details.constraint === 'string' ? `constraint ${details.constraint}` : undefined,
    statement ? `statement: ${statement[1].toLowerCase()} …, parameters not logged` : undefined,
  ].filter(Boolean);
  return [`${error.name} (${facts.join(', ')}): ${maskValues(serverMessage)}`, frames].filter(Boolean).join('\n');
}

/** knex's "<statement with parameters inlined> - <server message>" (the statement may span lines). */
const STATEMENT_PREFIX =
  /^\s*(select|insert|update|delete|with|begin|commit|rollback|savepoint|release|set|lock|create|alter|drop|truncate|copy|call|do)\b[\s\S]* - /i;

/**
 * PostgreSQL quotes values two ways in its messages: 'literal' and, after a
 * colon, "value" (`invalid input syntax for type uuid: "abc"`); identifiers
 * (`constraint "users_username_unique"`) stay readable.
 */
function maskValues(message: string): string {
  return message.replace(/'(?:[^']|'')*'/g, "'?'").replace(/: "(?:[^"]|"")*"/g, ': "?"');
}
