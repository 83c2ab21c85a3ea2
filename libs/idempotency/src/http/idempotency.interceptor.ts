import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { DomainError } from '@app/errors';
import { ERROR_TABLE, type Envelope, type ErrorTable, PrebuiltFailure, toErrorResponse } from '@app/http';
import { IdempotencyService } from '../application/idempotency.service';
import { InvalidIdempotencyKeyError } from '../domain/idempotency.errors';
import { IDEMPOTENCY_HEADER, isValidIdempotencyKey } from '../domain/idempotency-key.rules';
import { IDEMPOTENT_ROUTE } from './idempotent.decorator';
import { requestFingerprint } from './request-fingerprint';

export const REPLAYED_HEADER = 'Idempotent-Replayed';

/**
 * Registered as APP_INTERCEPTOR (inside the envelope interceptor). On routes
 * marked @Idempotent() and called with an Idempotency-Key, the handler runs
 * through IdempotencyService; other requests pass untouched. Guards have run:
 * the key is scoped to the authenticated user.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly idempotency: IdempotencyService,
    @Inject(ERROR_TABLE) private readonly errors: ErrorTable,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.reflector.get<boolean>(IDEMPOTENT_ROUTE, context.getHandler())) return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    const key = request.header(IDEMPOTENCY_HEADER);
    if (key === undefined) return next.handle();
    if (!isValidIdempotencyKey(key)) throw new InvalidIdempotencyKeyError();
    const userId = (request.user as { id: string }).id;
    const fingerprint = requestFingerprint(request.method, request.path, request.body);
    return from(this.answer(context, userId, key, fingerprint, next));
  }

  private async answer(context: ExecutionContext, userId: string, key: string, fingerprint: string, next: CallHandler) {
    const outcome = await this.idempotency.execute(
      userId,
      key,
      fingerprint,
      () => lastValueFrom(next.handle()),
      this.recordable,
    );
    if (!outcome.replayed) {
      if ('failure' in outcome) throw outcome.failure;
      return outcome.data;
    }
    const response = context.switchToHttp().getResponse<Response>();
    response.setHeader(REPLAYED_HEADER, 'true');
    // A stored failure is the whole envelope as first sent: answered as is, whatever it carries.
    if (outcome.status >= 400) throw new PrebuiltFailure(outcome.status, outcome.body as Envelope<never>);
    response.status(outcome.status);
    return outcome.body;
  }

  /**
   * A business failure (4xx other than 409) is recorded with the answer it
   * produces. Not recorded: what the error table marks as binding no key
   * (invalid request, the key itself), conflicts (a retry may succeed) and
   * server errors.
   */
  private readonly recordable = (error: unknown): { status: number; body: unknown } | null => {
    if (!(error instanceof DomainError) || this.errors[error.code]?.bindsNoIdempotencyKey) return null;
    const { status, body } = toErrorResponse(error, this.errors);
    return status >= 400 && status < 500 && status !== 409 ? { status, body } : null;
  };
}
