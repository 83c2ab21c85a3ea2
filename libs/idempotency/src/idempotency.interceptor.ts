import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { from, lastValueFrom, type Observable } from 'rxjs';
import {
  IDEMPOTENCY_HEADER,
  IDEMPOTENT_ROUTE,
  isValidIdempotencyKey,
  ReplayedFailure,
  requestFingerprint,
} from '@app/http';
import { InvalidIdempotencyKeyError } from './idempotency.errors';
import { IdempotencyService } from './idempotency.service';

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
    const outcome = await this.idempotency.execute(userId, key, fingerprint, () => lastValueFrom(next.handle()));
    if (!outcome.replayed) {
      if ('failure' in outcome) throw outcome.failure;
      return outcome.data;
    }
    const response = context.switchToHttp().getResponse<Response>();
    response.setHeader(REPLAYED_HEADER, 'true');
    if (outcome.status >= 400) throw new ReplayedFailure(outcome.status, outcome.body);
    response.status(outcome.status);
    return outcome.body;
  }
}
