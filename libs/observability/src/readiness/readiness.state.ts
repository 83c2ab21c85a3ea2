import { type BeforeApplicationShutdown, Injectable } from '@nestjs/common';

/**
 * Whether this instance should still get traffic. `markShuttingDown()` is
 * for the SIGTERM handler: from then on GET /readyz answers 503, so a load
 * balancer stops sending requests while the in-flight ones finish. Nest's
 * shutdown (app.close()) marks it too, before the server stops listening.
 * It never turns back: a process that began shutting down ends.
 */
@Injectable()
export class ReadinessState implements BeforeApplicationShutdown {
  private shuttingDownSince?: Date;

  markShuttingDown(): void {
    this.shuttingDownSince ??= new Date();
  }

  get shuttingDown(): boolean {
    return this.shuttingDownSince !== undefined;
  }

  beforeApplicationShutdown(): void {
    this.markShuttingDown();
  }
}
