import type { AppConfig } from '@app/config';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { REDACTED_PATHS, REDACTION_CENSOR } from './redaction';

/**
 * The process's pino loggers: JSON lines (one object per line) on stdout, or
 * readable colored lines when a person runs the API in a terminal (stdout is
 * a TTY, outside production) and pino-pretty is installed (a development
 * dependency: the production image has no pino-pretty and logs JSON).
 * Writes are synchronous, so that nothing is lost when the process exits.
 *
 * `root` writes every line whose content this code does not choose (Nest's,
 * the SQL of DB_DEBUG, errors) and redacts secret-named fields in them.
 * `access` writes only the access line, made field by field by
 * access-line.ts (no header, no body, nothing a redaction path names): it
 * skips the redaction, which costs several times the rest of the line.
 * Both write to the same destination.
 */
export function createLoggers(config: AppConfig): { root: Logger; access: Logger } {
  const { logLevel, logFormat, logDestination } = config.observability;
  const pretty =
    logFormat === 'pretty' ||
    (logFormat === 'auto' && !config.production && logDestination === 'stdout' && process.stdout.isTTY === true);
  const destination = pretty
    ? (prettyStream(logFormat === 'pretty') ?? rawDestination(logDestination))
    : rawDestination(logDestination);
  const options: LoggerOptions = {
    level: logLevel,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return {
    root: pino({ ...options, redact: { paths: REDACTED_PATHS, censor: REDACTION_CENSOR } }, destination),
    access: pino(options, destination),
  };
}

function rawDestination(destination: string): DestinationStream {
  if (destination === 'stdout') return pino.destination({ dest: 1, sync: true });
  if (destination === 'stderr') return pino.destination({ dest: 2, sync: true });
  return pino.destination({ dest: destination, sync: true, mkdir: true, append: true });
}

/** pino-pretty, loaded only when wanted; undefined when it is not installed and only `auto` asked for it. */
function prettyStream(required: boolean): DestinationStream | undefined {
  let factory: (options: Record<string, unknown>) => DestinationStream;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    factory = require('pino-pretty') as typeof factory;
  } catch {
    if (required) throw new Error('LOG_FORMAT=pretty needs the pino-pretty package (a development dependency)');
    return undefined;
  }
  return factory({
    sync: true,
    colorize: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    // The access line's message already says method, route, status and time.
    ignore: 'pid,hostname,req,res,method,route,status,durationMs,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
}
