import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import { type Observable, tap } from 'rxjs';
import { DomainError } from '@app/errors';
import { ERROR_TABLE, type ErrorTable } from '@app/http';
import { Metrics } from './metrics.service';

/**
 * Counts refused money movements by reason. A money-moving route is one
 * marked @Idempotent(); a refusal is a DomainError the error table answers
 * with a 4xx (insufficient funds, frozen wallet, expired hold, an invalid
 * amount...). Bound by the composition root to @Idempotent() routes only, inside the idempotency
 * interceptor, so a replayed refusal is counted once, as a replay.
 * (The exception filter sees every error but not whether the route moves
 * money; here both are known, through the same error table.)
 */
@Injectable()
export class RefusalMetricsInterceptor implements NestInterceptor {
  constructor(
    private readonly metrics: Metrics,
    @Inject(ERROR_TABLE) private readonly errors: ErrorTable,
  ) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      tap({
        error: (error: unknown) => {
          if (!(error instanceof DomainError)) return;
          const status = this.errors[error.code]?.status;
          if (status !== undefined && status >= 400 && status < 500) this.metrics.movementRefused(error.code);
        },
      }),
    );
  }
}
