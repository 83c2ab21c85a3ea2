import type { AppConfig } from '@app/config';
import pino, { type DestinationStream, type Logger } from 'pino';
import { REDACTED_PATHS, REDACTION_CENSOR } from './redaction';

/**
 * The process's pino logger: JSON lines (one object per line) on stdout, or
 * readable colored lines when a person runs the API in a terminal (stdout is
 * a TTY, outside production) and pino-pretty is installed (a development
 * dependency: the production image has no pino-pretty and logs JSON).
 * Writes are synchronous, so that nothing is lost when the process exits.
 */
export function createRootLogger(config: AppConfig): Logger {
  const { logLevel, logFormat, logDestination } = config.observability;
  const pretty =
    logFormat === 'pretty' ||
    (logFormat === 'auto' && !config.production && logDestination === 'stdout' && process.stdout.isTTY === true);
  return pino(
    {
      level: logLevel,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: REDACTION_CENSOR },
      formatters: { level: (label) => ({ level: label }) },
    },
    pretty ? (prettyStream(logFormat === 'pretty') ?? rawDestination(logDestination)) : rawDestination(logDestination),
  );
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
