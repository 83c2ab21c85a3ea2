/**
 * What pino replaces with "[redacted]" in every line the application logs
 * (the access line carries no headers and goes through a logger without this
 * pass): headers should any be logged (request cookie, response set-cookie,
 * Idempotency-Key, Authorization), and any field named like a password or a
 * session id at the top level or up to two levels down (a body or a user
 * object logged by a mistake). Secrets stay out by construction, not by each
 * caller's care.
 */
const SECRET_FIELDS = ['password', 'passwordConfirm', 'sessionID', 'sessionId', 'session', 'cookie'];

export const REDACTED_PATHS: string[] = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
];

export const REDACTION_CENSOR = '[redacted]';
